// Editing a notebook in the browser, against the real server: making and
// renaming notebooks, completion, stale results, partial runs, filters,
// charts, the lake's Insert, progress, cell buttons, markdown and copy.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  cell,
  editorText,
  openNotebook,
  readRun,
  runsDir,
  selectedCellId,
  settled,
  sqlCell,
  typeInto,
  useWorkbench,
  waitStatus,
  writeNotebook,
} from "./harness";
import { toolbarAction } from "./toolbar";

// Clipboard permissions for the copy test; the server's origin is loopback, a secure context.
const wb = useWorkbench({ permissions: ["clipboard-read", "clipboard-write"] });

const notebooksDir = () => join(wb.server.workspace, "notebooks");
const cellIds = (page: Page) => page.locator("[data-testid=cell]").evaluateAll((els) => els.map((e) => e.getAttribute("data-cell-id")!));

/** Writes a notebook of one empty SQL cell (id "first") and opens it: each test edits its own. */
async function scratch(page: Page, name: string) {
  await openNotebook(page, wb.server, writeNotebook(wb.server, name, [sqlCell("first", "")]));
}

/**
 * Runs one cell from its ▶ button and waits for the run to end. A cell may
 * show "done" before (outputs of the last run are restored on opening), so
 * the end of the run is what tells.
 */
async function runCell(page: Page, id: string) {
  await cell(page, id).getByTestId("cell-run").click();
  await settled(page);
  await waitStatus(page, id, "done");
}

/**
 * Opens a column's header menu. The grid draws on a canvas, so the header is
 * found by clicking along the header row until the menu names the column.
 */
async function headerMenu(page: Page, grid: Locator, column: string) {
  const box = (await grid.boundingBox())!;
  const menu = page.getByTestId("header-menu");
  for (let x = box.x + 50; x < box.x + box.width; x += 30) {
    await page.mouse.click(x, box.y + 18);
    if ((await menu.count()) && (await menu.locator(".sf-menu-title").textContent())?.startsWith(column + " ")) return menu;
    if (await menu.count()) await page.keyboard.press("Escape");
  }
  throw new Error(`no header for column ${column}`);
}

/** Exports what the grid shows as CSV and returns the file's lines (header first). */
async function exportCSV(page: Page, id: string): Promise<string[][]> {
  const status = cell(page, id).getByTestId("export-status");
  await cell(page, id).getByTestId("export-csv").click();
  await expect.poll(() => status.textContent()).toMatch(/^Exported/);
  const path = (await status.textContent())!.replace(/^.* to /, "").trim();
  return readFileSync(path, "utf8").trim().split("\n").map((l) => l.split(",")); // no commas in these values
}

describe("notebooks from the sidebar", () => {
  it("creates a notebook, saves a SQL cell to its file and renames it", async () => {
    const page = wb.page;
    await page.goto(wb.server.url);
    await page.getByTestId("notebook").waitFor();
    await page.getByTestId("new-notebook").click();
    await page.getByTestId("name-input").fill("scratch-create");
    await page.getByTestId("dialog-ok").click();
    await expect.poll(() => page.getByTestId("notebook-title").textContent()).toMatch(/^scratch-create\.ipynb/);
    const file = join(notebooksDir(), "scratch-create.ipynb");
    expect(existsSync(file)).toBe(true);

    await page.getByTestId("add-cell").click();
    const id = await selectedCellId(page);
    await typeInto(page, id, "SELECT 'made in the browser' AS greeting");
    await page.keyboard.press("ControlOrMeta+S");
    await page.waitForSelector('[data-testid=notebook][data-dirty="false"]');
    expect(readFileSync(file, "utf8")).toContain("SELECT 'made in the browser' AS greeting");

    await page.getByTestId("notebook-title").click();
    const input = page.getByTestId("rename-input");
    await input.fill("scratch-renamed");
    await input.press("Enter");
    const renamed = join(notebooksDir(), "scratch-renamed.ipynb");
    await expect.poll(() => existsSync(renamed)).toBe(true);
    expect(existsSync(file)).toBe(false);
    expect(readFileSync(renamed, "utf8")).toContain("made in the browser");
    await expect.poll(() => page.getByTestId("notebook-title").textContent()).toMatch(/^scratch-renamed\.ipynb/);
    const link = page.locator('[data-testid=notebook-link][data-path="scratch-renamed.ipynb"]');
    await link.waitFor();
    expect(await link.textContent()).toBe("scratch-renamed");
    expect(await page.locator('[data-testid=notebook-link][data-path="scratch-create.ipynb"]').count()).toBe(0);
    expect(await page.getByTestId("error-banner").count()).toBe(0);
  });
});

