// The single module that talks to the backend. Components import from here
// and never touch window.go or fetch, so the same UI runs in the desktop
// window (Wails bindings and events) and in a browser (`smallfry serve`:
// HTTP calls and a WebSocket of events). The methods mirror Go's
// backend/workbench.Service one for one, checked against it by Methods.
import type { Table } from "apache-arrow";
import type {
  AirflowLogin,
  CellData,
  Events,
  ExportRequest,
  ImportRequest,
  ImportSource,
  Methods,
  PublishRequest,
  PublishState,
  RunRequest,
  Runtime,
  ClusterInfo,
  S3Lake,
  ScheduleRequest,
  WindowRequest,
  WindowResult,
} from "./wire.gen";

// The shapes of what travels are generated from the Go types (make
// wiretypes); components import them from here with the calls.
export type * from "./wire.gen";

/** Rows of a result, decoded from the Arrow IPC stream WindowResult carries. */
export interface WindowRows extends Omit<WindowResult, "arrow"> {
  table: Table;
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
  /** Opens a web page in the user's own browser (the sign-in page). */
  openExternal(url: string): void;
  /**
   * Files from the user's disk. The window knows their paths (its own file
   * dialog, and drops, which it takes over from the web view); a browser
   * sends their bytes to the server first.
   */
  files?: FileTransport;
  /**
   * Signs this browser out of the workbench server (browser mode only: the
   * window needs no sign-in). Its cookie stops working; the link `smallfry
   * serve` printed signs in again.
   */
  leave?(): Promise<void>;
}

/** How files from the user's disk reach the backend, by transport. */
export type FileTransport =
  | {
      kind: "paths";
      /** The system's file dialog; null when the user cancels. */
      choose(): Promise<ImportSource | null>;
      /** Calls back with each drop of files on the window, as paths. */
      onDrop(handler: (sources: ImportSource[]) => void): () => void;
    }
  | {
      kind: "upload";
      /** Sends a file the user picked or dropped; the answer names it for the calls. */
      upload(file: File): Promise<ImportSource>;
    };

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
    go?: { app: { Workbench: Record<string, WailsMethod>; Dialogs?: Record<string, WailsMethod> } };
    runtime?: {
      EventsOn(name: string, cb: (data: unknown) => void): () => void;
      BrowserOpenURL(url: string): void;
      OnFileDrop?(cb: (x: number, y: number, paths: string[]) => void, useDropTarget: boolean): void;
      OnFileDropOff?(): void;
    };
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
    openExternal(url) {
      w.runtime!.BrowserOpenURL(url);
    },
    files: {
      kind: "paths",
      async choose() {
        const fn = w.go!.app.Dialogs?.ChooseDataFile;
        if (!fn) throw new ApiError("internal", "the window has no file dialog");
        const path = (await fn()) as string;
        return path ? { path } : null;
      },
      onDrop(handler) {
        // One listener at a time: Wails keeps a single file-drop callback.
        w.runtime!.OnFileDrop?.((_x, _y, paths) => handler(paths.map((path) => ({ path }))), false);
        return () => w.runtime!.OnFileDropOff?.();
      },
    },
  };
}

/**
 * This tab's id, kept in sessionStorage so a reload is the same tab: the
 * server ends what a tab opened once it stops hearing from it.
 */
export function tabId(): string {
  const key = "smallfry-tab";
  let id = sessionStorage.getItem(key);
  if (!id) {
    id = crypto.randomUUID();
    sessionStorage.setItem(key, id);
  }
  return id;
}

/**
 * Tells the server, as often as it asks, that this tab is still open.
 * A closed tab stops, and after a grace period (`smallfry serve
 * --tab-grace`) its notebooks' sessions and kernels are ended.
 */
export function startHeartbeat(base = "", tab = tabId()): void {
  const beat = async () => {
    let every = 30_000;
    try {
      const res = await fetch(`${base}/api/heartbeat`, { method: "POST", headers: { "X-Smallfry-Tab": tab }, credentials: "same-origin" });
      if (res.ok) every = ((await res.json()) as { everyMs: number }).everyMs || every;
    } catch {
      every = 5_000; // the server is restarting or unreachable: try again soon
    }
    setTimeout(beat, every);
  };
  void beat();
}

