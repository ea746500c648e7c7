// A notebook's session can end under the editor: the browser server ends
// what a tab opened once the tab is silent past --tab-grace (the laptop
// slept). The editor's cells are still there (and in the autosave draft),
// so a call that finds the session gone reopens the notebook and is made
// once more, instead of leaving the user with "no open notebook".
import { createContext, useContext } from "react";
import { ApiError } from "../api";

/** The notice shown after a transparent reopen. */
export const reopenedNotice = "The session had ended; reopened.";

/** Whether a call failed because its session is no more (backend/workbench lookup and duck). */
export function isSessionGone(e: unknown): boolean {
  return e instanceof ApiError && e.code === "not_found" && /^(no open notebook with session|the notebook was closed)/.test(e.message);
}

/**
 * Makes session calls that survive the session's end: call runs with the
 * current session; when it finds the session gone, reopen gives a new one
 * (concurrent calls share one reopen) and call runs once more with it.
 */
export function sessionCaller(current: () => string, reopen: () => Promise<string>): SessionCall {
  let reopening: Promise<string> | undefined;
  return async function withSession<T>(call: (session: string) => Promise<T>): Promise<T> {
    const session = current();
    try {
      return await call(session);
    } catch (e) {
      if (!session || !isSessionGone(e)) throw e;
    }
    // Another call may have reopened it meanwhile.
    let fresh = current();
    if (fresh === session) {
      reopening ??= reopen().finally(() => (reopening = undefined));
      fresh = await reopening;
    }
    return call(fresh);
  };
}

/** Makes a call with the notebook's session, reopening it once if it is gone (sessionCaller). */
export type SessionCall = <T>(call: (session: string) => Promise<T>) => Promise<T>;

/** Calls with no notebook's session behind them: a gone session stays an error. */
export const plainCall: SessionCall = (call) => call("");

/**
 * The open notebook's SessionCall, for what the user does inside it
 * (restart the kernel, pick a runtime or engine): NotebookView provides it.
 */
export const SessionCallContext = createContext<SessionCall>(plainCall);

export const useSessionCall = () => useContext(SessionCallContext);
