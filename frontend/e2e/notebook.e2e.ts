// What an analyst does in the browser, against the real server.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cell, launchBrowser, openNotebook, removeWorkspace, startServer, typeInto, waitStatus, type Server } from "./harness";

let server: Server;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (server) removeWorkspace(server);
});
beforeEach(async () => {
  await page?.close();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on("pageerror", (e) => console.error("page error:", e.message));
});

const rowsOf = (page: Page, id: string) => cell(page, id).getByTestId("result-grid").getAttribute("data-rows").then(Number);

describe("the sales notebook", () => {
  it("runs all, shows rows in the grid and draws the chart", async () => {
    await openNotebook(page, server, "sales-by-brand-and-country.ipynb");
    await page.getByTestId("run-all").click();
    for (const id of ["sales", "by-country", "top-brand"]) await waitStatus(page, id, "done");
    expect(await rowsOf(page, "sales")).toBeGreaterThan(10);
    await cell(page, "by-country").locator('[data-testid=chart][data-rendered="true"]').waitFor();
    expect(await cell(page, "by-country").locator("[data-testid=chart] canvas, [data-testid=chart] svg").count()).toBeGreaterThan(0);
  });

  it("reruns with another year from the parameters cell", async () => {
    await openNotebook(page, server, "sales-by-brand-and-country.ipynb");
    const before = runCount(server);
    await page.getByTestId("run-all").click();
    await waitRunsDone(before + 1);
    await typeInto(page, "params", 'year = 1999\ncategory = "laptop"');
    await page.getByTestId("run-all").click();
    await waitRunsDone(before + 2);
    await waitStatus(page, "sales", "done");
    const runs = JSON.parse(readFileSync(latestRecord(server), "utf8"));
    expect(runs.parameters).toEqual({ year: 1999, category: "laptop" });
  });
});

