// State that never lies, in the browser against the real server: a new
// notebook's first cell is SQL, a cell never fails for a named result the
// session has not made, switching notebooks keeps live results, cells a
// failed run did not reach say "not run", recovered drafts are unsaved,
// "Saved." lasts until the next edit, past runs show their timings, charts
// come back after reopening, a lake preview is not an edit, and cells asked
// to run during a run wait for it, as in Jupyter.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  cell,
  drafts,
  editCell,
  editorText,
  gridRows,
  openNotebook,
  python3,
  pythonCell,
  readRun,
  runIds,
  settled,
  sqlCell,
  typeInto,
  useWorkbench,
  waitOutput,
  waitStatus,
  writeNotebook,
} from "./harness";

const wb = useWorkbench();
const sales = "sales-by-brand-and-country.ipynb";

const statusText = (page: Page, id: string) => cell(page, id).getByTestId("cell-status").textContent();
const count = (page: Page, id: string) => cell(page, id).getByTestId("execution-count").textContent();

/** Records every status a cell shows from now on (a MutationObserver in the page), read with seenStatuses. */
async function watchStatuses(page: Page, id: string) {
  await page.evaluate((id) => {
    const w = window as unknown as { seen?: Record<string, string[]> };
    w.seen ??= {};
    const seen: string[] = (w.seen[id] = []);
    const el = document.querySelector(`[data-testid=cell][data-cell-id="${id}"]`)!;
    new MutationObserver(() => seen.push(el.getAttribute("data-status") ?? "")).observe(el, { attributes: true, attributeFilter: ["data-status"] });
  }, id);
}
const seenStatuses = (page: Page, id: string) => page.evaluate((id) => (window as unknown as { seen: Record<string, string[]> }).seen[id], id);

/** Runs the whole notebook and waits for the run to end. */
async function runAll(page: Page) {
  await page.getByTestId("run-all").click();
  await page.waitForSelector("[data-testid=run-all][disabled]").catch(() => undefined); // it may end before this looks
  await settled(page);
}

describe("a new notebook", () => {
  it("is a SQL notebook whose first cell runs SELECT 42", async () => {
    const page = wb.page;
    await page.goto(wb.server.url);
    await page.getByTestId("notebook").waitFor();
    await page.getByTestId("new-notebook").click();
    // Named in the app's own dialog (files.e2e.ts), not window.prompt.
    await page.getByTestId("name-dialog").getByTestId("name-input").fill("first-steps");
    await page.getByTestId("name-dialog").getByTestId("dialog-ok").click();
    await expect.poll(() => page.getByTestId("notebook-title").textContent()).toMatch(/^first-steps\.ipynb/);
    const first = page.getByTestId("cell").first();
    expect(await first.getAttribute("data-kind")).toBe("sql");
    expect(await first.getByTestId("cell-type").inputValue()).toBe("sql");
    const id = (await first.getAttribute("data-cell-id"))!;
    await typeInto(page, id, "SELECT 42");
    await page.keyboard.press("Shift+Enter");
    await waitStatus(page, id, "done");
    expect(await gridRows(page, id)).toBe(1);
    expect(await cell(page, id).getByTestId("cell-error").count()).toBe(0);
    const file = JSON.parse(readFileSync(join(wb.server.workspace, "notebooks", "first-steps.ipynb"), "utf8"));
    expect(file.cells[0].metadata.smallfry.kind).toBe("sql");
  });
});

