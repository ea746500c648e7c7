import { describe, expect, it } from "vitest";
import type { CellData } from "../api";
import { cellType, commandKey, emptyDoc, reduce, type CellType, type Doc, type DocAction } from "./doc";

const cells: CellData[] = [
  { id: "a", kind: "markdown", source: "# Title" },
  { id: "b", kind: "sql", source: "SELECT 1", name: "one" },
  { id: "c", kind: "sql", source: "SELECT * FROM one" },
];

function doc(selected = "b"): Doc {
  return { ...reduce(emptyDoc(), { type: "load", cells }), selected };
}

const ids = (d: Doc) => d.cells.map((c) => c.id);

describe("reduce", () => {
  it("inserts above and below the selection and selects the new cell", () => {
    const above = reduce(doc(), { type: "insert", where: "above" });
    expect(ids(above).indexOf(above.selected!)).toBe(1);
    expect(above.cells).toHaveLength(4);
    const below = reduce(doc(), { type: "insert", where: "below", kind: "markdown" });
    expect(ids(below).indexOf(below.selected!)).toBe(2);
    expect(below.cells[2].kind).toBe("markdown");
  });
  it("deletes and selects the next cell, and undo brings it back", () => {
    const d = reduce(doc(), { type: "delete" });
    expect(ids(d)).toEqual(["a", "c"]);
    expect(d.selected).toBe("c");
    const u = reduce(d, { type: "undo" });
    expect(ids(u)).toEqual(["a", "b", "c"]);
    expect(u.cells[1]).toEqual(cells[1]);
  });
  it("duplicates without the parameters tag, keeping the others", () => {
    const params: CellData[] = [{ id: "p", kind: "python", source: "year = 1997", tags: ["parameters", "keep"] }, { id: "q", kind: "python", source: "x = 1", tags: ["parameters"] }];
    const loaded = reduce(emptyDoc(), { type: "load", cells: params });
    const d = reduce({ ...loaded, selected: "p" }, { type: "duplicate" });
    expect(d.cells[1].tags).toEqual(["keep"]);
    expect(d.cells[0].tags).toEqual(["parameters", "keep"]);
    const e = reduce({ ...loaded, selected: "q" }, { type: "duplicate" });
    expect(e.cells[2].tags).toBeUndefined();
  });
  it("takes the cells a save repaired without counting an edit", () => {
    const before = reduce(doc("c"), { type: "source", id: "c", source: "SELECT 2" });
    const repaired = before.cells.map((c) => (c.id === "c" ? { ...c, id: "c2" } : c));
    const d = reduce(before, { type: "saved", cells: repaired });
    expect(d.version).toBe(before.version);
    expect(ids(d)).toEqual(["a", "b", "c2"]);
    expect(d.selected).toBe("c2");
  });
  it("duplicates without the result name", () => {
    const d = reduce(doc(), { type: "duplicate" });
    expect(d.cells).toHaveLength(4);
    expect(d.cells[2].source).toBe("SELECT 1");
    expect(d.cells[2].name).toBeUndefined();
    expect(d.cells[2].id).not.toBe("b");
  });
  it("moves within bounds only", () => {
    expect(ids(reduce(doc(), { type: "move", by: -1 }))).toEqual(["b", "a", "c"]);
    expect(ids(reduce(doc("a"), { type: "move", by: -1 }))).toEqual(["a", "b", "c"]);
    expect(ids(reduce(doc("c"), { type: "move", by: 1 }))).toEqual(["a", "b", "c"]);
  });
  it("changing a cell to markdown drops its result name", () => {
    const d = reduce(doc(), { type: "kind", kind: "markdown" });
    expect(d.cells[1]).toEqual({ id: "b", kind: "markdown", source: "SELECT 1", name: undefined });
  });
  describe("the cell type menu", () => {
    const withParams: CellData[] = [...cells, { id: "p", kind: "python", source: "year = 1997", tags: ["parameters", "keep"] }];
    const typed = (id: string, to: CellType, from = withParams) => reduce({ ...reduce(emptyDoc(), { type: "load", cells: from }), selected: id }, { type: "cell-type", to });
    const cases: { name: string; id: string; to: CellType; want: CellData }[] = [
      { name: "SQL to Python drops the result name", id: "b", to: "python", want: { id: "b", kind: "python", source: "SELECT 1" } },
      { name: "SQL to markdown", id: "b", to: "markdown", want: { id: "b", kind: "markdown", source: "SELECT 1" } },
      { name: "markdown to SQL", id: "a", to: "sql", want: { id: "a", kind: "sql", source: "# Title" } },
      { name: "to parameters: a Python cell tagged parameters", id: "c", to: "parameters", want: { id: "c", kind: "python", source: "SELECT * FROM one", tags: ["parameters"] } },
      { name: "parameters to SQL drops only that tag", id: "p", to: "sql", want: { id: "p", kind: "sql", source: "year = 1997", tags: ["keep"] } },
      { name: "parameters to Python", id: "p", to: "python", want: { id: "p", kind: "python", source: "year = 1997", tags: ["keep"] } },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const d = typed(c.id, c.to);
        expect(d.cells.find((x) => x.id === c.id)).toEqual(c.want);
        expect(d.undo).toHaveLength(1); // undoable with Z
      });
    }
    it("a new parameters cell takes the tag from the old one: papermill reads one", () => {
      const d = typed("c", "parameters");
      expect(d.cells.filter((x) => cellType(x) === "parameters").map((x) => x.id)).toEqual(["c"]);
      expect(d.cells.find((x) => x.id === "p")).toEqual({ id: "p", kind: "python", source: "year = 1997", tags: ["keep"] });
    });
    it("the same type changes nothing", () => {
      const d = reduce(emptyDoc(), { type: "load", cells: withParams });
      expect(reduce({ ...d, selected: "p" }, { type: "cell-type", to: "parameters" })).toEqual({ ...d, selected: "p" });
    });
    it("SQL to Python drops a chart, which draws a SQL result", () => {
      const d = typed("b", "python", [{ id: "b", kind: "sql", source: "SELECT 1", name: "one", chart: { mark: "bar" } }]);
      expect(d.cells[0]).toEqual({ id: "b", kind: "python", source: "SELECT 1" });
    });
  });
  it("text edits bump the version but are not on the cell undo stack", () => {
    const d = reduce(doc(), { type: "source", id: "c", source: "SELECT 2" });
    expect(d.version).toBe(1);
    expect(d.undo).toHaveLength(0);
    expect(reduce(d, { type: "source", id: "c", source: "SELECT 2" }).cells[2]).toBe(d.cells[2]); // same text: the cell is untouched
  });
  it("unknown ids change nothing", () => {
    const d = doc();
    const actions: DocAction[] = [{ type: "delete", id: "zz" }, { type: "move", id: "zz", by: 1 }, { type: "source", id: "zz", source: "x" }];
    for (const a of actions) expect(reduce(d, a)).toBe(d);
  });
  it("moving the selection stops at the ends", () => {
    expect(reduce(doc("a"), { type: "move-selection", by: -1 }).selected).toBe("a");
    expect(reduce(doc("c"), { type: "move-selection", by: 1 }).selected).toBe("c");
  });
});