describe("completion", () => {
  it("completes lake tables, and named results once their cell ran", async () => {
    const page = wb.page;
    await scratch(page, "completion");
    await typeInto(page, "first", "SELECT * FROM Fact_S");
    const popup = page.locator(".cm-tooltip-autocomplete");
    // Picked with the mouse: CodeMirror ignores Enter for 75 ms after the popup
    // opens, a window a test cannot see (editor.test.ts covers Enter).
    await popup.getByText("Fact_Sales", { exact: true }).click();
    await expect.poll(() => editorText(page, "first")).toBe("SELECT * FROM Fact_Sales");
    await popup.waitFor({ state: "detached" });

    await typeInto(page, "first", "SELECT 42 AS answer");
    await cell(page, "first").getByTestId("cell-name").fill("mine");
    await runCell(page, "first");

    await page.getByTestId("add-cell").click();
    const id = await selectedCellId(page);
    await typeInto(page, id, "SELECT answer FROM min");
    const option = popup.locator("li", { has: page.locator(".cm-completionLabel", { hasText: /^mine$/ }) });
    await option.waitFor();
    expect(await option.locator(".cm-completionDetail").textContent()).toBe("cell result");
    await option.click(); // the function min() is listed too, above it
    expect(await editorText(page, id)).toBe("SELECT answer FROM mine");
  });
});

describe("runs", () => {
  it("marks what read a rerun result stale, until it runs again", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, "sales-by-brand-and-country.ipynb");
    await page.getByTestId("run-all").click();
    await settled(page);
    for (const id of ["sales", "by-country", "top-brand"]) await waitStatus(page, id, "done");
    await runCell(page, "sales");
    // Both read `sales`, which is newer than what they show now.
    await waitStatus(page, "by-country", "stale");
    await waitStatus(page, "top-brand", "stale");
    await runCell(page, "by-country");
    expect(await cell(page, "top-brand").getAttribute("data-status")).toBe("stale");
    expect(await cell(page, "sales").getAttribute("data-status")).toBe("done");
  });

  it("runs from the selected cell down, leaving the cells above alone", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, "sales-by-brand-and-country.ipynb");
    await page.getByTestId("run-all").click();
    await settled(page);
    const before = new Set(readdirSync(runsDir(wb.server)));
    await cell(page, "by-country").click({ position: { x: 5, y: 5 } });
    await toolbarAction(page, "run-from-here");
    await expect.poll(() => readdirSync(runsDir(wb.server)).filter((d) => !before.has(d)).length).toBe(1);
    const runId = readdirSync(runsDir(wb.server)).find((d) => !before.has(d))!;
    await expect.poll(() => readRun(wb.server, runId).status, { timeout: 30_000 }).toBe("ok");
    expect(readRun(wb.server, runId).cells.map((c) => c.id)).toEqual(["by-country", "top-brand"]);
    await settled(page);
    // sales did not run again, so nothing below it is stale.
    for (const id of ["sales", "by-country", "top-brand"]) await waitStatus(page, id, "done");
  });

  it("shows progress on a long query and cancels it from the cell", async () => {
    const page = wb.page;
    await scratch(page, "progress");
    // hash() keeps DuckDB from answering from the range's size alone, as it does for count(*).
    await typeInto(page, "first", "SELECT max(hash(range)) FROM range(3000000000)");
    await page.keyboard.press("ControlOrMeta+Enter");
    await waitStatus(page, "first", "running");
    const progress = cell(page, "first").getByTestId("progress");
    await progress.waitFor();
    const status = cell(page, "first").getByTestId("cell-status");
    await expect.poll(() => status.textContent()).toMatch(/^running [1-9]\.\d s$/); // the clock ticks past a second
    await cell(page, "first").getByTestId("cell-cancel").click();
    await waitStatus(page, "first", "canceled", 5_000);
    expect(await progress.count()).toBe(0);
    expect(await status.textContent()).toMatch(/^canceled/);
    expect(await cell(page, "first").getByTestId("cell-error").textContent()).toMatch(/cancel/i);
  });
});

