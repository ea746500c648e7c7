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
  | { type: "cell-type"; id?: string; to: CellType }
  | { type: "source"; id: string; source: string }
  | { type: "name"; id: string; name: string }
  | { type: "chart"; id: string; chart: Record<string, unknown> | undefined }
  | { type: "engine"; id: string; engine: string }
  | { type: "collapse"; id: string; collapsed: boolean }
  | { type: "undo" }
  | { type: "saved"; cells: CellData[] };

/**
 * What a cell is, as its type menu says: its kind, or "parameters" for the
 * (Python) cell tagged parameters, whose values SQL reads as $name.
 */
export type CellType = CellKind | "parameters";

export const PARAMETERS_TAG = "parameters";

export function cellType(c: CellData): CellType {
  return c.tags?.includes(PARAMETERS_TAG) ? "parameters" : c.kind;
}

/** The cell made a type: a parameters cell is Python tagged parameters, and the only one. */
function withType(c: CellData, to: CellType): CellData {
  const kind: CellKind = to === "parameters" ? "python" : to;
  const others = (c.tags ?? []).filter((t) => t !== PARAMETERS_TAG);
  const tags = to === "parameters" ? [PARAMETERS_TAG, ...others] : others;
  const out: CellData = { ...c, kind, name: kind === "sql" ? c.name : undefined, tags: tags.length ? tags : undefined };
  if (kind !== "sql") {
    delete out.chart;
    delete out.engine;
  }
  if (!out.name) delete out.name;
  if (!out.tags) delete out.tags;
  return out;
}

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
      // A copy must not claim the same result name (the later one would
      // win), nor be a second parameters cell (opening refuses two).
      const tags = doc.cells[i].tags?.filter((t) => t !== "parameters");
      const copy: CellData = { ...doc.cells[i], id: newId(), name: undefined, tags: tags?.length ? tags : undefined };
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
    case "cell-type": {
      const i = at(a.id);
      if (i < 0 || cellType(doc.cells[i]) === a.to) return doc;
      const cells = doc.cells.map((c, j) => {
        if (j === i) return withType(c, a.to);
        // papermill reads one parameters cell: the new one takes the tag.
        if (a.to === "parameters" && cellType(c) === "parameters") return withType(c, "python");
        return c;
      });
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
    case "collapse":
      // Saved as JupyterLab saves it; false is left out, as saved.
      return edited(doc, a.id, (c) => {
        const { collapsed: _old, ...rest } = c;
        return a.collapsed ? { ...rest, collapsed: true } : rest;
      });
    case "undo": {
      const prev = doc.undo[doc.undo.length - 1];
      if (!prev) return doc;
      const selected = prev.some((c) => c.id === doc.selected) ? doc.selected : prev[0]?.id;
      return { ...doc, cells: prev, selected, undo: doc.undo.slice(0, -1), version: doc.version + 1 };
    }
    case "saved": {
      // The cells as a save wrote them (repaired): not an edit, so the
      // version stays that of the save. The selection keeps its place.
      const i = at();
      const selected = a.cells.some((c) => c.id === doc.selected) ? doc.selected : a.cells[Math.max(i, 0)]?.id;
      return { ...doc, cells: a.cells, selected };
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
  | "toggle-output"
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
    // The cell's type, as its menu sets it (SHORTCUTS lists them).
    case "s":
    case "S":
      return { type: "cell-type", to: "sql" };
    case "y":
    case "Y":
      return { type: "cell-type", to: "python" };
    case "m":
    case "M":
      return { type: "cell-type", to: "markdown" };
    case "p":
    case "P":
      return { type: "cell-type", to: "parameters" };
    case "r":
    case "R":
      return { type: "cell-type", to: "raw" };
    case "o":
    case "O":
      return "toggle-output";
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

/** The command-mode keys, for the shortcut list (README and the cell type menu's titles). */
export const SHORTCUTS: { key: string; does: string }[] = [
  { key: "Enter", does: "edit the cell" },
  { key: "Shift+Enter", does: "run and move on" },
  { key: "Ctrl/Cmd+Enter", does: "run in place" },
  { key: "A / B", does: "add a cell above / below" },
  { key: "D D", does: "delete the cell" },
  { key: "S", does: "make it SQL" },
  { key: "Y", does: "make it Python" },
  { key: "M", does: "make it Markdown" },
  { key: "P", does: "make it the Parameters cell" },
  { key: "R", does: "make it Raw" },
  { key: "O", does: "collapse or show its output" },
  { key: "Z", does: "undo a cell operation" },
  { key: "J / K, ↓ / ↑", does: "select the next / previous cell" },
];
