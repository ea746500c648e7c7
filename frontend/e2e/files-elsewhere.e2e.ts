// Files from elsewhere, in the browser against the real server: saves that
// must open again (and run headless), Parquet files other tools wrote or
// broke in the lake, and lake tables named like SQL keywords.
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { toolbarAction } from "./toolbar";
import { cell, editorText, gridRows, openNotebook, pythonCell, runCommand, selectedCellId, sqlCell, typeInto, useWorkbench, waitStatus, writeNotebook } from "./harness";

// Clipboard permissions for copying a grid cell; the server's origin is loopback, a secure context.
const wb = useWorkbench({ permissions: ["clipboard-read", "clipboard-write"] });
const bin = resolve(process.env.SMALLFRY_BIN ?? "../build/bin/smallfry");
const oddParquet = (file: string) => resolve("../backend/lake/testdata/parquet", file);

/** Puts a file of backend/lake/testdata/parquet into the lake as table's only file; returns its path. */
function lakeFile(table: string, file: string): string {
  const dir = join(wb.server.workspace, "lake", table);
  mkdirSync(dir, { recursive: true });
  const dst = join(dir, "part-0.parquet");
  copyFileSync(oddParquet(file), dst);
  return dst;
}

const lakeItem = (page: Page, name: string) => page.locator(`[data-testid=lake-item][data-name="${name}"]`);

describe("saves that open again", () => {
  it("leaves the parameters tag behind on Duplicate, repairs a name used twice on save, and the file opens and runs headless", async () => {
    const page = wb.page;
    const params = { ...pythonCell("params", "n = 2"), metadata: { tags: ["parameters"] } };
    const path = writeNotebook(wb.server, "saves-reopen", [params, sqlCell("a", "SELECT $n AS n"), sqlCell("b", "SELECT n + 1 AS n FROM sales")]);
    await openNotebook(page, wb.server, path);

    // Duplicate the parameters cell: the copy is no second parameters cell.
    await cell(page, "params").click();
    await toolbarAction(page, "duplicate");
    const copy = await selectedCellId(page);
    expect(copy).not.toBe("params");
    expect(await cell(page, "params").getByTestId("cell-type").inputValue()).toBe("parameters");
    expect(await cell(page, copy).getByTestId("cell-type").inputValue()).toBe("python");
    await toolbarAction(page, "delete-cell"); // its Python would need a kernel in the headless run
    await expect.poll(() => page.getByTestId("cell").count()).toBe(3);

    // Two results named alike ignoring case: the second is marked, and saving renames it.
    await cell(page, "a").getByTestId("cell-name").fill("sales");
    await cell(page, "b").getByTestId("cell-name").fill("Sales");
    expect(await cell(page, "b").getByTestId("cell-name").getAttribute("aria-invalid")).toBe("true");
    expect(await cell(page, "a").getByTestId("cell-name").getAttribute("aria-invalid")).toBeNull();
    await page.getByTestId("save").click();
    const notice = page.getByTestId("notice");
    await expect.poll(() => notice.textContent()).toContain('so it is now "Sales_2"');
    expect(await cell(page, "b").getByTestId("cell-name").inputValue()).toBe("Sales_2");
    expect(await page.getByTestId("save").isDisabled()).toBe(true); // the repaired cells are what is saved

    const file = join(wb.server.workspace, "notebooks", path);
    const saved = JSON.parse(readFileSync(file, "utf8"));
    expect(saved.cells.map((c: { metadata: { smallfry?: { name?: string } } }) => c.metadata.smallfry?.name ?? null)).toEqual([null, "sales", "Sales_2"]);

    // It opens again without an error, and `smallfry run` runs it.
    await openNotebook(page, wb.server, path);
    await cell(page, "b").waitFor();
    expect(await page.getByTestId("error-banner").count()).toBe(0);
    expect(await cell(page, "b").getByTestId("cell-name").inputValue()).toBe("Sales_2");
    const ran = await runCommand(bin, ["run", "--workspace", wb.server.workspace, file]);
    expect(ran.code, ran.stderr).toBe(0);
  });
});

describe("notebooks from elsewhere", () => {
  it("opens a notebook opening used to refuse (two parameters cells, a tag with a comma), repaired, and saving writes a file that runs", async () => {
    const page = wb.page;
    const p1 = { ...pythonCell("p1", "n = 2"), metadata: { tags: ["parameters"] } };
    const p2 = { ...sqlCell("p2", "SELECT $n AS n"), metadata: { smallfry: { kind: "sql" }, tags: ["parameters", "nightly,report"] } };
    const path = writeNotebook(wb.server, "from-elsewhere", [p1, p2]);
    await openNotebook(page, wb.server, path);
    const notice = page.getByTestId("notice");
    await expect.poll(() => notice.textContent()).toMatch(/^Opened with repairs/);
    expect(await notice.textContent()).toContain("only one cell may be tagged parameters");
    expect(await page.getByTestId("error-banner").count()).toBe(0);
    expect(await cell(page, "p2").locator(".badge", { hasText: "parameters" }).count()).toBe(0);

    await page.getByTestId("save").click();
    await expect.poll(() => notice.textContent()).toBe("Saved.");
    const file = join(wb.server.workspace, "notebooks", path);
    expect(JSON.parse(readFileSync(file, "utf8")).cells[1].metadata.tags).toEqual(["nightly", "report"]);
    const ran = await runCommand(bin, ["run", "--workspace", wb.server.workspace, file]);
    expect(ran.code, ran.stderr).toBe(0);
  });
});