describe("the results grid", () => {
  it("filters from a column header: fewer rows, and the export has only them", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, "sales-by-brand-and-country.ipynb");
    await runCell(page, "sales");
    const grid = cell(page, "sales").getByTestId("result-grid");
    const rowCount = cell(page, "sales").getByTestId("row-count");
    const [header, ...rows] = await exportCSV(page, "sales");
    const units = header.indexOf("Units");
    expect(units).toBeGreaterThanOrEqual(0);
    expect(await rowCount.textContent()).toBe(`${rows.length} rows`);
    const values = rows.map((r) => Number(r[units])).sort((a, b) => a - b);
    const threshold = values[Math.floor(values.length / 2)];
    const above = values.filter((v) => v > threshold).length;
    expect(above).toBeGreaterThan(0);
    expect(above).toBeLessThan(rows.length);

    const menu = await headerMenu(page, grid, "Units");
    await menu.getByTestId("filter").click();
    await menu.getByTestId("filter-op").selectOption(">");
    await menu.getByTestId("filter-value").fill(String(threshold));
    await menu.getByTestId("filter-apply").click();
    await expect.poll(() => rowCount.textContent()).toBe(`${above} rows`);
    expect(Number(await grid.getAttribute("data-rows"))).toBe(above);

    const [, ...filtered] = await exportCSV(page, "sales");
    expect(filtered).toHaveLength(above);
    expect(filtered.every((r) => Number(r[units]) > threshold)).toBe(true);
  });

  it("copies selected cells to the clipboard, tab-separated", async () => {
    const page = wb.page;
    await scratch(page, "copy");
    await typeInto(page, "first", "SELECT * FROM (VALUES (1, 'alpha'), (2, 'beta'), (3, 'gamma')) t(n, word)");
    await page.keyboard.press("ControlOrMeta+Enter");
    await waitStatus(page, "first", "done");
    const grid = cell(page, "first").getByTestId("result-grid");
    const box = (await grid.boundingBox())!;
    // Row numbers take 40 px, then n (a number, 110 px) and word (text); rows are 34 px under a 36 px header.
    await page.mouse.click(box.x + 40 + 55, box.y + 36 + 17);
    await page.keyboard.down("Shift");
    await page.mouse.click(box.x + 40 + 110 + 60, box.y + 36 + 34 + 17);
    await page.keyboard.up("Shift");
    await page.keyboard.press("ControlOrMeta+C");
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe("1\talpha\n2\tbeta");
  });
});

describe("charts", () => {
  it("charts a named result and saves the spec over that name", async () => {
    const page = wb.page;
    await scratch(page, "chart");
    await typeInto(page, "first", "SELECT Country, count(*) AS Stores FROM Dim_Store GROUP BY ALL ORDER BY 1");
    await cell(page, "first").getByTestId("cell-name").fill("stores_by_country");
    await runCell(page, "first");
    const c = cell(page, "first");
    await c.getByTestId("chart-toggle").click();
    await c.getByTestId("chart-mark").selectOption("point");
    await c.getByTestId("chart-x").selectOption("Country");
    await c.getByTestId("chart-aggregate").selectOption("none");
    await c.getByTestId("chart-y").selectOption("Stores");
    await c.getByTestId("chart-save").click();
    await c.getByTestId("chart-editor").waitFor({ state: "detached" });
    await c.locator('[data-testid=chart][data-rendered="true"]').waitFor();
    await page.keyboard.press("ControlOrMeta+S");
    await page.waitForSelector('[data-testid=notebook][data-dirty="false"]');
    const saved = JSON.parse(readFileSync(join(notebooksDir(), "chart.ipynb"), "utf8"));
    const meta = saved.cells[0].metadata.smallfry;
    expect(meta.name).toBe("stores_by_country");
    expect(meta.chart.data).toEqual({ name: "stores_by_country" });
    expect(meta.chart.mark.type).toBe("point");
    expect(meta.chart.encoding.x.field).toBe("Country");
    expect(meta.chart.encoding.y.field).toBe("Stores");
  });

  it("charts an unnamed result by naming it, and draws it again after a reload and a rerun", async () => {
    const page = wb.page;
    await scratch(page, "chart-unnamed");
    await typeInto(page, "first", "SELECT Country, count(*) AS Stores FROM Dim_Store GROUP BY ALL ORDER BY 1");
    await runCell(page, "first");
    const c = cell(page, "first");
    await c.getByTestId("chart-toggle").click();
    await c.getByTestId("chart-save").click(); // the default chart: Stores by Country
    await c.locator('[data-testid=chart][data-rendered="true"]').waitFor();
    await page.keyboard.press("ControlOrMeta+S");
    await page.waitForSelector('[data-testid=notebook][data-dirty="false"]');
    const saved = JSON.parse(readFileSync(join(notebooksDir(), "chart-unnamed.ipynb"), "utf8"));
    expect(saved.cells[0].metadata.smallfry.chart.encoding.x.field).toBe("Country");
    // The cell got a result name, and the chart is over it.
    expect(saved.cells[0].metadata.smallfry.name).toBe("cell_first");
    expect(saved.cells[0].metadata.smallfry.chart.data).toEqual({ name: "cell_first" });

    // A reload resumes the session: its live result, charted at once.
    await page.reload();
    await page.getByTestId("notebook").waitFor();
    await c.locator('[data-testid=chart][data-rendered="true"]').waitFor();
    expect(await c.getByTestId("result-grid").count()).toBe(1);
    await runCell(page, "first");
    await c.locator('[data-testid=chart][data-rendered="true"]').waitFor();
  });
});

