import { afterEach, describe, expect, it, vi } from "vitest";
import type { ExportRequest, ResultRef } from "../api";

const exportResult = vi.fn<(session: string, req: ExportRequest) => Promise<{ path: string; rows: number }>>();
vi.mock("../api", () => ({ api: { exportResult: (s: string, r: ExportRequest) => exportResult(s, r) } }));

const { GridToolbar } = await import("./GridToolbar");
const { previewText } = await import("./plain");
const { byTestId, change, click, mount, until } = await import("./testing");
const { act } = await import("react");

const result: ResultRef = { schema: "_smallfry", table: "result_3", columns: [{ name: "units", type: "BIGINT" }], rows: 10_000_000 };

describe("GridToolbar", () => {
  let m: Awaited<ReturnType<typeof mount>> | undefined;
  afterEach(() => {
    m?.unmount();
    exportResult.mockReset();
  });

  const render = (props: Partial<Parameters<typeof GridToolbar>[0]> = {}) =>
    mount(<GridToolbar session="s1" result={result} total={1234567} filtered={false} filters={[]} onGoTo={() => {}} {...props} />);

  it("counts rows with thousands separators", async () => {
    m = await render({ total: 1 });
    expect(byTestId(m.el, "row-count").textContent).toBe("1 row");
    await m.rerender(<GridToolbar session="s1" result={result} total={103093} filtered filters={[]} onGoTo={() => {}} />);
    expect(byTestId(m.el, "row-count").textContent).toBe("103,093 rows");
    expect(m.el.textContent).toContain("filtered from 10,000,000");
  });

  it("exports the rows as sorted and filtered, and says where", async () => {
    exportResult.mockResolvedValue({ path: "/ws/exports/result-20260101-120000.csv", rows: 1234 });
    const filters = [{ column: "units", op: ">" as const, value: 5 }];
    m = await render({ sort: { column: "units", desc: true }, filters, filtered: true });
    await click(byTestId(m.el, "export-csv"));
    await until(() => expect(byTestId(m!.el, "export-status").textContent).toBe("Exported 1,234 rows to /ws/exports/result-20260101-120000.csv"));
    expect(exportResult).toHaveBeenCalledWith("s1", { schema: "_smallfry", table: "result_3", format: "csv", sort: [{ column: "units", desc: true }], filters });
  });

  it("reports a failed export", async () => {
    exportResult.mockRejectedValue(new Error("disk full"));
    const onError = vi.fn();
    m = await render({ onError });
    await click(byTestId(m.el, "export-parquet"));
    await until(() => expect(byTestId(m!.el, "export-status").textContent).toBe("Export failed: disk full"));
    expect(exportResult.mock.calls[0][1]).toMatchObject({ format: "parquet", sort: undefined, filters: undefined });
    expect(onError).toHaveBeenCalledWith("Export failed: disk full");
  });

  it.each([
    ["900000", 899_999],
    ["900,000", 899_999],
    ["1", 0],
    ["0", 0],
    ["99999999", 1_234_566],
  ])("go to row %s scrolls to index %i", async (typed, want) => {
    const onGoTo = vi.fn();
    m = await render({ onGoTo });
    const input = byTestId(m.el, "goto-row") as HTMLInputElement;
    await change(input, typed);
    await act(async () => input.form!.requestSubmit());
    expect(onGoTo).toHaveBeenCalledWith(want);
  });

  it("shows the chart toggle only when the caller handles it", async () => {
    m = await render();
    expect(m.el.querySelector('[data-testid="chart-toggle"]')).toBeNull();
    m.unmount();
    const onChart = vi.fn();
    m = await render({ onChart, chartOpen: true });
    expect(byTestId(m.el, "chart-toggle").getAttribute("aria-pressed")).toBe("true");
    await click(byTestId(m.el, "chart-toggle"));
    expect(onChart).toHaveBeenCalledOnce();
  });
});

describe("previewText", () => {
  it.each([
    ["text", "text"],
    [12.5, "12.5"],
    [true, "true"],
    [{ a: 1, b: [1, 2] }, '{"a":1,"b":[1,2]}'],
  ])("%j shows %s", (v, want) => {
    expect(previewText(v)).toBe(want);
  });
});
