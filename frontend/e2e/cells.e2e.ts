// Cells in the browser against the real server: the type menu and keys,
// wrapped lines, the failing line marked, collapsing and clearing outputs,
// and execution counts that count.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { cell, editCell, openNotebook, python3, pythonCell, runIds, runsDir, settled, sqlCell, typeInto, useWorkbench, waitStatus, writeNotebook } from "./harness";

const wb = useWorkbench();

const kind = (page: Page, id: string) => cell(page, id).getAttribute("data-kind");
const typeShown = (page: Page, id: string) => cell(page, id).getByTestId("cell-type").inputValue();
const count = (page: Page, id: string) => cell(page, id).getByTestId("execution-count").textContent();

/** Selects a cell in command mode, as a click on its edge and Escape do. */
async function commandMode(page: Page, id: string) {
  await cell(page, id).click({ position: { x: 5, y: 5 } });
  await page.keyboard.press("Escape");
}

async function runCell(page: Page, id: string) {
  await cell(page, id).getByTestId("cell-run").click();
  await settled(page);
}

/** The saved notebook file, parsed. */
const savedFile = (name: string) => JSON.parse(readFileSync(join(wb.server.workspace, "notebooks", `${name}.ipynb`), "utf8"));

describe("the cell type", () => {
  it("shows in each cell's header and changes from its menu, saved as Jupyter reads it", async () => {
    const page = wb.page;
    const nb = writeNotebook(wb.server, "types-menu", [sqlCell("q", "SELECT 1 AS one", "one"), pythonCell("p", "year = 1997")], python3);
    await openNotebook(page, wb.server, nb);
    expect(await typeShown(page, "q")).toBe("sql");
    expect(await typeShown(page, "p")).toBe("python");
    await cell(page, "q").getByTestId("cell-type").selectOption("python");
    await expect.poll(() => kind(page, "q")).toBe("python");
    await cell(page, "p").getByTestId("cell-type").selectOption("parameters");
    await expect.poll(() => typeShown(page, "p")).toBe("parameters");
    await cell(page, "q").getByTestId("cell-type").selectOption("markdown");
    await expect.poll(() => kind(page, "q")).toBe("markdown");
    await page.keyboard.press("ControlOrMeta+S");
    await page.waitForSelector('[data-testid=notebook][data-dirty="false"]');
    const file = savedFile("types-menu");
    expect(file.cells[0].cell_type).toBe("markdown");
    expect(file.cells[0].metadata.smallfry).toBeUndefined(); // no result name on a markdown cell
    expect(file.cells[1].cell_type).toBe("code");
    expect(file.cells[1].metadata.tags).toEqual(["parameters"]);
  });

  it("takes the command keys right after Escape leaves the editor, as Jupyter does", async () => {
    const page = wb.page;
    const nb = writeNotebook(wb.server, "types-escape", [sqlCell("c", "SELECT 1")], python3);
    await openNotebook(page, wb.server, nb);
    await typeInto(page, "c", " AS one");
    await page.keyboard.press("Escape");
    await page.keyboard.press("y");
    await expect.poll(() => kind(page, "c")).toBe("python");
    await page.keyboard.press("b");
    await expect.poll(() => page.getByTestId("cell").count()).toBe(2);
  });

  it("changes with the command-mode keys S, Y, M, P and R, and Z undoes", async () => {
    const page = wb.page;
    const nb = writeNotebook(wb.server, "types-keys", [sqlCell("c", "SELECT 1"), { ...pythonCell("params", "n = 1"), metadata: { tags: ["parameters"] } }], python3);
    await openNotebook(page, wb.server, nb);
    expect(await typeShown(page, "params")).toBe("parameters");
    await commandMode(page, "c");
    for (const [key, want] of [
      ["y", "python"],
      ["m", "markdown"],
      ["s", "sql"],
      ["r", "raw"],
      ["s", "sql"],
    ] as const) {
      await page.keyboard.press(key);
      await expect.poll(() => typeShown(page, "c"), { message: `after ${key}` }).toBe(want);
    }
    await page.keyboard.press("p");
    await expect.poll(() => typeShown(page, "c")).toBe("parameters");
    // papermill reads one parameters cell: the old one gave up its tag.
    expect(await typeShown(page, "params")).toBe("python");
    await page.keyboard.press("z");
    await expect.poll(() => typeShown(page, "c")).toBe("sql");
    expect(await typeShown(page, "params")).toBe("parameters");
  });
});