/** The browser transport; the server's cookie (set from the ?token= link) authenticates. */
export function httpTransport(base = "", ws: typeof WebSocket = WebSocket, tab?: string): Transport {
  const handlers = new Map<string, Set<(data: unknown) => void>>();
  let socket: WebSocket | undefined;
  let beating = false; // the heartbeat starts with the first call
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
      if (tab && !beating) {
        beating = true;
        startHeartbeat(base, tab);
      }
      const res = await fetch(`${base}/api/call/${method}`, {
        method: "POST",
        headers: tab ? { "Content-Type": "application/json", "X-Smallfry-Tab": tab } : { "Content-Type": "application/json" },
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
    openExternal(url) {
      // A new tab of the browser the workbench runs in: the user's own.
      window.open(url, "_blank", "noopener,noreferrer");
    },
    async leave() {
      const res = await fetch(`${base}/api/signout`, { method: "POST", credentials: "same-origin" });
      if (!res.ok) throw toApiError((await res.text()) || `${res.status} ${res.statusText}`);
    },
    files: {
      kind: "upload",
      async upload(file) {
        const res = await fetch(`${base}/api/upload?name=${encodeURIComponent(file.name)}`, {
          method: "POST",
          headers: { "Content-Type": "application/octet-stream" },
          body: file,
          credentials: "same-origin",
        });
        const text = await res.text();
        if (!res.ok) throw toApiError(text || `${res.status} ${res.statusText}`);
        return JSON.parse(text) as ImportSource;
      },
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
  // Methods (generated from workbench.Service) checks each call's name,
  // arguments and result against Go.
  const call = async <M extends keyof Methods>(method: M, ...args: Methods[M]["args"]): Promise<Methods[M]["result"]> => {
    try {
      return (await t.call(method, args)) as Methods[M]["result"];
    } catch (e) {
      throw toApiError(e);
    }
  };
  return {
    info: () => call("Info"),
    listNotebooks: () => call("ListNotebooks"),
    createNotebook: (name: string) => call("CreateNotebook", name),
    renameNotebook: (from: string, to: string) => call("RenameNotebook", from, to),
    /** Copies a notebook's saved file to a new name (a folder may be given). */
    duplicateNotebook: (path: string, to: string) => call("DuplicateNotebook", path, to),
    /** Moves a notebook to the workspace's trash folder (.smallfry/trash). */
    deleteNotebook: (path: string) => call("DeleteNotebook", path),
    createFolder: (path: string) => call("CreateFolder", path),
    renameFolder: (from: string, to: string) => call("RenameFolder", from, to),
    deleteFolder: (path: string) => call("DeleteFolder", path),
    /** What DuckDB detects in a file to import: columns, types, first rows. */
    previewImport: (src: ImportSource) => call("PreviewImport", src),
    /** Commits an import as a lake table. */
    importData: (req: ImportRequest) => call("ImportData", req),
    /** How this transport takes files from the user's disk. */
    files: t.files,
    openNotebook: (path: string) => call("OpenNotebook", path),
    closeNotebook: (session: string) => call("CloseNotebook", session),
    saveNotebook: (session: string, cells: CellData[]) => call("SaveNotebook", session, cells),
    autosave: (session: string, cells: CellData[]) => call("Autosave", session, cells),
    /** Drops the unsaved edits (a recovered draft too); the cells as the file has them. */
    discardDraft: (session: string) => call("DiscardDraft", session),
    /** Clears cells' outputs, in the session and for the next time the notebook opens. */
    clearOutputs: (session: string, cells: string[]) => call("ClearOutputs", session, cells),
    runCells: (session: string, req: RunRequest) => call("RunCells", session, req),
    /** Cancels a run, by the id its cell events carry. */
    cancel: (runId: string) => call("Cancel", runId),
    async window(session: string, req: WindowRequest): Promise<WindowRows> {
      // Arrow's decoder loads with the first window, not with the first screen.
      const [r, { tableFromIPC }] = await Promise.all([call("Window", session, req), import("apache-arrow")]);
      return { offset: r.offset, total: r.total, table: tableFromIPC(base64ToBytes(r.arrow)) };
    },
    summarize: (session: string, ref: { schema?: string; table: string }, column: string) =>
      call("Summarize", session, ref.schema ?? "", ref.table, column),
    completions: (session: string) => call("Completions", session),
    exportResult: (session: string, req: ExportRequest) => call("Export", session, req),
    lake: () => call("Lake"),
    previewLake: (session: string, name: string) => call("PreviewLake", session, name),
    runs: (path: string) => call("Runs", path),
    openRun: (id: string) => call("OpenRun", id),
    setRuntime: (session: string, rt: Runtime) => call("SetRuntime", session, rt),
    /** The company's Spark clusters SQL cells may run on (Go's nil slice as []). */
    clusters: async (): Promise<ClusterInfo[]> => (await call("Clusters")) ?? [],
    /** The notebook's default engine for SQL cells: "" this laptop, else a cluster. */
    setEngine: (session: string, engine: string) => call("SetEngine", session, engine),
    /** What a local SQL cell would read of the S3 lake, before it runs (nothing is fetched). */
    estimate: (session: string, source: string) => call("Estimate", session, source),
    restartKernel: (session: string) => call("RestartKernel", session),
    /** The session's named results and, if its kernel is idle, Python's variables (starts no kernel). */
    variables: (session: string) => call("Variables", session),
    /** Makes the managed Python environment (progress as pythonSetup events); resolves with how it ended. */
    setupPython: () => call("SetupPython"),
    cancelPythonSetup: () => call("CancelPythonSetup"),
    account: () => call("Account"),
    /** Imports the company settings file an admin handed out (its text). */
    importSettings: (content: string) => call("ImportSettings", content),
    signIn: () => call("SignIn"),
    cancelSignIn: () => call("CancelSignIn"),
    signOut: () => call("SignOut"),
    /** Signs this browser out of the workbench server; undefined in the window. */
    leaveBrowser: t.leave
      ? async () => {
          try {
            await t.leave!();
          } catch (e) {
            throw toApiError(e);
          }
        }
      : undefined,
    /** The company's S3 lake, or null before settings are imported. */
    s3Lake: async () => (await call("S3Lake")) as S3Lake | null,
    // Publishing to the company's Airflow (backend/workbench/publish.go).
    /** Whether an Airflow is set up, and signed in to. */
    airflowAccount: () => call("AirflowAccount"),
    /** Checks the Airflow password with Airflow and keeps it in the OS keychain. */
    airflowSignIn: (login: AirflowLogin) => call("AirflowSignIn", login),
    /** A schedule in words and its next five run times, or why it is not one. */
    describeSchedule: (req: ScheduleRequest) => call("DescribeSchedule", req),
    /** The check run (seconds): a failing cell, or the changes and the token Publish takes. */
    checkPublish: (req: PublishRequest) => call("CheckPublish", req),
    publish: (req: PublishRequest) => call("Publish", req),
    publishState: (path: string) => call("PublishState", path),
    /** Every published notebook with its state in Airflow (Go's nil slice as []). */
    publishedNotebooks: async (): Promise<PublishState[]> => (await call("PublishedNotebooks")) ?? [],
    /** Starts a scheduled run now; the record is Airflow's view of it. */
    runNow: (path: string) => call("RunNow", path),
    setPublishedPaused: (path: string, paused: boolean) => call("SetPublishedPaused", path, paused),
    unpublish: (path: string) => call("Unpublish", path),
    /** The Airflow task log of a scheduled run, by Airflow's run id. */
    scheduledLog: (path: string, runId: string) => call("ScheduledLog", path, runId),
    /** Opens a page (the sign-in page) in the system browser. */
    openExternal: (url: string) => {
      // Only the identity provider's http(s) pages: never a file: or javascript: URL.
      if (!/^https?:\/\//i.test(url)) throw new ApiError("invalid", `not a web address: ${url}`);
      t.openExternal(url);
    },
    on<K extends keyof Events>(event: K, handler: (data: Events[K]) => void): () => void {
      return t.on(event, handler as (data: unknown) => void);
    },
  };
}

export type Api = ReturnType<typeof makeApi>;

export const api: Api = makeApi(typeof window !== "undefined" && window.go ? wailsTransport(window) : browserTransport());

function browserTransport(): Transport {
  return httpTransport("", WebSocket, tabId());
}
