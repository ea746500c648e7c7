// The single module that talks to the backend. Components import from here
// and never touch window.go or fetch, so the same UI runs in the desktop
// window (Wails bindings and events) and in a browser (`smallfry serve`:
// HTTP calls and a WebSocket of events). The methods mirror Go's
// backend/workbench.Service one for one.
import { tableFromIPC, type Table } from "apache-arrow";

export interface NotebookEntry {
  path: string;
  name: string;
  modified: string;
  bytes: number;
}

export interface Info {
  version: string;
  workspaceDir: string;
  notebooks: NotebookEntry[];
}

export type CellKind = "sql" | "python" | "markdown" | "raw";

/** A cell as saved in the notebook. Runtime state lives in cellstate.ts. */
export interface CellData {
  id: string;
  kind: CellKind;
  source: string;
  name?: string;
  tags?: string[];
  /** A Vega-Lite spec over the cell's named result. */
  chart?: Record<string, unknown>;
}

export interface Column {
  name: string;
  type: string;
}

export interface ResultRef {
  schema?: string;
  table: string;
  columns: Column[];
  rows: number;
}

export interface Preview {
  columns: Column[];
  rows: unknown[][];
  totalRows: number;
}

export interface CellOutput {
  result?: ResultRef;
  preview?: Preview;
  text?: string;
  /** A Python cell's outputs as the kernel gave them (nbformat v4). */
  jupyter?: unknown[];
  error?: { message: string; line?: number };
  elapsedMs: number;
}

export interface OpenedNotebook {
  session: string;
  path: string;
  cells: CellData[];
  readOnly?: boolean;
  outputs?: Record<string, CellOutput>;
  recovered?: { savedAt: string };
  runtime?: Runtime;
}

/** Where a notebook's Python cells run: a local kernel, or a Docker image. */
export interface Runtime {
  docker?: string;
}

export interface RunRequest {
  cells: CellData[];
  run: string[];
  params?: Record<string, string>;
}

export interface RunSummary {
  runId: string;
  status: "ok" | "failed" | "canceled";
  error?: string;
  durationMs: number;
}

export interface SortKey {
  column: string;
  desc?: boolean;
}

export interface Filter {
  column: string;
  op: "=" | "!=" | "<" | "<=" | ">" | ">=" | "contains" | "is_null" | "not_null";
  value?: unknown;
}

export interface WindowRequest {
  schema?: string;
  table: string;
  offset: number;
  limit: number;
  sort?: SortKey[];
  filters?: Filter[];
}

export interface WindowResult {
  offset: number;
  total: number;
  table: Table;
}

export interface Summary {
  column: string;
  type: string;
  rows: number;
  nulls: number;
  distinct: number;
  min?: string;
  max?: string;
  bins?: { upper: string; count: number }[];
  top?: { value: string | null; count: number }[];
}

export interface Completions {
  tables: { schema?: string; name: string; kind: "lake" | "raw" | "result"; columns: string[] }[];
}

export interface ExportRequest {
  schema?: string;
  table: string;
  format: "csv" | "parquet";
  sort?: SortKey[];
  filters?: Filter[];
}

export interface Dataset {
  name: string;
  kind: "table" | "raw";
  path: string;
  format: string;
  files: number;
  bytes: number;
  rows: number;
  columns: Column[];
  partitions?: string[];
  partitionCount?: number;
  problems?: string[];
}

export interface RunRecord {
  id: string;
  notebook: string;
  mode: "headless" | "interactive";
  parameters: Record<string, unknown>;
  status: "running" | "ok" | "failed" | "canceled";
  error?: string;
  startedAt: string;
  finishedAt?: string;
  durationMs: number;
}

export type CellStatus = "queued" | "running" | "done" | "error" | "canceled" | "skipped";

export interface CellEvent {
  session: string;
  runId: string;
  cellId: string;
  status: CellStatus;
  elapsedMs: number;
  output?: CellOutput;
}

export interface ProgressEvent {
  session: string;
  runId: string;
  cellId: string;
  percent: number; // -1: unknown
  elapsedMs: number;
}

export interface RunEvent extends RunSummary {
  session: string;
}

export interface PullEvent {
  image: string;
  status: string;
  percent: number; // -1: unknown yet
}

export interface OutputEvent {
  session: string;
  cellId: string;
  output: Record<string, unknown>;
}

export interface Events {
  output: OutputEvent;
  cell: CellEvent;
  progress: ProgressEvent;
  run: RunEvent;
  pull: PullEvent;
}

/** Every failed call rejects with an ApiError; codes match backend/error.go. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** How calls and events travel: Wails in the window, HTTP in a browser. */
export interface Transport {
  call(method: string, args: unknown[]): Promise<unknown>;
  on(event: string, handler: (data: unknown) => void): () => void;
}

