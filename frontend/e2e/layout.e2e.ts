// Layout and look, as a user meets them: the toolbar on one row at 1280
// and 1024 px, the side panel that collapses and stays so, grids that say
// when columns are cut, charts as wide as their cell, the dark theme, the
// command palette, the shortcut sheet, the kernel's status and the
// variables panel.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { cell, editCell, editorText, openNotebook, python3, pythonCell, selectedCellId, settled, sqlCell, useWorkbench, waitStatus, writeNotebook } from "./harness";
import { openToolbarMenu } from "./toolbar";

const wb = useWorkbench();
const hasPython = !!process.env.SMALLFRY_PYTHON;

/** A page of its own at a window size (and colour scheme), on a notebook. */
async function pageAt(width: number, height: number, path: string, colorScheme: "light" | "dark" = "light") {
  const context = await wb.browser.newContext({ viewport: { width, height }, colorScheme });
  const page = await context.newPage();
  await openNotebook(page, wb.server, path);
  return { page, close: () => context.close() };
}

/** The toolbar's visible controls: their tops and bottoms, and those that stick out of the bar's sides. */
async function toolbarRows(page: Page) {
  return page.getByTestId("toolbar").evaluate((bar) => {
    const controls = [...bar.querySelectorAll<HTMLElement>("button, select, h2, .sf-kernel")].filter((el) => el.offsetParent !== null && !el.closest("[role=menu]"));
    const boxes = controls.map((el) => el.getBoundingClientRect());
    const edge = bar.getBoundingClientRect();
    return {
      height: edge.height,
      tops: boxes.map((b) => Math.round(b.top)),
      bottoms: boxes.map((b) => Math.round(b.bottom)),
      count: boxes.length,
      outside: controls.filter((_, i) => boxes[i].left < edge.left - 0.5 || boxes[i].right > edge.right + 0.5).map((el) => el.textContent || el.tagName),
    };
  });
}

const bg = (page: Page) => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
/** The colour of the first SQL keyword the page's editors show. */
const keywordColor = (page: Page) =>
  page.evaluate(() => {
    const span = [...document.querySelectorAll(".cm-content span, .sf-static-text span")].find((e) => /^(SELECT|FROM)$/i.test(e.textContent ?? ""));
    return span ? getComputedStyle(span).color : "";
  });
const brightness = (rgb: string) => rgb.match(/\d+/g)!.slice(0, 3).map(Number).reduce((a, b) => a + b, 0);
const isDark = (rgb: string) => {
  const [r, g, b] = rgb.match(/\d+/g)!.map(Number);
  return r + g + b < 3 * 80;
};

