import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, ApiError, type Dataset } from "../api";
import { LakePanel } from "./LakePanel";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const sales: Dataset = {
  name: "fact_sales",
  kind: "table",
  path: "lake/fact_sales",
  format: "parquet",
  files: 3,
  bytes: 31_200_000,
  rows: 1_200_000,
  columns: [
    { name: "sale_id", type: "BIGINT" },
    { name: "amount", type: "DECIMAL(12,2)" },
  ],
};
const stores: Dataset = { ...sales, name: "dim_store", path: "lake/dim_store", files: 1, bytes: 1500, rows: 1, columns: [] };
const events: Dataset = {
  name: "raw.events",
  kind: "raw",
  path: "raw/events",
  format: "json",
  files: 14,
  bytes: 4_700_000_000,
  rows: -1,
  columns: [{ name: "event_date", type: "DATE" }],
  partitions: ["event_date"],
  partitionCount: 14,
  problems: ["raw/events/event_date=2024-01-02/part-0.json: unexpected end of JSON", "2 files have no event_date"],
};

let host: HTMLElement;
let root: Root;
const props = { onPreview: vi.fn(), onInsert: vi.fn(), onQuery: vi.fn() };

beforeEach(() => {
  host = document.body.appendChild(document.createElement("div"));
  root = createRoot(host);
  Object.values(props).forEach((f) => f.mockReset());
  vi.spyOn(api, "s3Lake").mockResolvedValue(null); // no company settings
});
afterEach(() => {
  act(() => root.unmount());
  host.remove();
  vi.restoreAllMocks();
});

async function show() {
  await act(async () => root.render(<LakePanel {...props} />));
}
const $ = (sel: string, from: ParentNode = host) => from.querySelector<HTMLElement>(sel);
const $$ = (sel: string, from: ParentNode = host) => [...from.querySelectorAll<HTMLElement>(sel)];
const item = (name: string) => $(`[data-testid="lake-item"][data-name="${name}"]`)!;
const click = (el: HTMLElement) => act(() => el.click());
const names = () => $$('[data-testid="lake-item"]').map((e) => e.dataset.name);