describe("named results", () => {
  it("after a restart, a cell runs the cell defining the result it reads first, visibly", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, sales);
    await runAll(page);
    await waitStatus(page, "top-brand", "done");
    // The app restarts: the grids of the last run come back, their tables do not.
    await wb.restartServer();
    await openNotebook(page, wb.server, sales);
    await waitStatus(page, "sales", "done");
    expect(await cell(page, "sales").getByTestId("preview-grid").count()).toBe(1);
    await watchStatuses(page, "sales");
    await cell(page, "top-brand").getByTestId("cell-run").click();
    await settled(page);
    await waitStatus(page, "top-brand", "done");
    expect(await cell(page, "top-brand").getByTestId("cell-error").count()).toBe(0);
    // sales ran first, and the user saw it: running, then done with its live grid.
    const seen = await seenStatuses(page, "sales");
    expect(seen).toContain("running");
    expect(seen.at(-1)).toBe("done");
    expect(await cell(page, "sales").getByTestId("result-grid").count()).toBe(1);
    expect(await count(page, "sales")).toBe("[1]");
    expect(await count(page, "top-brand")).toBe("[2]");
    const run = readRun(wb.server, runIds(wb.server).at(-1)!);
    expect(run.cells.map((c) => [c.id, c.status])).toEqual([
      ["sales", "ok"],
      ["top-brand", "ok"],
    ]);
  });

  it.skipIf(!process.env.SMALLFRY_PYTHON)("a Python cell reading a result gets it, not a NameError, after a restart", async () => {
    const page = wb.page;
    const nb = writeNotebook(wb.server, "py-reads", [sqlCell("totals", "SELECT 3 AS n", "totals"), pythonCell("reader", "print('rows', len(totals))")], python3);
    await openNotebook(page, wb.server, nb);
    await runAll(page);
    await waitStatus(page, "reader", "done");
    await wb.restartServer();
    await openNotebook(page, wb.server, nb);
    await cell(page, "reader").getByTestId("cell-run").click();
    await settled(page);
    await waitStatus(page, "reader", "done", 60_000);
    await waitOutput(page, "reader", "rows 1");
    expect(await cell(page, "reader").getByTestId("cell-error").count()).toBe(0);
    await waitStatus(page, "totals", "done");
  });

  it("switching to another notebook and back keeps the live results", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, sales);
    await runAll(page);
    await waitStatus(page, "top-brand", "done");
    const before = await count(page, "top-brand");
    await page.locator('[data-testid=notebook-link][data-path="tour.ipynb"]').click();
    await expect.poll(() => page.getByTestId("notebook-title").textContent()).toMatch(/^tour\.ipynb/);
    await page.locator(`[data-testid=notebook-link][data-path="${sales}"]`).click();
    await expect.poll(() => page.getByTestId("notebook-title").textContent()).toMatch(/^sales/);
    await waitStatus(page, "sales", "done");
    // Live: a grid over the session's table, not a preview of saved rows.
    expect(await cell(page, "sales").getByTestId("result-grid").count()).toBe(1);
    expect(await cell(page, "sales").getByTestId("preview-grid").count()).toBe(0);
    expect(await count(page, "top-brand")).toBe(before);
    // Running top-brand again needs no rerun of sales: the session has it.
    await watchStatuses(page, "sales");
    await cell(page, "top-brand").getByTestId("cell-run").click();
    await settled(page);
    await expect.poll(() => count(page, "top-brand")).not.toBe(before);
    expect(await seenStatuses(page, "sales")).toEqual([]);
  });
});

describe("a failed Run all", () => {
  it("shows the cells it did not reach as not run, also after a reload", async () => {
    const page = wb.page;
    const nb = writeNotebook(wb.server, "fails-later", [sqlCell("one", "SELECT 1 AS a"), sqlCell("two", "SELECT 2 AS b")]);
    await openNotebook(page, wb.server, nb);
    await runAll(page);
    await waitStatus(page, "two", "done");
    await typeInto(page, "one", "SELECT nope");
    await page.keyboard.press("Escape");
    await runAll(page);
    await waitStatus(page, "one", "error");
    await waitStatus(page, "two", "skipped");
    expect(await statusText(page, "two")).toBe("not run");
    expect(await cell(page, "two").getByTestId("cell-output").count()).toBe(0);
    const run = readRun(wb.server, runIds(wb.server).at(-1)!);
    expect(run.cells.find((c) => c.id === "two")?.status).toBe("skipped");
    await page.reload();
    await page.getByTestId("notebook").waitFor();
    await waitStatus(page, "two", "skipped");
    expect(await statusText(page, "two")).toBe("not run");
    expect(await cell(page, "two").getByTestId("cell-output").count()).toBe(0);
  });
});