describe("layout", () => {
  for (const [width, height] of [
    [1280, 800],
    [1024, 700],
  ]) {
    it(`keeps the toolbar on one row at ${width} px, runs panel open or not, with the SQL engine picker or not`, async () => {
      // A notebook that names a cluster engine shows the SQL engine picker too.
      const engine = writeNotebook(wb.server, `engine-${width}`, [sqlCell("a", "SELECT 1")], { smallfry: { engine: "nightly" } });
      for (const path of ["tour.ipynb", engine]) {
        const { page, close } = await pageAt(width, height, path);
        try {
            for (const open of [true, false]) {
            const panel = page.getByTestId("side-panel");
            if ((await panel.getAttribute("data-open")) !== String(open)) await panel.getByTestId("toggle-history").click();
            await expect.poll(() => panel.getAttribute("data-open")).toBe(String(open));
            const rows = await toolbarRows(page);
            expect(rows.count).toBeGreaterThan(5);
            const runAll = (await page.getByTestId("run-all").boundingBox())!;
            // One row: every control overlaps the Run all button's line, and the bar is one control high.
            for (const [i, top] of rows.tops.entries()) {
              expect(top, `control ${i} starts below the first row`).toBeLessThan(runAll.y + runAll.height);
              expect(rows.bottoms[i]).toBeGreaterThan(runAll.y);
            }
            expect(rows.height).toBeLessThan(runAll.height * 2);
            // Nothing is cut off at the bar's ends.
            expect(rows.outside, `${path}: controls outside the toolbar`).toEqual([]);
            // The title stays readable, and the menu still has every action.
            expect((await page.getByTestId("notebook-title").boundingBox())!.width).toBeGreaterThanOrEqual(60);
            await page.getByTestId("toolbar-more").click();
            for (const id of ["run-from-here", "move-up", "move-down", "duplicate", "delete-cell", "runtime-kind", "theme-switch"]) {
              await page.getByTestId("toolbar-menu").getByTestId(id).waitFor();
            }
            // The engine picker is in the row, or in the menu where the row has no room.
            expect(await page.getByTestId("notebook-engine").count()).toBe(path === engine ? 1 : 0);
            // It says the notebook's engine, which these settings lack, not "this laptop".
            if (path === engine) expect(await page.getByTestId("notebook-engine").evaluate((el) => (el as HTMLSelectElement).selectedOptions[0]?.textContent)).toBe("nightly (not set up here)");
            await page.keyboard.press("Escape");
            await page.getByTestId("toolbar-menu").waitFor({ state: "detached" });
          }
        } finally {
          await close();
        }
      }
    });
  }

  it("collapses the side panel and remembers it across a reload", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, "tour.ipynb");
    const panel = page.getByTestId("side-panel");
    await expect.poll(() => panel.getAttribute("data-open")).toBe("true");
    const mainBefore = (await page.locator("main").boundingBox())!.width;
    await panel.getByTestId("toggle-history").click();
    await expect.poll(() => panel.getAttribute("data-open")).toBe("false");
    expect((await page.locator("main").boundingBox())!.width).toBeGreaterThan(mainBefore + 150);
    await page.reload();
    await page.getByTestId("notebook").waitFor();
    expect(await page.getByTestId("side-panel").getAttribute("data-open")).toBe("false");
    // The strip opens it on the variables too, and that is remembered.
    await page.getByTestId("side-panel").getByTestId("show-variables").click();
    await expect.poll(() => page.getByTestId("side-panel").getAttribute("data-tab")).toBe("variables");
    await page.reload();
    await page.getByTestId("notebook").waitFor();
    expect(await page.getByTestId("side-panel").getAttribute("data-open")).toBe("true");
    expect(await page.getByTestId("side-panel").getAttribute("data-tab")).toBe("variables");
  });

  it("marks clipped columns, shows cut text in full on hover, and scrolls to the rest", async () => {
    const long = "a long description of the product that no column of a normal width can show whole";
    const cols = Array.from({ length: 14 }, (_, i) => `${i} AS column_${i}`).join(", ");
    const nb = writeNotebook(wb.server, "wide", [sqlCell("w", `SELECT '${long}' AS description, ${cols} FROM range(3)`, "wide")]);
    const page = wb.page;
    await openNotebook(page, wb.server, nb);
    await page.getByTestId("run-all").click();
    await waitStatus(page, "w", "done");
    const grid = cell(page, "w").getByTestId("result-grid");
    const more = grid.getByTestId("grid-more-columns");
    await more.waitFor();
    // The first data cell holds the long text: hovering it gives its full text.
    // (Hovered again at each try: the first move may come before the grid has laid out its columns.)
    const hover = async (x: number) => {
      const box = (await grid.boundingBox())!;
      await page.mouse.move(box.x + x + 1, box.y + 36 + 17);
      await page.mouse.move(box.x + x, box.y + 36 + 17);
      return grid.getAttribute("title");
    };
    await expect.poll(() => hover(60)).toBe(long);
    // A short cell has no tooltip.
    await expect.poll(() => hover(230)).toBe(null);
    // The cue scrolls right; at the last column (the scrollbar dragged to the end) it goes.
    const scroller = grid.locator(".dvn-scroller");
    await more.click();
    await expect.poll(() => scroller.evaluate((s) => s.scrollLeft)).toBeGreaterThan(0);
    await scroller.evaluate((s) => s.scrollTo({ left: s.scrollWidth, behavior: "instant" }));
    await more.waitFor({ state: "detached" });
  });

  it("draws a chart as wide as its cell", async () => {
    const { page, close } = await pageAt(1280, 800, "sales-by-brand-and-country.ipynb");
    try {
      await page.getByTestId("run-all").click();
      await settled(page);
      const chart = cell(page, "by-country").locator('[data-testid=chart][data-rendered="true"]');
      await chart.waitFor();
      const drawn = (await chart.locator("canvas, svg").first().boundingBox())!;
      const room = (await cell(page, "by-country").locator(".cell-body").boundingBox())!;
      expect(drawn.width).toBeGreaterThan(room.width * 0.85);
    } finally {
      await close();
    }
  });

  it("follows the OS's dark setting, switches theme from the menu, and remembers the choice", async () => {
    const { page, close } = await pageAt(1280, 800, "tour.ipynb", "dark");
    try {
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
      expect(isDark(await bg(page))).toBe(true);
      // The editors' syntax colours follow: a keyword is light on dark.
      await expect.poll(() => keywordColor(page)).toMatch(/^rgb/);
      const onDark = brightness(await keywordColor(page));
      expect(onDark).toBeGreaterThan(3 * 150);
      await openToolbarMenu(page);
      await page.getByTestId("theme-switch").selectOption("light");
      await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe("light");
      expect(isDark(await bg(page))).toBe(false);
      expect(brightness(await keywordColor(page))).toBeLessThan(Math.min(onDark, 3 * 150));
      await page.reload();
      await page.getByTestId("notebook").waitFor();
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("light");
      await openToolbarMenu(page);
      expect(await page.getByTestId("theme-switch").inputValue()).toBe("light");
      await page.getByTestId("theme-switch").selectOption("system");
      await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    } finally {
      await close();
    }
  });

  it("runs actions from the command palette with a fuzzy filter", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, writeNotebook(wb.server, "palette", [sqlCell("a", "SELECT 1 AS one")]));
    const cells = page.getByTestId("cell");
    expect(await cells.count()).toBe(1);
    await editCell(page, "a"); // in an editor, the palette opens too
    await page.keyboard.press("Control+Shift+P");
    const palette = page.getByTestId("command-palette");
    await palette.waitFor();
    expect(await palette.getByTestId("palette-item").count()).toBeGreaterThan(10);
    await page.keyboard.type("ad pyth");
    await expect.poll(() => palette.getByTestId("palette-item").first().getAttribute("data-command")).toBe("add-python");
    await page.keyboard.press("Enter");
    await palette.waitFor({ state: "detached" });
    await expect.poll(() => cells.count()).toBe(2);
    expect(await cell(page, await selectedCellId(page)).getAttribute("data-kind")).toBe("python");
    // Nothing matches: it says so; Escape closes it and nothing runs.
    await page.keyboard.press("Control+Shift+P");
    await page.keyboard.type("zzqx");
    await palette.getByText("No command matches").waitFor();
    await page.keyboard.press("Escape");
    await palette.waitFor({ state: "detached" });
    expect(await cells.count()).toBe(2);
    // "rn al" runs everything.
    await page.keyboard.press("Control+Shift+P");
    await page.keyboard.type("rn al");
    await expect.poll(() => palette.getByTestId("palette-item").first().getAttribute("data-command")).toBe("run-all");
    await page.keyboard.press("Enter");
    await waitStatus(page, "a", "done");
  });

  it("shows the shortcut sheet on H in command mode, not while typing", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, writeNotebook(wb.server, "keys", [sqlCell("a", "SELECT 1")]));
    await editCell(page, "a");
    await page.keyboard.press("ControlOrMeta+End");
    await page.keyboard.type(" -- h");
    expect(await page.getByTestId("shortcut-sheet").count()).toBe(0);
    // Command mode by Escape: H shows the sheet and types nothing.
    await page.keyboard.press("Escape");
    await expect.poll(() => page.getByTestId("notebook").getAttribute("data-mode")).toBe("command");
    await page.keyboard.press("h");
    const sheet = page.getByTestId("shortcut-sheet");
    await sheet.waitFor();
    expect(await editorText(page, "a")).toBe("SELECT 1 -- h");
    await page.keyboard.press("Escape");
    await sheet.waitFor({ state: "detached" });
    // Command mode by clicking the cell beside its editor.
    await cell(page, "a").click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("h");
    await sheet.waitFor();
    expect(await sheet.textContent()).toMatch(/Shift\+Enter.*Run the cell/);
    expect(await sheet.textContent()).toMatch(/Command palette/);
    await page.keyboard.press("Escape");
    await sheet.waitFor({ state: "detached" });
  });

  it("says when Restart kernel has no kernel to restart", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, writeNotebook(wb.server, "sql-only", [sqlCell("a", "SELECT 1")]));
    const chip = page.getByTestId("kernel-status");
    expect(await chip.getAttribute("data-state")).toBe("none");
    await chip.getByTestId("restart-kernel").click();
    await expect.poll(() => page.getByTestId("notice").textContent()).toMatch(/No Python kernel was running/);
    expect(await chip.getAttribute("data-state")).toBe("none");
  });
});