describe("the editor", () => {
  it("wraps a long line, keeping its start in view", async () => {
    const page = wb.page;
    const long = "SELECT " + Array.from({ length: 40 }, (_, i) => `${i} AS column_number_${i}`).join(", ");
    const nb = writeNotebook(wb.server, "long-line", [sqlCell("long", long)]);
    await openNotebook(page, wb.server, nb);
    // As the notebook opens (the text, before an editor is built), then in the editor.
    for (const [box, lines] of [
      [".sf-static", ".sf-static-line"],
      [".cm-scroller", ".cm-line"],
    ]) {
      if (box === ".cm-scroller") await editCell(page, "long");
      const scroller = cell(page, "long").locator(box);
      const { scrollWidth, clientWidth } = await scroller.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
      expect(scrollWidth, box).toBeLessThanOrEqual(clientWidth);
      // One logical line, drawn on several rows.
      expect(await cell(page, "long").locator(lines).count(), lines).toBe(1);
      const line = await cell(page, "long").locator(lines).boundingBox();
      expect(line!.height, lines).toBeGreaterThan(40);
    }
  });

  it("marks the line a SQL error names, until the text changes", async () => {
    const page = wb.page;
    const nb = writeNotebook(wb.server, "sql-error-line", [sqlCell("bad", "SELECT 1;\nSELEC nonsense;\nSELECT 3")]);
    await openNotebook(page, wb.server, nb);
    await runCell(page, "bad");
    await waitStatus(page, "bad", "error");
    const marked = cell(page, "bad").getByTestId("error-line");
    await expect.poll(() => marked.count()).toBe(1);
    expect(await marked.textContent()).toBe("SELEC nonsense;");
    await typeInto(page, "bad", "SELECT 1");
    await expect.poll(() => marked.count()).toBe(0);
  });

  it.skipIf(!process.env.SMALLFRY_PYTHON)("marks the line a Python traceback names", async () => {
    const page = wb.page;
    const nb = writeNotebook(wb.server, "py-error-line", [pythonCell("bad", "x = 1\nprint(y)\nz = 3")], python3);
    await openNotebook(page, wb.server, nb);
    await runCell(page, "bad");
    await waitStatus(page, "bad", "error", 60_000);
    const marked = cell(page, "bad").getByTestId("error-line");
    await expect.poll(() => marked.count()).toBe(1);
    expect(await marked.textContent()).toBe("print(y)");
  });
});

describe("outputs", () => {
  it("collapse with O or the header's button, and show again", async () => {
    const page = wb.page;
    const nb = writeNotebook(wb.server, "collapse", [sqlCell("q", "SELECT * FROM range(5)")]);
    await openNotebook(page, wb.server, nb);
    await runCell(page, "q");
    await waitStatus(page, "q", "done");
    const grid = cell(page, "q").getByTestId("result-grid");
    await grid.waitFor();
    await commandMode(page, "q");
    await page.keyboard.press("o");
    await cell(page, "q").getByTestId("output-collapsed").waitFor();
    expect(await grid.count()).toBe(0);
    await page.keyboard.press("o");
    await grid.waitFor();
    await cell(page, "q").getByTestId("toggle-output").click();
    await cell(page, "q").getByTestId("output-collapsed").waitFor();
    await cell(page, "q").getByTestId("output-collapsed").click();
    await grid.waitFor();
    // Collapsing is saved, as in JupyterLab (e2e/follow.e2e.ts): an edit.
    expect(await page.getByTestId("notebook").getAttribute("data-dirty")).toBe("true");
  });

  it("clear, and stay cleared when the notebook opens again", async () => {
    const page = wb.page;
    const nb = writeNotebook(wb.server, "clear", [sqlCell("q", "SELECT 42 AS answer"), sqlCell("kept", "SELECT 1 AS one")]);
    await openNotebook(page, wb.server, nb);
    await page.getByTestId("run-all").click();
    await settled(page);
    await waitStatus(page, "kept", "done");
    await cell(page, "q").getByTestId("clear-output").click();
    await waitStatus(page, "q", "idle");
    expect(await cell(page, "q").getByTestId("cell-output").count()).toBe(0);
    await wb.restartServer(); // a new session: outputs come from the run history
    await openNotebook(page, wb.server, nb);
    await waitStatus(page, "kept", "done");
    expect(await cell(page, "q").getAttribute("data-status")).toBe("idle");
    expect(await cell(page, "q").getByTestId("cell-output").count()).toBe(0);
  });
});

describe("execution counts", () => {
  it("count every run in the session, as Jupyter's In [n], and are saved in the run's notebook", async () => {
    const page = wb.page;
    const nb = writeNotebook(wb.server, "counts", [sqlCell("a", "SELECT 1 AS a"), sqlCell("b", "SELECT 2 AS b")]);
    await openNotebook(page, wb.server, nb);
    expect(await count(page, "a")).toBe("[ ]");
    await runCell(page, "a");
    await expect.poll(() => count(page, "a")).toBe("[1]");
    await runCell(page, "a");
    await expect.poll(() => count(page, "a")).toBe("[2]");
    await runCell(page, "b");
    await expect.poll(() => count(page, "b")).toBe("[3]");
    const out = JSON.parse(readFileSync(join(runsDir(wb.server), runIds(wb.server).at(-1)!, "output.ipynb"), "utf8"));
    const counts = Object.fromEntries(out.cells.map((c: { id: string; execution_count: number | null }) => [c.id, c.execution_count]));
    expect(counts).toEqual({ a: 2, b: 3 });
    // Reopened later, the cells show the counts their last run gave them.
    await wb.restartServer();
    await openNotebook(page, wb.server, nb);
    await expect.poll(() => count(page, "b")).toBe("[3]");
    expect(await count(page, "a")).toBe("[2]");
  });
});