describe("edits", () => {
  it("a recovered draft is unsaved, and Discard recovered changes brings the file back", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, "events-etl.ipynb");
    const id = (await page.locator("[data-testid=cell][data-kind=sql]").first().getAttribute("data-cell-id"))!;
    const saved = await editorText(page, id);
    await typeInto(page, id, "SELECT 'typed before the crash' AS note");
    await expect.poll(() => drafts(wb.server).some((d) => d.includes("typed before the crash"))).toBe(true);
    await wb.restartServer({ signal: "SIGKILL" });
    await openNotebook(page, wb.server, "events-etl.ipynb");
    await page.getByTestId("recovered-banner").waitFor();
    expect(await page.getByTestId("notebook").getAttribute("data-dirty")).toBe("true");
    expect(await editorText(page, id)).toContain("typed before the crash");
    await page.getByTestId("discard-recovered").click();
    await page.waitForSelector('[data-testid=notebook][data-dirty="false"]');
    expect(await page.getByTestId("recovered-banner").count()).toBe(0);
    await expect.poll(() => editorText(page, id)).toBe(saved);
    expect(drafts(wb.server).some((d) => d.includes("typed before the crash"))).toBe(false);
    await page.reload();
    await page.getByTestId("notebook").waitFor();
    expect(await page.getByTestId("recovered-banner").count()).toBe(0);
  });

  it('"Saved." goes away on the next edit', async () => {
    const page = wb.page;
    const nb = writeNotebook(wb.server, "saved-notice", [sqlCell("q", "SELECT 1")]);
    await openNotebook(page, wb.server, nb);
    await typeInto(page, "q", "SELECT 2");
    await page.keyboard.press("ControlOrMeta+S");
    await expect.poll(() => page.getByTestId("notice").textContent().catch(() => "")).toBe("Saved.");
    await page.keyboard.type(" AS two");
    await page.waitForSelector('[data-testid=notebook][data-dirty="true"]');
    expect(await page.getByTestId("notice").count()).toBe(0);
  });
});

describe("what was run", () => {
  it("a past run shows each cell's time from its record, not done · 0 ms", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, sales);
    await runAll(page);
    await waitStatus(page, "top-brand", "done");
    const id = runIds(wb.server).at(-1)!;
    const rec = readRun(wb.server, id);
    await page.locator(`[data-testid=history-panel] [data-testid=run-item][data-run-id="${id}"]`).click();
    await page.getByTestId("readonly-banner").waitFor();
    for (const c of rec.cells) {
      const ms = c.durationMs < 1000 ? `${c.durationMs} ms` : `${(c.durationMs / 1000).toFixed(1)} s`;
      await expect.poll(() => statusText(page, c.id)).toBe(`done · ${ms}`);
    }
    expect(rec.cells.some((c) => c.durationMs > 0)).toBe(true);
  });

  it("charts are drawn again after reopening, and the chart editor opens with the saved spec", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, sales);
    await runAll(page);
    await cell(page, "by-country").locator('[data-testid=chart][data-rendered="true"]').waitFor();
    await wb.restartServer();
    await openNotebook(page, wb.server, sales);
    // No live table: the chart the last run drew.
    await cell(page, "by-country").locator('[data-testid=saved-chart][data-rendered="true"]').waitFor();
    expect(await cell(page, "by-country").locator("[data-testid=saved-chart] canvas").count()).toBe(1);
    // Run it (sales runs first), and open the chart editor: the saved spec, sort and titles too.
    await cell(page, "by-country").getByTestId("cell-run").click();
    await settled(page);
    await waitStatus(page, "by-country", "done");
    await cell(page, "by-country").locator('[data-testid=chart][data-rendered="true"]').waitFor();
    await cell(page, "by-country").getByTestId("chart-toggle").click();
    const editor = cell(page, "by-country").getByTestId("chart-editor");
    await editor.waitFor();
    expect(await editor.getByTestId("chart-mark").inputValue()).toBe("bar");
    expect(await editor.getByTestId("chart-x").inputValue()).toBe("Countries");
    expect(await editor.getByTestId("chart-y").inputValue()).toBe("Units");
    expect(await editor.getByTestId("chart-sort").inputValue()).toBe("-y");
    expect(await editor.getByTestId("chart-x-title").inputValue()).toBe("Country");
    expect(await editor.getByTestId("chart-y-title").inputValue()).toBe("Units sold");
  });

  it("Lake Preview opens a pane: no cell is inserted and the notebook stays saved", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, "tour.ipynb");
    const cells = await page.getByTestId("cell").count();
    await page.getByTestId("tab-lake").click();
    const store = page.locator('[data-testid=lake-item][data-name="Dim_Store"]');
    await store.getByTestId("lake-preview").click();
    const pane = page.getByTestId("lake-preview-pane");
    await expect.poll(() => pane.getByTestId("result-grid").getAttribute("data-rows").catch(() => null)).toBe("48");
    expect(await pane.textContent()).toContain("Dim_Store");
    expect(await page.getByTestId("cell").count()).toBe(cells);
    expect(await page.getByTestId("notebook").getAttribute("data-dirty")).toBe("false");
    // "Query this" is what makes it a cell.
    await pane.getByTestId("lake-preview-query").click();
    await expect.poll(() => page.getByTestId("cell").count()).toBe(cells + 1);
    await pane.getByTestId("lake-preview-close").click();
    expect(await page.getByTestId("lake-preview-pane").count()).toBe(0);
  });
});

