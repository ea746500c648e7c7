// Cell runtime state: what a cell is doing and last produced, kept apart
// from the saved cell data (CellData in api.ts). It changes through one pure
// transition function, so every status change is in one place and tested.
import type { CellData, CellOutput, CellStatus } from "../api";

export type Status = "idle" | CellStatus;

export interface CellRuntime {
  status: Status;
  /** When the cell started running (performance.now()), for the elapsed time. */
  startedAt?: number;
  elapsedMs?: number;
  /** 0..100 while DuckDB can estimate it, -1 or undefined otherwise. */
  percent?: number;
  /** Bytes of S3 objects fetched for the cell so far, of total. */
  download?: { done: number; total: number };
  /** A cluster's own account of a running cell (stages, tasks). */
  detail?: string;
  output?: CellOutput;
  /** Order in which cells finished, to tell which results are newer. */
  finishedSeq?: number;
  /** A running Python cell's outputs so far (nbformat v4), shown live. */
  live?: unknown[];
}

export type CellMessage =
  | { type: "queued" }
  | { type: "running"; at: number }
  | { type: "progress"; percent: number; elapsedMs: number; download?: { done: number; total: number }; detail?: string }
  | { type: "output"; output: Record<string, unknown> }
  // elapsedMs is unknown for an error shown from elsewhere (a publish check run).
  | { type: "finished"; status: Exclude<CellStatus, "queued" | "running">; output?: CellOutput; elapsedMs?: number; seq: number }
  | { type: "restored"; output: CellOutput }
  | { type: "cleared" };

export const idle: CellRuntime = { status: "idle" };

/** The next runtime state of a cell on a message. */
export function transition(cell: CellRuntime, msg: CellMessage): CellRuntime {
  switch (msg.type) {
    case "queued":
      return { ...cell, status: "queued", percent: undefined, elapsedMs: undefined };
    case "running":
      return { ...cell, status: "running", startedAt: msg.at, percent: undefined, elapsedMs: 0, live: undefined, download: undefined, detail: undefined };
    case "output":
      if (cell.status !== "running") return cell;
      return { ...cell, live: appendOutput(cell.live ?? [], msg.output) };
    case "progress":
      // A late progress event after the end must not bring a cell back to life.
      if (cell.status !== "running") return cell;
      return { ...cell, percent: msg.percent, elapsedMs: msg.elapsedMs, download: msg.download ?? (msg.percent >= 0 ? undefined : cell.download), detail: msg.detail ?? cell.detail };
    case "finished":
      if (msg.status === "skipped") {
        // Skipped cells keep what they showed before, but are no longer queued.
        return { ...cell, status: cell.output ? "done" : "idle", percent: undefined, startedAt: undefined };
      }
      return {
        status: msg.status,
        output: msg.output ?? cell.output,
        elapsedMs: msg.elapsedMs,
        finishedSeq: msg.seq,
      };
    case "restored":
      return { status: "done", output: msg.output, elapsedMs: msg.output.elapsedMs, finishedSeq: 0 };
    case "cleared":
      return idle;
    default: {
      const never: never = msg;
      return never;
    }
  }
}

/**
 * Adds a live output as a notebook shows it: a stream chunk joins a stream
 * of the same name just before it; clear_output empties the list.
 */
export function appendOutput(list: unknown[], o: Record<string, unknown>): unknown[] {
  if (o.output_type === "clear_output") return [];
  const last = list[list.length - 1] as Record<string, unknown> | undefined;
  if (o.output_type === "stream" && last?.output_type === "stream" && last.name === o.name) {
    return [...list.slice(0, -1), { ...last, text: String(last.text ?? "") + String(o.text ?? "") }];
  }
  return [...list, o];
}

/** Whether a cell's text names a result (a whole word, as SQL compares names: case-insensitively). */
export function reads(source: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^A-Za-z0-9_$"])"?${escaped}"?($|[^A-Za-z0-9_])`, "i").test(stripComments(source));
}

function stripComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, "").replace(/\/\*[\s\S]*?\*\//g, "");
}

/**
 * The cells whose output is stale: they ran, and a named cell they read
 * finished again after them, so what they show no longer follows from it.
 */
export function staleCells(cells: CellData[], runtime: Record<string, CellRuntime>): Set<string> {
  const stale = new Set<string>();
  const named = cells.filter((c) => c.kind === "sql" && c.name);
  for (const c of cells) {
    const rt = runtime[c.id];
    if (!rt || rt.status !== "done" || rt.finishedSeq === undefined) continue;
    for (const n of named) {
      if (n.id === c.id) continue;
      const nrt = runtime[n.id];
      if (nrt?.status === "done" && nrt.finishedSeq !== undefined && nrt.finishedSeq > rt.finishedSeq && reads(c.source, n.name!)) {
        stale.add(c.id);
        break;
      }
    }
  }
  return stale;
}