describe.skipIf(!hasPython)("the kernel's status and the variables panel", () => {
  it("shows starting, busy, idle, restarting and dead, and lists results and variables", async () => {
    const gate = mkdtempSync(join(tmpdir(), "smallfry-gate-"));
    const go = join(gate, "go");
    try {
      const nb = writeNotebook(
        wb.server,
        "kernel-chip",
        [
          sqlCell("q", "SELECT range AS n, 'x' AS s FROM range(5)", "five"),
          pythonCell("wait", `import os, time\nwhile not os.path.exists(${JSON.stringify(go)}):\n    time.sleep(0.05)\ntotal = int(five.n.sum())\nlabel = "hello"`),
          pythonCell("die", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
        ],
        python3,
      );
      const page = wb.page;
      await openNotebook(page, wb.server, nb);
      const chip = page.getByTestId("kernel-status");
      expect(await chip.getAttribute("data-state")).toBe("none");
      await cell(page, "q").getByTestId("cell-run").click();
      await waitStatus(page, "q", "done");
      await cell(page, "wait").getByTestId("cell-run").click();
      // The cell waits for the file: the kernel is busy until the test writes it.
      await page.waitForSelector('[data-testid=kernel-status][data-state="busy"]', { timeout: 60_000 });
      expect(existsSync(go)).toBe(false);
      writeFileSync(go, "");
      await waitStatus(page, "wait", "done");
      await page.waitForSelector('[data-testid=kernel-status][data-state="idle"]');

      // The variables panel: the named result's size and Python's globals.
      const panel = page.getByTestId("side-panel");
      if ((await panel.getAttribute("data-open")) === "false") await panel.getByTestId("show-variables").click();
      else await panel.getByTestId("side-tab-variables").click();
      const vars = page.getByTestId("variables-panel");
      const five = vars.locator('[data-testid=var-result][data-name="five"]');
      await five.waitFor();
      expect(await five.getByTestId("var-rows").textContent()).toBe("5");
      expect(await five.getByTestId("var-columns").textContent()).toBe("2");
      const total = vars.locator('[data-testid=var-python][data-name="total"]');
      await total.waitFor();
      expect(await total.getByTestId("var-repr").textContent()).toBe("10");
      expect(await vars.locator('[data-testid=var-python][data-name="label"]').getByTestId("var-repr").textContent()).toBe("'hello'");
      expect(await vars.locator('[data-testid=var-python][data-name="os"]').count()).toBe(0); // modules are not variables

      // A restart says restarting… then idle, and clears Python's variables.
      await chip.getByTestId("restart-kernel").click();
      await expect.poll(() => page.getByTestId("notice").textContent(), { timeout: 60_000 }).toMatch(/Kernel restarted/);
      expect(await chip.getAttribute("data-state")).toBe("idle");
      await total.waitFor({ state: "detached" });

      // A kernel that dies shows dead.
      await cell(page, "die").getByTestId("cell-run").click();
      await page.waitForSelector('[data-testid=kernel-status][data-state="dead"]', { timeout: 60_000 });
    } finally {
      rmSync(gate, { recursive: true, force: true });
    }
  });
});
