// Draws real Vega-Lite charts in jsdom (SVG renderer: jsdom has no canvas)
// over rows from a mocked api.window.
import { tableFromArrays } from "apache-arrow";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ResultRef, WindowRequest } from "../api";

// jsdom has no 2D context; without one Vega estimates text widths, which is all these tests need.
HTMLCanvasElement.prototype.getContext = (() => null) as never;

const windowCall = vi.fn<(session: string, req: WindowRequest) => Promise<unknown>>();
vi.mock("../api", () => ({ api: { window: (s: string, r: WindowRequest) => windowCall(s, r) } }));

const { ChartView, CHART_ROW_CAP } = await import("./ChartView");
const { ChartEditor } = await import("./ChartEditor");
const { buildSpec } = await import("./spec");
const { byTestId, change, click, mount, until } = await import("../grid/testing");

const result: ResultRef = {
  table: "sales",
  columns: [
    { name: "region", type: "VARCHAR" },
    { name: "units", type: "BIGINT" },
    { name: "price", type: "DOUBLE" },
  ],
  rows: 4,
};
const rows = () =>
  tableFromArrays({
    region: ["north", "south", "north", "east"],
    units: BigInt64Array.from([1n, 2n, 3n, 4n]),
    price: Float64Array.from([1.5, 2.5, 3.5, 4.5]),
  });

const rendered = (el: HTMLElement) =>
  until(() => {
    const chart = byTestId(el, "chart");
    if (chart.getAttribute("data-rendered") !== "true") throw new Error(`not rendered: ${chart.textContent}`);
    return chart;
  });

describe("ChartView", () => {
  let m: Awaited<ReturnType<typeof mount>> | undefined;
  afterEach(() => {
    m?.unmount();
    windowCall.mockReset();
  });

  it("draws the named result's rows, read through api.window", async () => {
    windowCall.mockResolvedValue({ offset: 0, total: 4, table: rows() });
    const spec = buildSpec({ mark: "bar", x: "region", y: "units", aggregate: "sum" }, result);
    m = await mount(<ChartView session="s1" result={result} spec={spec} renderer="svg" />);
    const chart = await rendered(m.el);
    expect(windowCall).toHaveBeenCalledWith("s1", { schema: undefined, table: "sales", offset: 0, limit: CHART_ROW_CAP });
    // One bar per region, sums of units: north 1+3, south 2, east 4.
    const bars = [...chart.querySelectorAll("path[aria-roledescription='bar']")];
    expect(bars).toHaveLength(3);
    const labels = bars.map((b) => b.getAttribute("aria-label"));
    expect(labels).toEqual(expect.arrayContaining([expect.stringMatching(/region: north; Sum of units: 4/)]));
    expect(chart.querySelector('[data-testid="chart-capped"]')).toBeNull();
    expect(spec).not.toHaveProperty("datasets"); // the stored spec is not changed
  });

  it("says when the chart shows only the first rows", async () => {
    windowCall.mockResolvedValue({ offset: 0, total: 4, table: rows() });
    const big = { ...result, rows: 10_000_000 };
    m = await mount(<ChartView session="s1" result={big} spec={buildSpec({ mark: "point", x: "price", y: "units" }, big)} renderer="svg" />);
    await rendered(m.el);
    expect(byTestId(m.el, "chart-capped").textContent).toBe("Chart of the first 50,000 rows of 10,000,000.");
  });

  it("explains a spec whose column the result lost, without drawing", async () => {
    windowCall.mockResolvedValue({ offset: 0, total: 4, table: rows() });
    const spec = buildSpec({ mark: "bar", x: "store", y: "units", aggregate: "sum" }, result);
    m = await mount(<ChartView session="s1" result={result} spec={spec} renderer="svg" />);
    await until(() => expect(byTestId(m!.el, "chart").textContent).toContain('The chart uses column "store", which this result does not have'));
    expect(byTestId(m.el, "chart").getAttribute("data-rendered")).toBeNull();
  });

  it("reports rows that cannot be read", async () => {
    windowCall.mockRejectedValue(new Error("session closed"));
    const onError = vi.fn();
    m = await mount(<ChartView session="s1" result={result} spec={buildSpec({ mark: "bar", x: "region", aggregate: "count" }, result)} onError={onError} renderer="svg" />);
    await until(() => expect(onError).toHaveBeenCalledWith("Could not read the rows to chart: session closed"));
  });

  it("refuses specs that would read a URL", async () => {
    windowCall.mockResolvedValue({ offset: 0, total: 4, table: rows() });
    const spec = { layer: [{ mark: "point", data: { url: "https://example.com/data.json" }, encoding: { x: { field: "a", type: "quantitative" } } }] };
    m = await mount(<ChartView session="s1" result={result} spec={spec} renderer="svg" />);
    await until(() => expect(byTestId(m!.el, "chart").textContent).toContain("This chart reads data from a URL"));
    expect(byTestId(m.el, "chart").getAttribute("data-rendered")).toBeNull();
  });
});

