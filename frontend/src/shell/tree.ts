// The notebook tree of the sidebar, from Info's flat lists.
import type { NotebookEntry } from "../api";

export interface FolderNode {
  name: string;
  path: string; // "" for notebooks/ itself
  folders: FolderNode[];
  notebooks: NotebookEntry[];
}

/** Folders first, then notebooks, each sorted by name (case-insensitive). */
export function buildTree(notebooks: NotebookEntry[], folders: string[]): FolderNode {
  const root: FolderNode = { name: "", path: "", folders: [], notebooks: [] };
  const byPath = new Map<string, FolderNode>([["", root]]);
  const folder = (path: string): FolderNode => {
    const known = byPath.get(path);
    if (known) return known;
    const cut = path.lastIndexOf("/");
    const parent = folder(cut < 0 ? "" : path.slice(0, cut));
    const node: FolderNode = { name: path.slice(cut + 1), path, folders: [], notebooks: [] };
    parent.folders.push(node);
    byPath.set(path, node);
    return node;
  };
  for (const f of folders) folder(f);
  for (const n of notebooks) {
    const cut = n.path.lastIndexOf("/");
    folder(cut < 0 ? "" : n.path.slice(0, cut)).notebooks.push(n);
  }
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name, undefined, { sensitivity: "base" });
  const sort = (n: FolderNode) => {
    n.folders.sort(byName);
    n.notebooks.sort(byName);
    n.folders.forEach(sort);
  };
  sort(root);
  return root;
}