describe("commandKey", () => {
  const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }> = {}) => ({
    key: k,
    ctrlKey: false,
    metaKey: false,
    shiftKey: false,
    altKey: false,
    ...mods,
  });
  const cases: [string, ReturnType<typeof key>, string | undefined, unknown][] = [
    ["A inserts above", key("a"), undefined, { type: "insert", where: "above" }],
    ["B inserts below", key("b"), undefined, { type: "insert", where: "below" }],
    ["first D waits", key("d"), undefined, "wait-d"],
    ["DD deletes", key("d"), "d", { type: "delete" }],
    ["M makes markdown", key("m"), undefined, { type: "cell-type", to: "markdown" }],
    ["Y makes Python, as Jupyter's code", key("y"), undefined, { type: "cell-type", to: "python" }],
    ["S makes SQL", key("s"), undefined, { type: "cell-type", to: "sql" }],
    ["P makes the parameters cell", key("p"), undefined, { type: "cell-type", to: "parameters" }],
    ["R makes raw", key("r"), undefined, { type: "cell-type", to: "raw" }],
    ["O collapses or shows the output", key("o"), undefined, "toggle-output"],
    ["Ctrl+S is not S", key("s", { ctrlKey: true }), undefined, undefined],
    ["Z undoes", key("z"), undefined, { type: "undo" }],
    ["Enter edits", key("Enter"), undefined, "edit"],
    ["Shift+Enter runs and advances", key("Enter", { shiftKey: true }), undefined, "run-advance"],
    ["Ctrl+Enter runs", key("Enter", { ctrlKey: true }), undefined, "run-stay"],
    ["Cmd+Enter runs", key("Enter", { metaKey: true }), undefined, "run-stay"],
    ["Ctrl+A is left alone", key("a", { ctrlKey: true }), undefined, undefined],
    ["other keys are left alone", key("q"), undefined, undefined],
  ];
  for (const [name, e, last, want] of cases) {
    it(name, () => expect(commandKey(e, last)).toEqual(want));
  }
});