describe("ChartEditor", () => {
  let m: Awaited<ReturnType<typeof mount>> | undefined;
  afterEach(() => {
    m?.unmount();
    windowCall.mockReset();
  });

  it("starts from a default, previews each choice and saves a spec over the named result", async () => {
    windowCall.mockResolvedValue({ offset: 0, total: 4, table: rows() });
    const onSave = vi.fn();
    m = await mount(<ChartEditor session="s1" result={result} onSave={onSave} onRemove={() => {}} renderer="svg" />);
    expect((byTestId(m.el, "chart-mark") as HTMLSelectElement).value).toBe("bar");
    expect((byTestId(m.el, "chart-x") as HTMLSelectElement).value).toBe("region");
    expect((byTestId(m.el, "chart-y") as HTMLSelectElement).value).toBe("units");
    await rendered(m.el);

    await change(byTestId(m.el, "chart-mark") as HTMLSelectElement, "point");
    await change(byTestId(m.el, "chart-x") as HTMLSelectElement, "price");
    await change(byTestId(m.el, "chart-aggregate") as HTMLSelectElement, "none");
    await change(byTestId(m.el, "chart-color") as HTMLSelectElement, "region");
    const chart = await rendered(m.el);
    expect(chart.querySelectorAll("path[aria-roledescription='point']")).toHaveLength(4);

    await click(byTestId(m.el, "chart-save"));
    expect(onSave).toHaveBeenCalledWith(buildSpec({ mark: "point", x: "price", y: "units", color: "region", aggregate: "none" }, result));
    expect(onSave.mock.calls[0][0].data).toEqual({ name: "sales" });
    expect(windowCall).toHaveBeenCalledTimes(1); // new choices redraw the same rows
  });

  it("reopens a stored spec and blocks saving what cannot be drawn", async () => {
    windowCall.mockResolvedValue({ offset: 0, total: 4, table: rows() });
    const stored = buildSpec({ mark: "histogram", x: "price" }, result);
    const onRemove = vi.fn();
    m = await mount(<ChartEditor session="s1" result={result} spec={stored} onSave={() => {}} onRemove={onRemove} renderer="svg" />);
    expect((byTestId(m.el, "chart-mark") as HTMLSelectElement).value).toBe("histogram");
    expect((byTestId(m.el, "chart-x") as HTMLSelectElement).value).toBe("price");
    expect((byTestId(m.el, "chart-y") as HTMLSelectElement).disabled).toBe(true);
    await change(byTestId(m.el, "chart-x") as HTMLSelectElement, "region");
    expect(byTestId(m.el, "chart-problem").textContent).toBe('A histogram needs a numeric x column; "region" is VARCHAR.');
    expect((byTestId(m.el, "chart-save") as HTMLButtonElement).disabled).toBe(true);
    await click(byTestId(m.el, "chart-remove"));
    expect(onRemove).toHaveBeenCalledOnce();
  });
});
