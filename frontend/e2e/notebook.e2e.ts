// What an analyst does in the browser, against the real server.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cell, drafts, editorText, gridRows, openNotebook, readRun, runIds, selectedCellId, typeInto, useWorkbench, waitStatus } from "./harness";

const wb = useWorkbench();

describe("the sales notebook", () => {
  it("runs all, shows rows in the grid and draws the chart", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, "sales-by-brand-and-country.ipynb");
    await page.getByTestId("run-all").click();
    for (const id of ["sales", "by-country", "top-brand"]) await waitStatus(page, id, "done");
    expect(await gridRows(page, "sales")).toBeGreaterThan(10);
    await cell(page, "by-country").locator('[data-testid=chart][data-rendered="true"]').waitFor();
    expect(await cell(page, "by-country").locator("[data-testid=chart] canvas, [data-testid=chart] svg").count()).toBeGreaterThan(0);
  });

  it("reruns with another year from the parameters cell", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, "sales-by-brand-and-country.ipynb");
    const before = runIds(wb.server).length;
    await page.getByTestId("run-all").click();
    await waitRunsDone(before + 1);
    await typeInto(page, "params", 'year = 1999\ncategory = "laptop"');
    await page.getByTestId("run-all").click();
    await waitRunsDone(before + 2);
    await waitStatus(page, "sales", "done");
    const run = readRun(wb.server, runIds(wb.server).at(-1)!);
    expect(run.parameters).toEqual({ year: 1999, category: "laptop" });
  });
});

describe("the results grid", () => {
  it("sorts from a column header, summarizes a column and exports what it shows", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, "sales-by-brand-and-country.ipynb");
    await page.getByTestId("run-all").click();
    await waitStatus(page, "sales", "done");
    const grid = cell(page, "sales").getByTestId("result-grid");
    const box = (await grid.boundingBox())!;
    const header = { x: box.x + 40 + 30, y: box.y + 18 }; // the first column's header, right of the row numbers
    await page.mouse.click(header.x, header.y);
    await page.getByTestId("sort-desc").click();
    await expect.poll(() => grid.getAttribute("data-first-row")).toBe("0");
    await page.mouse.click(header.x, header.y);
    await page.getByTestId("summary").click();
    const summary = page.getByTestId("column-summary");
    await summary.waitFor();
    expect(Number(await summary.locator('[data-stat="distinct"]').textContent().then((t) => t!.replace(/\D/g, "")))).toBeGreaterThan(1);
    await cell(page, "sales").getByTestId("export-csv").click();
    const status = cell(page, "sales").getByTestId("export-status");
    await expect.poll(() => status.textContent()).toMatch(/Exported/);
    const path = (await status.textContent())!.replace(/^.* to /, "").trim();
    const lines = readFileSync(path, "utf8").trim().split("\n").slice(1);
    const brands = lines.map((l) => l.split(",")[0]);
    expect(brands[0]).toBe([...brands].sort().reverse()[0]);
    expect(lines.length).toBe(Number(await grid.getAttribute("data-rows")));
  });
});

describe("editing", () => {
  it("saves with Ctrl+S and finds the edit after a reload", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, "tour.ipynb");
    const first = await page.locator("[data-testid=cell][data-kind=sql]").first().getAttribute("data-cell-id");
    await typeInto(page, first!, "SELECT 'saved edit' AS what");
    await page.keyboard.press("ControlOrMeta+S");
    await page.waitForSelector('[data-testid=notebook][data-dirty="false"]');
    await page.reload();
    await page.getByTestId("notebook").waitFor();
    await expect.poll(() => editorText(page, first!)).toContain("saved edit");
    expect(readFileSync(join(wb.server.workspace, "notebooks", "tour.ipynb"), "utf8")).toContain("SELECT 'saved edit' AS what");
  });

  it("shows a SQL error on its cell, with its line", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, "tour.ipynb");
    await page.getByTestId("add-cell").click();
    const id = await selectedCellId(page);
    await typeInto(page, id, "SELECT 1;\nSELEC nonsense");
    await page.keyboard.press("Shift+Enter");
    await waitStatus(page, id, "error");
    const msg = await cell(page, id).getByTestId("cell-error").textContent();
    expect(msg).toMatch(/line 2/);
    expect(msg).toMatch(/SELEC/);
  });

  it("adds, moves, duplicates and deletes cells with Jupyter's keys", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, "tour.ipynb");
    const count = () => page.getByTestId("cell").count();
    const n = await count();
    await page.locator("[data-testid=cell]").first().click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("Escape");
    await page.keyboard.press("b");
    await expect.poll(count).toBe(n + 1);
    await page.keyboard.press("Escape");
    await page.keyboard.press("d");
    await page.keyboard.press("d");
    await expect.poll(count).toBe(n);
    await page.keyboard.press("z");
    await expect.poll(count).toBe(n + 1);
  });

  it("opens a broken notebook file with a clear message and leaves it alone", async () => {
    const page = wb.page;
    const broken = join(wb.server.workspace, "notebooks", "broken.ipynb");
    writeFileSync(broken, '{"cells": [');
    const u = new URL(wb.server.url);
    u.hash = "nb=broken.ipynb";
    await page.goto(u.toString());
    const banner = page.getByTestId("error-banner");
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/broken\.ipynb/);
    expect(readFileSync(broken, "utf8")).toBe('{"cells": [');
  });
});