describe("the lake's files from elsewhere", () => {
  it("reads footers DuckDB reads, notes a miscounted one, and names a broken file in its problem and its preview's error", async () => {
    const page = wb.page;
    lakeFile("from_arrow", "key-without-value.parquet");
    lakeFile("miscounted", "row-count-differs.parquet");
    const broken = lakeFile("huge_footer", "footer-claims-2gib.parquet");
    await openNotebook(page, wb.server, writeNotebook(wb.server, "lake-odd", [sqlCell("first", "")]));
    await page.getByTestId("tab-lake").click();

    const arrow = lakeItem(page, "from_arrow");
    await expect.poll(() => arrow.locator(".sf-lake-meta").first().textContent()).toMatch(/^3 rows/);
    expect(await arrow.getByTestId("lake-problem").count()).toBe(0);

    const miscounted = lakeItem(page, "miscounted");
    expect(await miscounted.locator(".sf-lake-meta").first().textContent()).toMatch(/^3 rows/);
    expect(await miscounted.getByTestId("lake-problem").getAttribute("title")).toContain("its footer says 10 rows but its row groups hold 3");

    const huge = lakeItem(page, "huge_footer");
    expect(await huge.getByTestId("lake-problem").getAttribute("title")).toContain(broken);

    // Previewing it is the user's problem (400, not 500), and says which file.
    const answered = page.waitForResponse((r) => r.url().includes("/PreviewLake"));
    await huge.getByTestId("lake-preview").click();
    expect((await answered).status()).toBe(400);
    await expect.poll(() => page.getByTestId("app-error").textContent()).toContain(broken);

    // The readable ones preview, in the preview pane.
    await arrow.getByTestId("lake-preview").click();
    const pane = page.getByTestId("lake-preview-pane");
    await expect.poll(() => pane.getByTestId("result-grid").getAttribute("data-rows").catch(() => null)).toBe("3");
  });

  it("quotes a table named like a SQL keyword when Insert or Query this writes it", async () => {
    const page = wb.page;
    lakeFile("binary", "plain.parquet");
    lakeFile("select", "plain.parquet");
    await openNotebook(page, wb.server, writeNotebook(wb.server, "lake-keywords", [sqlCell("first", "")]));
    await typeInto(page, "first", "SELECT count(*) AS n FROM ");
    await page.getByTestId("tab-lake").click();
    await lakeItem(page, "binary").getByTestId("lake-insert").click();
    await expect.poll(() => editorText(page, "first")).toBe('SELECT count(*) AS n FROM "binary"');
    await cell(page, "first").getByTestId("cell-run").click();
    await waitStatus(page, "first", "done");

    await lakeItem(page, "select").getByTestId("lake-query").click();
    await expect.poll(() => page.getByTestId("cell").count()).toBe(2);
    const query = await selectedCellId(page);
    await waitStatus(page, query, "done");
    expect(await editorText(page, query)).toBe('SELECT * FROM "select" LIMIT 1000');
    expect(await gridRows(page, query)).toBe(3);
  });
});

describe("large strings", () => {
  // Strings passing 2 GiB in one window are tested in Go (backend/duckdb,
  // TestWindowOfHugeStrings): through the UI, the result table and DuckDB's
  // scan of it would take about 6.6 GB of this shared machine. Here the grid
  // shows the same cut, on values of 100 000 characters.
  it("shows a huge string cut, with its size, and the export keeps all of it", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, writeNotebook(wb.server, "large-strings", [sqlCell("first", "")]));
    await typeInto(page, "first", "SELECT i, repeat('x', 100000) AS s FROM range(3) r(i)");
    await page.keyboard.press("ControlOrMeta+Enter");
    await waitStatus(page, "first", "done");
    const grid = cell(page, "first").getByTestId("result-grid");
    await expect.poll(() => gridRows(page, "first")).toBe(3);
    const box = (await grid.boundingBox())!;
    // Row numbers take 40 px, then i (a number, 110 px) and s; rows are 34 px under a 36 px header.
    // Click the cell and copy it, again until the grid has taken the click
    // (its canvas lays out after the rows arrive).
    const copied = async () => {
      await page.mouse.click(box.x + 40 + 110 + 60, box.y + 36 + 17);
      await page.keyboard.press("ControlOrMeta+C");
      return page.evaluate(() => navigator.clipboard.readText());
    };
    await expect.poll(copied).toMatch(/^x{32768} … \[cut for the grid: 100000 bytes in all; export the result for the whole value\]$/);

    const status = cell(page, "first").getByTestId("export-status");
    await cell(page, "first").getByTestId("export-csv").click();
    await expect.poll(() => status.textContent()).toMatch(/^Exported/);
    const path = (await status.textContent())!.replace(/^.* to /, "").trim();
    const lines = readFileSync(path, "utf8").trim().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe(`0,${"x".repeat(100000)}`);
  });
});
