// Cell runtime state: what a cell is doing and last produced, kept apart
// from the saved cell data (CellData in api.ts). It changes through one pure
// transition function, so every status change is in one place and tested.
import type { CellData, CellOutput, CellState, CellStatus } from "../api";

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
  /** Its run's number in the session (Jupyter's In [n]); undefined before it ran. */
  executionCount?: number;
}

export type CellMessage =
  | { type: "queued" }
  | { type: "running"; at: number; executionCount?: number }
  | { type: "progress"; percent: number; elapsedMs: number; download?: { done: number; total: number }; detail?: string }
  | { type: "output"; output: Record<string, unknown> }
  // elapsedMs is unknown for an error shown from elsewhere (a publish check run).
  | { type: "finished"; status: Exclude<CellStatus, "queued" | "running">; output?: CellOutput; elapsedMs?: number; seq: number; executionCount?: number }
  // What the backend says a cell last did when the notebook opens: the last
  // run's output and state, or the resumed session's live ones.
  | { type: "restored"; output?: CellOutput; state?: CellState; at?: number }
  | { type: "cleared" };

export const idle: CellRuntime = { status: "idle" };

/** The next runtime state of a cell on a message. */
export function transition(cell: CellRuntime, msg: CellMessage): CellRuntime {
  switch (msg.type) {
    case "queued":
      return { ...cell, status: "queued", percent: undefined, elapsedMs: undefined };
    case "running":
      return { ...cell, status: "running", startedAt: msg.at, percent: undefined, elapsedMs: 0, live: undefined, download: undefined, detail: undefined, executionCount: msg.executionCount ?? cell.executionCount };
    case "output":
      if (cell.status !== "running") return cell;
      return { ...cell, live: appendOutput(cell.live ?? [], msg.output) };
    case "progress":
      // A late progress event after the end must not bring a cell back to life.
      if (cell.status !== "running") return cell;
      return { ...cell, percent: msg.percent, elapsedMs: msg.elapsedMs, download: msg.download ?? (msg.percent >= 0 ? undefined : cell.download), detail: msg.detail ?? cell.detail };
    case "finished":
      if (msg.status === "skipped") {
        // Not run (an earlier cell failed): what it showed before no longer
        // follows from the cells above, so it is not shown as done.
        return { status: "skipped" };
      }
      return {
        status: msg.status,
        output: msg.output ?? cell.output,
        elapsedMs: msg.elapsedMs,
        finishedSeq: msg.seq,
        executionCount: msg.executionCount ?? cell.executionCount,
      };
    case "restored": {
      const st = msg.state;
      if (st?.status === "skipped") return { status: "skipped" };
      if (st?.status === "queued") return { status: "queued", output: msg.output, executionCount: st.executionCount || undefined };
      if (st?.status === "running") return { status: "running", startedAt: msg.at, output: msg.output, executionCount: st.executionCount || undefined };
      if (!msg.output && !st) return idle;
      // A time of -1 is unknown (the cell ran in an earlier run than the one read).
      const elapsedMs = st ? (st.elapsedMs >= 0 ? st.elapsedMs : undefined) : msg.output?.elapsedMs || undefined;
      return { status: st?.status ?? "done", output: msg.output, elapsedMs, finishedSeq: 0, executionCount: st?.executionCount || undefined };
    }
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