describe("long work", () => {
  it("cancels a long query within a second", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, "tour.ipynb");
    await page.getByTestId("add-cell").click();
    const id = await selectedCellId(page);
    await typeInto(page, id, "SELECT count(*) FROM range(100000000000)");
    await page.keyboard.press("ControlOrMeta+Enter");
    await waitStatus(page, id, "running");
    // The first progress report: DuckDB is executing the query.
    await cell(page, id).locator("[data-testid=progress][data-percent]").waitFor();
    const t0 = Date.now();
    await page.getByTestId("cancel").click();
    await waitStatus(page, id, "canceled", 5_000);
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it("scrolls to the end of a 10,000,000-row result", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, "tour.ipynb");
    await page.getByTestId("add-cell").click();
    const id = await selectedCellId(page);
    await typeInto(page, id, "SELECT range AS n, range * 2 AS twice FROM range(10000000)");
    await page.keyboard.press("ControlOrMeta+Enter");
    await waitStatus(page, id, "done", 60_000);
    expect(await gridRows(page, id)).toBe(10_000_000);
    const grid = cell(page, id).getByTestId("result-grid");
    await grid.hover();
    await page.keyboard.press("ControlOrMeta+End").catch(() => undefined);
    for (let i = 0; i < 3; i++) await page.mouse.wheel(0, 1e9);
    await expect.poll(async () => Number(await grid.getAttribute("data-first-row")), { timeout: 10_000 }).toBeGreaterThan(9_999_000);
  });
});

/** Waits until the workspace holds n run records and the newest has finished well. */
async function waitRunsDone(n: number) {
  await expect.poll(() => runIds(wb.server).length, { timeout: 30_000 }).toBe(n);
  await expect.poll(() => readRun(wb.server, runIds(wb.server).at(-1)!).status, { timeout: 30_000 }).toBe("ok");
}

describe("the lake and the run history", () => {
  it("browses the lake, previews a table and queries a raw dataset", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, "tour.ipynb");
    await page.getByTestId("tab-lake").click();
    const store = page.locator('[data-testid=lake-item][data-name="Dim_Store"]');
    await store.waitFor();
    expect(await store.textContent()).toMatch(/48 rows/);
    await store.locator("button[aria-expanded]").click(); // the name expands the schema
    await store.getByTestId("lake-schema").waitFor();
    expect(await store.getByTestId("lake-schema").textContent()).toMatch(/Country/);
    const cellsBefore = await page.getByTestId("cell").count();
    await store.getByTestId("lake-preview").click();
    // The preview is a pane of its own (state.e2e.ts): no cell is added.
    const pane = page.getByTestId("lake-preview-pane");
    await expect.poll(() => pane.getByTestId("result-grid").getAttribute("data-rows").catch(() => null)).toBe("48");
    expect(await page.getByTestId("cell").count()).toBe(cellsBefore);
    await page.locator('[data-testid=lake-item][data-name="raw.events"]').getByTestId("lake-query").click();
    await expect.poll(() => page.getByTestId("cell").count()).toBe(cellsBefore + 1);
    const queryCell = await selectedCellId(page);
    await waitStatus(page, queryCell, "done");
    expect(await editorText(page, queryCell)).toMatch(/raw\.events/);
    expect(await gridRows(page, queryCell)).toBe(1000);
  });

  it("lists past runs and opens one read-only", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, "sales-by-brand-and-country.ipynb");
    await page.getByTestId("run-all").click();
    await waitStatus(page, "top-brand", "done");
    const item = page.getByTestId("history-panel").getByTestId("run-item").first();
    await item.waitFor();
    expect(await item.getAttribute("data-status")).toBe("ok");
    await item.click();
    await page.getByTestId("readonly-banner").waitFor();
    expect(await page.getByTestId("run-all").count()).toBe(0);
    await cell(page, "sales").getByTestId("cell-output").waitFor();
  });
});

describe("crash recovery", () => {
  it("keeps what was typed up to two seconds before a kill -9", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, "events-etl.ipynb");
    const id = (await page.locator("[data-testid=cell][data-kind=sql]").first().getAttribute("data-cell-id"))!;
    await typeInto(page, id, "SELECT 'typed before the crash' AS note");
    // The draft on disk has the edit within two seconds; then the crash.
    await expect.poll(() => drafts(wb.server).some((d) => d.includes("typed before the crash")), { timeout: 2_000 }).toBe(true);
    await wb.restartServer({ signal: "SIGKILL" });
    await openNotebook(page, wb.server, "events-etl.ipynb");
    await page.getByTestId("recovered-banner").waitFor();
    expect(await editorText(page, id)).toContain("typed before the crash");
  });
});