describe.skipIf(!process.env.SMALLFRY_PYTHON)("cells asked to run during a run", () => {
  /** A notebook whose first cell runs until the test writes its gate file, then maybe fails. */
  const gated = (name: string, gate: string, fail: boolean) =>
    writeNotebook(
      wb.server,
      name,
      [
        pythonCell("wait", `import os, time\nwhile not os.path.exists(${JSON.stringify(gate)}):\n    time.sleep(0.05)\n${fail ? "raise ValueError('no')" : "x = 1"}`),
        sqlCell("b", "SELECT 2 AS two"),
        sqlCell("c", "SELECT 3 AS three"),
      ],
      python3,
    );
  const asked = async (page: Page) => {
    await cell(page, "wait").getByTestId("cell-run").click();
    await waitStatus(page, "wait", "running", 60_000);
    // The user runs b with its ▶ and c with Shift+Enter while wait runs.
    await cell(page, "b").getByTestId("cell-run").click();
    await editCell(page, "c");
    await page.keyboard.press("Shift+Enter");
    await waitStatus(page, "b", "queued");
    await waitStatus(page, "c", "queued");
    expect(await page.getByTestId("error-banner").count()).toBe(0);
  };

  it("run after it, in the order asked, with no error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "smallfry-gate-"));
    try {
      const page = wb.page;
      await openNotebook(page, wb.server, gated("queue-ok", join(dir, "go"), false));
      const before = runIds(wb.server).length;
      await asked(page);
      writeFileSync(join(dir, "go"), "");
      await waitStatus(page, "c", "done", 60_000);
      expect(await cell(page, "b").getAttribute("data-status")).toBe("done");
      expect(await cell(page, "wait").getAttribute("data-status")).toBe("done");
      await settled(page);
      expect(await page.getByTestId("error-banner").count()).toBe(0);
      // wait's run, then one run of b and c, in that order.
      const runs = runIds(wb.server).slice(before).map((id) => readRun(wb.server, id).cells.filter((c) => c.status !== "skipped").map((c) => c.id));
      expect(runs.slice(-2)).toEqual([["wait"], ["b", "c"]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("are not run when it fails", async () => {
    const dir = mkdtempSync(join(tmpdir(), "smallfry-gate-"));
    try {
      const page = wb.page;
      await openNotebook(page, wb.server, gated("queue-fail", join(dir, "go"), true));
      await asked(page);
      writeFileSync(join(dir, "go"), "");
      await waitStatus(page, "wait", "error", 60_000);
      await waitStatus(page, "b", "skipped");
      await waitStatus(page, "c", "skipped");
      await settled(page);
      expect(existsSync(join(dir, "go"))).toBe(true);
      expect(await cell(page, "c").textContent()).toMatch(/not run/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