describe("LakePanel", () => {
  it("lists the company's S3 lake beside the local one, named as SQL names it, with offline copies marked", async () => {
    vi.spyOn(api, "lake").mockResolvedValue([sales]);
    vi.spyOn(api, "s3Lake").mockResolvedValue({
      location: "s3://corp-lake/analytics/",
      datasets: [{ ...sales, name: "Orders" }, { ...events, name: "raw.clicks" }],
      offline: true,
      problem: "cannot reach S3 at http://127.0.0.1:9000",
      cachedAt: { Orders: "2026-12-01T10:00:00Z" },
    });
    await show();
    const s3 = $('[data-testid="s3-lake"]')!;
    expect($$('[data-testid="lake-item"]', s3).map((e) => e.dataset.name)).toEqual(["s3.Orders", "s3.raw.clicks"]);
    expect($('[data-testid="s3-offline"]', s3)).not.toBeNull();
    expect($('[data-testid="s3-problem"]', s3)!.textContent).toContain("cannot reach S3");
    expect($('[data-testid="lake-cached"]', item("s3.Orders"))).not.toBeNull();
    expect($('[data-testid="lake-cached"]', item("s3.raw.clicks"))).toBeNull();
    await click($('[data-testid="lake-query"]', item("s3.Orders"))!);
    expect(props.onQuery).toHaveBeenCalledWith("s3.Orders");
  });

  it("lists tables and raw datasets in two groups", async () => {
    vi.spyOn(api, "lake").mockResolvedValue([events, sales, stores]);
    await show();
    expect($$(".sf-lake-group").map((g) => [$("h3", g)!.textContent, $$('[data-testid="lake-item"]', g).map((e) => e.dataset.name)])).toEqual([
      ["Tables 2", ["dim_store", "fact_sales"]],
      ["Raw datasets 1", ["raw.events"]],
    ]);
  });

  it("shows rows, size, files and partitions", async () => {
    vi.spyOn(api, "lake").mockResolvedValue([events, sales, stores]);
    await show();
    const meta = (name: string) => $$(".sf-lake-meta", item(name)).map((e) => e.textContent);
    expect(meta("fact_sales")).toEqual(["1,200,000 rows · 31.2 MB · 3 files"]);
    expect(meta("dim_store")).toEqual(["1 row · 1.5 KB · 1 file"]);
    expect(meta("raw.events")).toEqual(["— rows · 4.7 GB · 14 files", "partitioned by event_date · 14 partitions"]);
  });

  it("warns about problems, with the text as a tooltip and in the details", async () => {
    vi.spyOn(api, "lake").mockResolvedValue([events, sales]);
    await show();
    expect($('[data-testid="lake-problem"]', item("fact_sales"))).toBeNull();
    const warning = $('[data-testid="lake-problem"]', item("raw.events"))!;
    expect(warning.title).toBe(events.problems!.join("\n"));
    click($(".sf-lake-name", item("raw.events"))!);
    expect($$(".sf-lake-problems li", item("raw.events")).map((e) => e.textContent)).toEqual(events.problems);
  });

  it("expands and collapses the schema on click", async () => {
    vi.spyOn(api, "lake").mockResolvedValue([sales, stores]);
    await show();
    const name = $(".sf-lake-name", item("fact_sales"))!;
    expect($('[data-testid="lake-schema"]')).toBeNull();
    click(name);
    expect(name.getAttribute("aria-expanded")).toBe("true");
    const schema = $('[data-testid="lake-schema"]', item("fact_sales"))!;
    expect($$("li", schema).map((li) => [$(".sf-lake-column", li)!.textContent, $(".sf-lake-type", li)!.textContent])).toEqual([
      ["sale_id", "BIGINT"],
      ["amount", "DECIMAL(12,2)"],
    ]);
    expect($('[data-testid="lake-schema"]', item("dim_store"))).toBeNull();
    click(name);
    expect($('[data-testid="lake-schema"]')).toBeNull();
  });

  it("passes the dataset's name to Preview, Insert and Query this", async () => {
    vi.spyOn(api, "lake").mockResolvedValue([events, sales]);
    await show();
    click($('[data-testid="lake-preview"]', item("fact_sales"))!);
    click($('[data-testid="lake-insert"]', item("raw.events"))!);
    click($('[data-testid="lake-query"]', item("raw.events"))!);
    expect(props.onPreview.mock.calls).toEqual([["fact_sales"]]);
    expect(props.onInsert.mock.calls).toEqual([["raw.events"]]);
    expect(props.onQuery.mock.calls).toEqual([["raw.events"]]);
  });

  it("narrows the list by name as the user types", async () => {
    vi.spyOn(api, "lake").mockResolvedValue([events, sales, stores]);
    await show();
    const input = $(".sf-lake-filter") as HTMLInputElement;
    const typeFilter = (text: string) =>
      act(() => {
        // React listens for input events and reads the native value setter.
        Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")!.set!.call(input, text);
        input.dispatchEvent(new Event("input", { bubbles: true }));
      });
    typeFilter("SALES");
    expect(names()).toEqual(["fact_sales"]);
    typeFilter("e");
    expect(names()).toEqual(["dim_store", "fact_sales", "raw.events"]);
    typeFilter("raw.");
    expect(names()).toEqual(["raw.events"]);
    expect($$(".sf-lake-group h3").map((h) => h.textContent)).toEqual(["Raw datasets 1"]);
    typeFilter("nothing");
    expect(names()).toEqual([]);
    expect($(".sf-lake-empty")!.textContent).toBe("No dataset matches “nothing”.");
  });

  it("says so when the lake is empty", async () => {
    vi.spyOn(api, "lake").mockResolvedValue(null as unknown as Dataset[]);
    await show();
    expect($(".sf-lake-empty")!.textContent).toBe("The lake has no datasets yet.");
  });

  it("reloads on Refresh", async () => {
    const lake = vi.spyOn(api, "lake").mockResolvedValueOnce([sales]).mockResolvedValueOnce([sales, events]);
    await show();
    expect(names()).toEqual(["fact_sales"]);
    await act(async () => $('[data-testid="lake-refresh"]')!.click());
    expect(lake).toHaveBeenCalledTimes(2);
    expect(names()).toEqual(["fact_sales", "raw.events"]);
  });

  it("shows errors inline and clears them after a good refresh", async () => {
    vi.spyOn(api, "lake")
      .mockRejectedValueOnce(new ApiError("unavailable", "the lake folder /data/lake is missing"))
      .mockResolvedValueOnce([sales]);
    await show();
    expect($('[data-testid="lake-panel"] [role="alert"]')!.textContent).toBe("the lake folder /data/lake is missing");
    await act(async () => $('[data-testid="lake-refresh"]')!.click());
    expect($('[role="alert"]')).toBeNull();
    expect(names()).toEqual(["fact_sales"]);
  });

  it("keeps the newest answer when an older one arrives late", async () => {
    let answerFirst!: (d: Dataset[]) => void;
    vi.spyOn(api, "lake")
      .mockReturnValueOnce(new Promise((resolve) => (answerFirst = resolve)))
      .mockResolvedValueOnce([events]);
    await show();
    await act(async () => $('[data-testid="lake-refresh"]')!.click());
    await act(async () => answerFirst([sales]));
    expect(names()).toEqual(["raw.events"]);
  });
});
