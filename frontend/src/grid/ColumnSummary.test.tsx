import { afterEach, describe, expect, it, vi } from "vitest";
import type { Summary } from "../api";

const summarize = vi.fn<(session: string, ref: { schema?: string; table: string }, column: string) => Promise<Summary>>();
vi.mock("../api", () => ({ api: { summarize: (...a: Parameters<typeof summarize>) => summarize(...a) } }));

const { boundText, ColumnSummary } = await import("./ColumnSummary");
const { byTestId, mount, until } = await import("./testing");

describe("ColumnSummary", () => {
  let m: Awaited<ReturnType<typeof mount>> | undefined;
  afterEach(() => {
    m?.unmount();
    summarize.mockReset();
  });

  it("draws a histogram of a numeric column", async () => {
    summarize.mockResolvedValue({
      column: "units",
      type: "BIGINT",
      rows: 1000,
      nulls: 10,
      distinct: 97,
      min: "0",
      max: "96",
      bins: [
        { upper: "48.0", count: 600 },
        { upper: "96.0", count: 390 },
      ],
    });
    m = await mount(<ColumnSummary session="s1" result={{ schema: "_x", table: "big" }} column="units" />);
    const panel = await until(() => {
      const p = byTestId(m!.el, "column-summary");
      if (!p.querySelector("rect")) throw new Error("not drawn yet");
      return p;
    });
    expect(summarize).toHaveBeenCalledWith("s1", { schema: "_x", table: "big" }, "units");
    const stat = (k: string) => panel.querySelector(`[data-stat="${k}"]`)!.textContent;
    expect([stat("rows"), stat("nulls"), stat("distinct"), stat("min"), stat("max")]).toEqual(["1,000", "10 (1.0%)", "≈97", "0", "96"]);
    const rects = [...panel.querySelectorAll("rect")];
    expect(rects.map((r) => r.getAttribute("data-count"))).toEqual(["600", "390"]);
    expect(Number(rects[0].getAttribute("height"))).toBeGreaterThan(Number(rects[1].getAttribute("height")));
  });

  it("lists the top values of a text column, NULL included", async () => {
    summarize.mockResolvedValue({
      column: "name",
      type: "VARCHAR",
      rows: 5,
      nulls: 2,
      distinct: 2,
      top: [
        { value: null, count: 2 },
        { value: "a", count: 2 },
        { value: "b", count: 1 },
      ],
    });
    m = await mount(<ColumnSummary session="s1" result={{ table: "t" }} column="name" />);
    const items = await until(() => {
      const li = [...byTestId(m!.el, "column-summary").querySelectorAll("li")];
      if (li.length === 0) throw new Error("not drawn yet");
      return li;
    });
    expect(items.map((li) => li.textContent)).toEqual(["NULL2", "a2", "b1"]);
    expect(items[0].querySelector(".sf-null")).not.toBeNull();
  });

  it("shows the backend's error", async () => {
    summarize.mockRejectedValue(new Error('summarize t: no column "x"'));
    const onError = vi.fn();
    m = await mount(<ColumnSummary session="s1" result={{ table: "t" }} column="x" onError={onError} />);
    await until(() => expect(byTestId(m!.el, "column-summary").textContent).toContain('no column "x"'));
    expect(onError).toHaveBeenCalledWith('summarize t: no column "x"');
  });
});

describe("boundText", () => {
  it.each([
    ["999999.9999999999", "1000000"],
    ["0.1", "0.1"],
    ["12345678", "12345678"],
    ["2024-01-01 00:00:00", "2024-01-01 00:00:00"],
    [undefined, ""],
  ])("%s shows %s", (s, want) => {
    expect(boundText(s)).toBe(want);
  });
});