describe("editing", () => {
  it("inserts a lake table's name at the editor's cursor", async () => {
    const page = wb.page;
    await scratch(page, "lake-insert");
    await typeInto(page, "first", "SELECT * FROM ");
    await page.getByTestId("tab-lake").click();
    await page.locator('[data-testid=lake-item][data-name="Dim_Product"]').getByTestId("lake-insert").click();
    await expect.poll(() => editorText(page, "first")).toBe("SELECT * FROM Dim_Product");
  });

  it("moves and duplicates cells with the toolbar buttons", async () => {
    const page = wb.page;
    await scratch(page, "cell-buttons");
    await typeInto(page, "first", "SELECT 1 AS one");
    await page.getByTestId("add-cell").click();
    const second = await selectedCellId(page);
    await typeInto(page, second, "SELECT 2 AS two");
    expect(await cellIds(page)).toEqual(["first", second]);
    await toolbarAction(page, "move-up");
    await expect.poll(() => cellIds(page)).toEqual([second, "first"]);
    await toolbarAction(page, "move-down");
    await expect.poll(() => cellIds(page)).toEqual(["first", second]);
    await toolbarAction(page, "duplicate");
    await expect.poll(() => cellIds(page).then((ids) => ids.length)).toBe(3);
    const ids = await cellIds(page);
    expect(ids.slice(0, 2)).toEqual(["first", second]);
    expect(await selectedCellId(page)).toBe(ids[2]);
    expect(await editorText(page, ids[2])).toBe("SELECT 2 AS two");
    await page.keyboard.press("ControlOrMeta+S");
    await page.waitForSelector('[data-testid=notebook][data-dirty="false"]');
    const saved = JSON.parse(readFileSync(join(notebooksDir(), "cell-buttons.ipynb"), "utf8"));
    expect(saved.cells.map((c: { source: string[] }) => c.source.join(""))).toEqual(["SELECT 1 AS one", "SELECT 2 AS two", "SELECT 2 AS two"]);
  });

  it("renders a markdown cell when not editing and edits it on double-click", async () => {
    const page = wb.page;
    await scratch(page, "markdown");
    await page.getByTestId("add-markdown").click();
    const id = await selectedCellId(page);
    expect(await cell(page, id).getAttribute("data-kind")).toBe("markdown");
    await typeInto(page, id, "# Quarterly numbers\n\nUnits by *country*.");
    await page.keyboard.press("Escape"); // one press, right after typing, leaves edit mode
    const heading = cell(page, id).locator(".markdown-view h1");
    await heading.waitFor();
    expect(await heading.textContent()).toBe("Quarterly numbers");
    expect(await cell(page, id).locator(".markdown-view em").textContent()).toBe("country");
    expect(await cell(page, id).locator(".cm-editor").count()).toBe(0);
    await cell(page, id).locator(".markdown-view").dblclick();
    await cell(page, id).locator(".cm-editor").waitFor();
    expect(await editorText(page, id)).toBe("# Quarterly numbers\n\nUnits by *country*.");
    expect(await heading.count()).toBe(0);
  });
});