// Wails rejects with the {code, message} from app's ErrorFormatter, the HTTP
// server answers errors with the same JSON; anything else never reached Go.
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (typeof e === "object" && e !== null && "code" in e && "message" in e) {
    return new ApiError(String(e.code), String(e.message));
  }
  if (typeof e === "string") {
    try {
      return toApiError(JSON.parse(e));
    } catch {
      return new ApiError("internal", e);
    }
  }
  return new ApiError("internal", e instanceof Error ? e.message : String(e));
}

type WailsMethod = (...args: unknown[]) => Promise<unknown>;
declare global {
  interface Window {
    go?: { app: { Workbench: Record<string, WailsMethod> } };
    runtime?: { EventsOn(name: string, cb: (data: unknown) => void): () => void };
  }
}

export function wailsTransport(w: Window): Transport {
  return {
    call(method, args) {
      const fn = w.go!.app.Workbench[method];
      if (!fn) return Promise.reject(new ApiError("internal", `the window has no method ${method}`));
      return fn(...args);
    },
    on(event, handler) {
      return w.runtime!.EventsOn(event, handler);
    },
  };
}

/** The browser transport; the server's cookie (set from the ?token= link) authenticates. */
export function httpTransport(base = "", ws: typeof WebSocket = WebSocket): Transport {
  const handlers = new Map<string, Set<(data: unknown) => void>>();
  let socket: WebSocket | undefined;
  const connect = () => {
    if (socket) return;
    const url = new URL(base + "/api/events", location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    socket = new ws(url.toString());
    socket.onmessage = (m) => {
      const { name, data } = JSON.parse(String(m.data)) as { name: string; data: unknown };
      handlers.get(name)?.forEach((h) => h(data));
    };
    socket.onclose = () => {
      socket = undefined;
      if ([...handlers.values()].some((s) => s.size > 0)) setTimeout(connect, 500);
    };
  };
  return {
    async call(method, args) {
      const res = await fetch(`${base}/api/call/${method}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(args),
        credentials: "same-origin",
      });
      const text = await res.text();
      if (!res.ok) throw toApiError(text || `${res.status} ${res.statusText}`);
      return text ? JSON.parse(text) : null;
    },
    on(event, handler) {
      if (!handlers.has(event)) handlers.set(event, new Set());
      handlers.get(event)!.add(handler);
      connect();
      return () => handlers.get(event)!.delete(handler);
    },
  };
}

function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The backend's API, over whichever transport. */
export function makeApi(t: Transport) {
  const call = async <T>(method: string, ...args: unknown[]): Promise<T> => {
    try {
      return (await t.call(method, args)) as T;
    } catch (e) {
      throw toApiError(e);
    }
  };
  return {
    info: () => call<Info>("Info"),
    listNotebooks: () => call<NotebookEntry[]>("ListNotebooks"),
    createNotebook: (name: string) => call<NotebookEntry>("CreateNotebook", name),
    renameNotebook: (from: string, to: string) => call<NotebookEntry>("RenameNotebook", from, to),
    openNotebook: (path: string) => call<OpenedNotebook>("OpenNotebook", path),
    closeNotebook: (session: string) => call<void>("CloseNotebook", session),
    saveNotebook: (session: string, cells: CellData[]) => call<NotebookEntry>("SaveNotebook", session, cells),
    autosave: (session: string, cells: CellData[]) => call<void>("Autosave", session, cells),
    runCells: (session: string, req: RunRequest) => call<RunSummary>("RunCells", session, req),
    /** Cancels a run, by the id its cell events carry. */
    cancel: (runId: string) => call<void>("Cancel", runId),
    async window(session: string, req: WindowRequest): Promise<WindowResult> {
      const r = await call<{ offset: number; total: number; arrow: string }>("Window", session, req);
      return { offset: r.offset, total: r.total, table: tableFromIPC(base64ToBytes(r.arrow)) };
    },
    summarize: (session: string, ref: { schema?: string; table: string }, column: string) =>
      call<Summary>("Summarize", session, ref.schema ?? "", ref.table, column),
    completions: (session: string) => call<Completions>("Completions", session),
    exportResult: (session: string, req: ExportRequest) => call<{ path: string; rows: number }>("Export", session, req),
    lake: () => call<Dataset[]>("Lake"),
    previewLake: (session: string, name: string) => call<CellOutput>("PreviewLake", session, name),
    runs: (path: string) => call<RunRecord[]>("Runs", path),
    openRun: (id: string) => call<OpenedNotebook>("OpenRun", id),
    setRuntime: (session: string, rt: Runtime) => call<Runtime>("SetRuntime", session, rt),
    restartKernel: (session: string) => call<void>("RestartKernel", session),
    on<K extends keyof Events>(event: K, handler: (data: Events[K]) => void): () => void {
      return t.on(event, handler as (data: unknown) => void);
    },
  };
}

export type Api = ReturnType<typeof makeApi>;

export const api: Api = makeApi(typeof window !== "undefined" && window.go ? wailsTransport(window) : httpTransport());
