// Which notebook the app opens at start, chosen before the workspace's list
// (Info) has arrived, so that the notebook opens while the list loads: the
// one named in the address (#nb=path), else the one open when the app last
// closed on this workspace, else the tour. Info then confirms the guess, or
// names a better one when the guess was for another workspace or is gone.
import type { Info, OpenedNotebook } from "../api";

const key = "smallfry.lastNotebook";
export const TOUR = "tour.ipynb";

interface Remembered {
  /** The workspace the app last showed. */
  workspace: string;
  /** Per workspace folder, the notebook last open there. */
  open: Record<string, string>;
}

function read(store: Pick<Storage, "getItem">): Remembered {
  try {
    const v = JSON.parse(store.getItem(key) ?? "null") as Partial<Remembered> | null;
    if (v && typeof v.workspace === "string" && v.open && typeof v.open === "object") return { workspace: v.workspace, open: v.open };
  } catch {
    // A value another version wrote, or junk: start over.
  }
  return { workspace: "", open: {} };
}

/** The notebook opened at start, before Info. */
export interface FirstGuess {
  path: string;
  /** Named in the address: kept even if missing (its error is shown). */
  fromAddress: boolean;
}

/** The guess at start: the address's notebook, else the last workspace's last notebook, else the tour. */
export function firstGuess(hash: string, store: Pick<Storage, "getItem">): FirstGuess {
  const fromHash = new URLSearchParams(hash.replace(/^#/, "")).get("nb");
  if (fromHash) return { path: fromHash, fromAddress: true };
  const r = read(store);
  return { path: r.open[r.workspace] || TOUR, fromAddress: false };
}

/**
 * What to open once Info has come, when the guess was not from the address:
 * what the start would have chosen knowing the workspace (its remembered
 * notebook, the tour, the first notebook, if it has them), or undefined when
 * that is the guess. "" when the workspace has no notebook.
 */
export function confirmGuess(guess: string, info: Info, store: Pick<Storage, "getItem">): string | undefined {
  const has = (p: string | undefined): p is string => !!p && info.notebooks.some((n) => n.path === p);
  const want = [read(store).open[info.workspaceDir], TOUR, info.notebooks[0]?.path].find(has) ?? "";
  return want === guess ? undefined : want;
}

/** Remembers the notebook open in a workspace, for the next start. */
export function remember(workspace: string, path: string, store: Pick<Storage, "getItem" | "setItem">) {
  const r = read(store);
  r.workspace = workspace;
  r.open[workspace] = path;
  try {
    store.setItem(key, JSON.stringify(r));
  } catch {
    // Storage full or refused: the next start opens the tour.
  }
}

/** Whether an opened notebook shows a live result (a resumed session's), whose grid's code the first screen then needs. */
export function showsGrid(nb: Pick<OpenedNotebook, "outputs">): boolean {
  return Object.values(nb.outputs ?? {}).some((o) => o.result);
}
