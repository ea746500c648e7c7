// @vitest-environment node
import { describe, expect, it } from "vitest";
import { planJump, REMAP_PX, type ScrollState } from "./jump";

// Chrome caps scrollHeight near 33,554,400 px: a 10-million-row grid at
// 34 px a row (340,000,036 px) is about 10 grid pixels per scroll pixel.
const capped: ScrollState = { rows: 10_000_000, rowHeight: 34, headerHeight: 36, clientHeight: 400, scrollHeight: 33_554_400, scrollTop: 0, firstRow: 0 };
const ratio = (capped.headerHeight + capped.rows * capped.rowHeight - capped.clientHeight) / (capped.scrollHeight - capped.clientHeight);
// What Glide shows after a far move to scroll position top: that fraction of the grid.
const rowAt = (top: number) => Math.floor((top * ratio) / capped.rowHeight);

describe("planJump", () => {
  it("leaves grids the browser does not cap to Glide", () => {
    expect(planJump(900, { ...capped, rows: 1000, scrollHeight: 1000 * 34 + 36 })).toEqual({ kind: "glide" });
  });

  it("leaves short moves to Glide, which moves pixel for pixel below 2,000 px", () => {
    expect(planJump(40, capped)).toEqual({ kind: "glide" });
  });

  it.each([899_999, 5_000_000, 9_999_900, 123_457])("lands on row %i with one far move", (row) => {
    const plan = planJump(row, capped);
    expect(plan.kind).toBe("set");
    if (plan.kind !== "set") return;
    expect(Math.abs(plan.top - capped.scrollTop)).toBeGreaterThan(REMAP_PX);
    expect(rowAt(plan.top)).toBe(row);
  });

  it("goes via the far end when the target is too near in scroll pixels to be mapped", () => {
    const at = planJump(900_000, capped);
    const here = { ...capped, scrollTop: at.kind === "set" ? at.top : NaN, firstRow: 900_000 };
    const plan = planJump(900_500, here); // 17,000 grid pixels, 1,700 scroll pixels away
    expect(plan.kind).toBe("via");
    if (plan.kind !== "via") return;
    expect(plan.first).toBe(here.scrollHeight - here.clientHeight);
    expect(Math.abs(plan.top - plan.first)).toBeGreaterThan(REMAP_PX);
    expect(rowAt(plan.top)).toBe(900_500);
  });

  it("reaches the very top, and the end, where the last rows fill the view", () => {
    expect(planJump(0, { ...capped, scrollTop: 1_000_000, firstRow: 3_000_000 })).toEqual({ kind: "set", top: 0 });
    const last = planJump(9_999_999, capped);
    expect(last).toEqual({ kind: "set", top: capped.scrollHeight - capped.clientHeight });
    expect(last.kind === "set" && rowAt(last.top)).toBe(9_999_989); // 400 px of view, 34 px a row, below the header
  });
});
