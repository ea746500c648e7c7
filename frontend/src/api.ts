// The single module that talks to the backend: components import from here and
// never touch window.go, so `smallfry serve` can add an HTTP transport later.

export interface Info {
  version: string;
  workspaceDir: string;
  notebooks: string[];
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

/** What the UI needs from the backend, whatever the transport. */
export interface Backend {
  info(): Promise<Info>;
}

// The bindings Wails injects into the window (Go package app, struct Workbench).
interface WailsBindings {
  app: { Workbench: { Info(): Promise<Info> } };
}
declare global {
  interface Window {
    go?: WailsBindings;
  }
}

// Wails rejects with the {code, message} from app's ErrorFormatter, or with a
// plain Error (e.g. a timeout) that never reached Go.
function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (typeof e === "object" && e !== null && "code" in e && "message" in e) {
    return new ApiError(String(e.code), String(e.message));
  }
  return new ApiError("internal", e instanceof Error ? e.message : String(e));
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toApiError(e);
  }
}

function wailsBackend(go: WailsBindings): Backend {
  return {
    info: () => call(() => go.app.Workbench.Info()),
  };
}

function connect(): Backend {
  if (window.go) return wailsBackend(window.go);
  // No HTTP transport yet: fail every call clearly instead of at import time.
  const missing = () => Promise.reject(new ApiError("internal", "no backend: open Smallfry from the desktop app"));
  return { info: missing };
}

export const api: Backend = connect();
