import { describe, expect, it } from "vitest";
import type { CellData, CellOutput } from "../api";
import { estimateHeight, firstScreenCells } from "./firstscreen";

const sql = (id: string, lines = 2): CellData => ({ id, kind: "sql", source: Array.from({ length: lines }, (_, i) => `SELECT ${i}`).join("\n") });
const md = (id: string, source: string): CellData => ({ id, kind: "markdown", source });
const preview: CellOutput = { preview: { columns: [], rows: [], total: 0 } } as unknown as CellOutput;

describe("the first screen's cells", () => {
  it("are the leading cells that fill the window, and one more", () => {
    const cells = [md("intro", "# Welcome\n\ntext"), sql("a"), sql("b"), sql("c"), sql("d"), sql("e")];
    const outputs = { a: preview, b: preview, c: preview };
    // intro ~152, a ~508: past 600 with a, so intro, a and one more.
    expect(firstScreenCells(cells, outputs, 600)).toBe(3);
    expect(firstScreenCells(cells, outputs, 700)).toBe(4);
    expect(firstScreenCells(cells, outputs, 100)).toBe(2); // the first alone overflows: it and the next
  });

  it("are all of them when the notebook is short, or the count reaches the end", () => {
    expect(firstScreenCells([sql("a"), sql("b")], undefined, 800)).toBe(Infinity);
    expect(firstScreenCells([], undefined, 800)).toBe(Infinity);
    expect(firstScreenCells([sql("a", 40), sql("b")], undefined, 800)).toBe(Infinity); // a fills it; b is the one more
  });

  it("count an output, a chart and headings as taller than code", () => {
    expect(estimateHeight(sql("a"), preview)).toBeGreaterThan(estimateHeight(sql("a"), { text: "x" } as unknown as CellOutput));
    expect(estimateHeight(sql("a"), { text: "x" } as unknown as CellOutput)).toBeGreaterThan(estimateHeight(sql("a")));
    expect(estimateHeight(md("m", "# A\n## B"))).toBeGreaterThan(estimateHeight(md("m", "A\nB")));
  });
});
