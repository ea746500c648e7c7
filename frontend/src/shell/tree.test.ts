import { describe, expect, it } from "vitest";
import type { NotebookEntry } from "../api";
import { buildTree, type FolderNode } from "./tree";

const nb = (path: string): NotebookEntry => ({ path, name: path.replace(/^.*\//, "").replace(/\.ipynb$/, ""), modified: "", bytes: 0 });
const shape = (n: FolderNode): unknown => ({ [n.path || "/"]: [...n.folders.map(shape), ...n.notebooks.map((x) => x.path)] });

describe("buildTree", () => {
  it("nests notebooks in their folders, folders first, empty folders kept", () => {
    const t = buildTree([nb("b.ipynb"), nb("sales/q2.ipynb"), nb("A.ipynb"), nb("sales/2026/jan.ipynb"), nb("sales/q1.ipynb")], ["empty", "sales", "sales/2026"]);
    expect(shape(t)).toEqual({
      "/": [{ empty: [] }, { sales: [{ "sales/2026": ["sales/2026/jan.ipynb"] }, "sales/q1.ipynb", "sales/q2.ipynb"] }, "A.ipynb", "b.ipynb"],
    });
  });
  it("makes the folders a notebook's path names even when Info lists none", () => {
    const t = buildTree([nb("x/y/z.ipynb")], []);
    expect(shape(t)).toEqual({ "/": [{ x: [{ "x/y": ["x/y/z.ipynb"] }] }] });
  });
});