describe("the results grid", () => {
  it("sorts from a column header, summarizes a column and exports what it shows", async () => {
    await openNotebook(page, server, "sales-by-brand-and-country.ipynb");
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
    await openNotebook(page, server, "tour.ipynb");
    const first = await page.locator("[data-testid=cell][data-kind=sql]").first().getAttribute("data-cell-id");
    await typeInto(page, first!, "SELECT 'saved edit' AS what");
    await page.keyboard.press("ControlOrMeta+S");
    await page.waitForSelector('[data-testid=notebook][data-dirty="false"]');
    await page.reload();
    await page.getByTestId("notebook").waitFor();
    await expect.poll(() => cell(page, first!).locator(".cm-content").textContent()).toContain("saved edit");
    expect(readFileSync(join(server.workspace, "notebooks", "tour.ipynb"), "utf8")).toContain("SELECT 'saved edit' AS what");
  });

  it("shows a SQL error on its cell, with its line", async () => {
    await openNotebook(page, server, "tour.ipynb");
    await page.getByTestId("add-cell").click();
    const id = await page.locator("[data-testid=cell].selected").getAttribute("data-cell-id");
    await typeInto(page, id!, "SELECT 1;\nSELEC nonsense");
    await page.keyboard.press("Shift+Enter");
    await waitStatus(page, id!, "error");
    const msg = await cell(page, id!).getByTestId("cell-error").textContent();
    expect(msg).toMatch(/line 2/);
    expect(msg).toMatch(/SELEC/);
  });

  it("adds, moves, duplicates and deletes cells with Jupyter's keys", async () => {
    await openNotebook(page, server, "tour.ipynb");
    const count = () => page.getByTestId("cell").count();
    const n = await count();
    await page.locator("[data-testid=cell]").first().click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("Escape");
    await page.keyboard.press("b");
    expect(await count()).toBe(n + 1);
    await page.keyboard.press("Escape");
    await page.keyboard.press("d");
    await page.keyboard.press("d");
    expect(await count()).toBe(n);
    await page.keyboard.press("z");
    expect(await count()).toBe(n + 1);
  });

  it("opens a broken notebook file with a clear message and leaves it alone", async () => {
    const broken = join(server.workspace, "notebooks", "broken.ipynb");
    writeFileSync(broken, '{"cells": [');
    const u = new URL(server.url);
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
    await openNotebook(page, server, "tour.ipynb");
    await page.getByTestId("add-cell").click();
    const id = (await page.locator("[data-testid=cell].selected").getAttribute("data-cell-id"))!;
    await typeInto(page, id, "SELECT count(*) FROM range(100000000000)");
    await page.keyboard.press("ControlOrMeta+Enter");
    await waitStatus(page, id, "running");
    await page.waitForTimeout(500);
    const t0 = Date.now();
    await page.getByTestId("cancel").click();
    await waitStatus(page, id, "canceled", 5_000);
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it("scrolls to the end of a 10,000,000-row result", async () => {
    await openNotebook(page, server, "tour.ipynb");
    await page.getByTestId("add-cell").click();
    const id = (await page.locator("[data-testid=cell].selected").getAttribute("data-cell-id"))!;
    await typeInto(page, id, "SELECT range AS n, range * 2 AS twice FROM range(10000000)");
    await page.keyboard.press("ControlOrMeta+Enter");
    await waitStatus(page, id, "done", 60_000);
    expect(await rowsOf(page, id)).toBe(10_000_000);
    const grid = cell(page, id).getByTestId("result-grid");
    await grid.hover();
    await page.keyboard.press("ControlOrMeta+End").catch(() => undefined);
    for (let i = 0; i < 3; i++) await page.mouse.wheel(0, 1e9);
    await expect.poll(async () => Number(await grid.getAttribute("data-first-row")), { timeout: 10_000 }).toBeGreaterThan(9_999_000);
  });
});

/** Waits until the workspace holds n run records and the newest has finished well. */
async function waitRunsDone(n: number) {
  await expect.poll(() => runCount(server), { timeout: 30_000 }).toBe(n);
  await expect.poll(() => JSON.parse(readFileSync(latestRecord(server), "utf8")).status, { timeout: 30_000 }).toBe("ok");
}

function runCount(s: Server): number {
  return readdirSync(join(s.workspace, ".smallfry", "runs")).length;
}

function latestRecord(s: Server): string {
  const dir = join(s.workspace, ".smallfry", "runs");
  const ids = readdirSync(dir).sort();
  return join(dir, ids[ids.length - 1], "run.json");
}

describe("the lake and the run history", () => {
  it("browses the lake, previews a table and queries a raw dataset", async () => {
    await openNotebook(page, server, "tour.ipynb");
    await page.getByTestId("tab-lake").click();
    const store = page.locator('[data-testid=lake-item][data-name="Dim_Store"]');
    await store.waitFor();
    expect(await store.textContent()).toMatch(/48 rows/);
    await store.locator("button[aria-expanded]").click(); // the name expands the schema
    await store.getByTestId("lake-schema").waitFor();
    expect(await store.getByTestId("lake-schema").textContent()).toMatch(/Country/);
    const cellsBefore = await page.getByTestId("cell").count();
    await store.getByTestId("lake-preview").click();
    await expect.poll(() => page.getByTestId("cell").count()).toBe(cellsBefore + 1);
    const previewCell = (await page.locator("[data-testid=cell].selected").getAttribute("data-cell-id"))!;
    await expect.poll(() => rowsOf(page, previewCell)).toBe(48);
    await page.locator('[data-testid=lake-item][data-name="raw.events"]').getByTestId("lake-query").click();
    await expect.poll(() => page.getByTestId("cell").count()).toBe(cellsBefore + 2);
    const queryCell = (await page.locator("[data-testid=cell].selected").getAttribute("data-cell-id"))!;
    await waitStatus(page, queryCell, "done");
    expect(await cell(page, queryCell).locator(".cm-content").textContent()).toMatch(/raw\.events/);
    expect(await rowsOf(page, queryCell)).toBe(1000);
  });

  it("lists past runs and opens one read-only", async () => {
    await openNotebook(page, server, "sales-by-brand-and-country.ipynb");
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
    await openNotebook(page, server, "events-etl.ipynb");
    const id = (await page.locator("[data-testid=cell][data-kind=sql]").first().getAttribute("data-cell-id"))!;
    await typeInto(page, id, "SELECT 'typed before the crash' AS note");
    await page.waitForTimeout(2000);
    await server.stop("SIGKILL");
    server = await startServer(server.workspace);
    await openNotebook(page, server, "events-etl.ipynb");
    await page.getByTestId("recovered-banner").waitFor();
    expect(await cell(page, id).locator(".cm-content").textContent()).toContain("typed before the crash");
  });
});
