// The notebook as the editor holds it: the saved cell data, which cell is
// selected, command or edit mode, and an undo stack for cell operations
// (text undo is each editor's own). Pure functions, tested with vitest.
import type { CellData, CellKind } from "../api";

export interface Doc {
  cells: CellData[];
  selected: string | undefined;
  mode: "command" | "edit";
  /** Cell lists before each structural change, newest last. */
  undo: CellData[][];
  /** Bumped on every change that should be saved. */
  version: number;
}

export type DocAction =
  | { type: "load"; cells: CellData[] }
  | { type: "select"; id: string; mode?: "command" | "edit" }
  | { type: "mode"; mode: "command" | "edit" }
  | { type: "move-selection"; by: 1 | -1 }
  | { type: "insert"; where: "above" | "below" | "end"; kind?: CellKind; source?: string }
  | { type: "delete"; id?: string }
  | { type: "duplicate"; id?: string }
  | { type: "move"; id?: string; by: 1 | -1 }
  | { type: "kind"; id?: string; kind: CellKind }
  | { type: "source"; id: string; source: string }
  | { type: "name"; id: string; name: string }
  | { type: "chart"; id: string; chart: Record<string, unknown> | undefined }
  | { type: "engine"; id: string; engine: string }
  | { type: "undo" };

export function newId(): string {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function emptyDoc(): Doc {
  return { cells: [], selected: undefined, mode: "command", undo: [], version: 0 };
}

const maxUndo = 100;

function structural(doc: Doc, cells: CellData[], selected = doc.selected): Doc {
  return { ...doc, cells, selected, undo: [...doc.undo.slice(-maxUndo + 1), doc.cells], version: doc.version + 1 };
}

function edited(doc: Doc, id: string, change: (c: CellData) => CellData): Doc {
  let found = false;
  const cells = doc.cells.map((c) => {
    if (c.id !== id) return c;
    found = true;
    return change(c);
  });
  return found ? { ...doc, cells, version: doc.version + 1 } : doc;
}

export function reduce(doc: Doc, a: DocAction): Doc {
  const at = (id = doc.selected) => doc.cells.findIndex((c) => c.id === id);
  switch (a.type) {
    case "load":
      return { cells: a.cells, selected: a.cells[0]?.id, mode: "command", undo: [], version: 0 };
    case "select":
      return { ...doc, selected: a.id, mode: a.mode ?? doc.mode };
    case "mode":
      return { ...doc, mode: a.mode };
    case "move-selection": {
      const i = at();
      const next = doc.cells[Math.min(Math.max(i + a.by, 0), doc.cells.length - 1)];
      return next ? { ...doc, selected: next.id } : doc;
    }
    case "insert": {
      const cell: CellData = { id: newId(), kind: a.kind ?? "sql", source: a.source ?? "" };
      const i = at();
      const pos = a.where === "end" || i < 0 ? doc.cells.length : a.where === "above" ? i : i + 1;
      const cells = [...doc.cells.slice(0, pos), cell, ...doc.cells.slice(pos)];
      return structural(doc, cells, cell.id);
    }
    case "delete": {
      const i = at(a.id);
      if (i < 0) return doc;
      const cells = doc.cells.filter((_, j) => j !== i);
      const next = cells[Math.min(i, cells.length - 1)];
      return { ...structural(doc, cells, next?.id), mode: "command" };
    }
    case "duplicate": {
      const i = at(a.id);
      if (i < 0) return doc;
      // A copy must not claim the same result name: the later one would win.
      const copy: CellData = { ...doc.cells[i], id: newId(), name: undefined };
      return structural(doc, [...doc.cells.slice(0, i + 1), copy, ...doc.cells.slice(i + 1)], copy.id);
    }
    case "move": {
      const i = at(a.id);
      const j = i + a.by;
      if (i < 0 || j < 0 || j >= doc.cells.length) return doc;
      const cells = [...doc.cells];
      [cells[i], cells[j]] = [cells[j], cells[i]];
      return structural(doc, cells);
    }
    case "kind": {
      const i = at(a.id);
      if (i < 0 || doc.cells[i].kind === a.kind) return doc;
      const cells = doc.cells.map((c, j) => (j === i ? { ...c, kind: a.kind, name: a.kind === "sql" ? c.name : undefined } : c));
      return structural(doc, cells);
    }
    case "source":
      return edited(doc, a.id, (c) => (c.source === a.source ? c : { ...c, source: a.source }));
    case "name":
      return edited(doc, a.id, (c) => ({ ...c, name: a.name.trim() || undefined }));
    case "chart":
      return edited(doc, a.id, (c) => ({ ...c, chart: a.chart }));
    case "engine":
      // "" follows the notebook's engine: the key is left out, as saved.
      return edited(doc, a.id, (c) => {
        const { engine: _old, ...rest } = c;
        return a.engine ? { ...rest, engine: a.engine } : rest;
      });
    case "undo": {
      const prev = doc.undo[doc.undo.length - 1];
      if (!prev) return doc;
      const selected = prev.some((c) => c.id === doc.selected) ? doc.selected : prev[0]?.id;
      return { ...doc, cells: prev, selected, undo: doc.undo.slice(0, -1), version: doc.version + 1 };
    }
    default: {
      const never: never = a;
      return never;
    }
  }
}

/** Jupyter's command-mode keys. Returns undefined for keys it leaves alone. */
export function commandKey(e: { key: string; ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }, lastKey: string | undefined):
  | DocAction
  | "run-advance"
  | "run-stay"
  | "edit"
  | "wait-d"
  | undefined {
  const mod = e.ctrlKey || e.metaKey;
  if (e.key === "Enter" && e.shiftKey) return "run-advance";
  if (e.key === "Enter" && mod) return "run-stay";
  if (mod || e.altKey) return undefined;
  switch (e.key) {
    case "Enter":
      return "edit";
    case "a":
    case "A":
      return { type: "insert", where: "above" };
    case "b":
    case "B":
      return { type: "insert", where: "below" };
    case "d":
    case "D":
      return lastKey === "d" ? { type: "delete" } : "wait-d";
    case "m":
    case "M":
      return { type: "kind", kind: "markdown" };
    case "y":
    case "Y":
      return { type: "kind", kind: "sql" };
    case "z":
    case "Z":
      return { type: "undo" };
    case "ArrowUp":
    case "k":
      return { type: "move-selection", by: -1 };
    case "ArrowDown":
    case "j":
      return { type: "move-selection", by: 1 };
  }
  return undefined;
}
