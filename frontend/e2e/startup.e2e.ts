// Start fast and stay light (issue #12, item 10), as the page loads: the
// first screen's code is small, the notebook is asked for before the
// workspace's list, all the first screen shows is asked for before its
// first render (and that render has it all), the grid, Arrow and Vega come only when a result needs
// them, a cell's text shows before its editor's code has come, and the app
// opens where the user left it. (The cold-start and memory figures are
// make bench's: bench/desktop.)
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { cell, editorText, openNotebook, sqlCell, useWorkbench, writeNotebook } from "./harness";

const wb = useWorkbench();

/** The scripts the page fetched and the workbench calls it made, in order. */
function watch(page: Page) {
  const scripts: string[] = [];
  const calls: string[] = [];
  const sizes = new Map<string, number>();
  page.on("request", (r) => {
    const path = new URL(r.url()).pathname;
    if (path.endsWith(".js")) scripts.push(path.split("/").pop()!);
    if (path.startsWith("/api/call/")) calls.push(path.slice("/api/call/".length));
  });
  page.on("response", async (r) => {
    const path = new URL(r.url()).pathname;
    if (path.endsWith(".js")) sizes.set(path.split("/").pop()!, (await r.body().catch(() => Buffer.alloc(0))).length);
  });
  return { scripts, calls, sizes };
}

// Chunks named after their entry modules (vite): the grid's (ResultGrid,
// and glide-data-grid in the chunk of grid/look.ts), Arrow's
// and Vega's.
const heavy = /^(ResultGrid|look|Arrow|vega|embed|ChartView)[-.]/;

describe("start-up", () => {
  // First in the file: the fresh workspace's tour has no outputs yet.
  it("loads a small first screen, asks for the notebook first, and the grid's code only with a result", async () => {
    const { page } = wb;
    const seen = watch(page);
    await openNotebook(page, wb.server, "tour.ipynb");
    // Each cell's text, coloured as its editor colours it, and no editor built until one is edited.
    await cell(page, "peek").locator(".sf-static-text .sf-tok-keyword", { hasText: "SELECT" }).first().waitFor();
    expect(await page.locator(".cm-editor").count()).toBe(0);
    const entry = seen.scripts.find((s) => /^index-.*\.js$/.test(s));
    expect(entry, `scripts: ${seen.scripts.join(", ")}`).toBeTruthy();
    await expect.poll(() => seen.sizes.get(entry!)).toBeGreaterThan(0);
    // 1.40 MB before the split; the editor (CodeMirror) is a chunk of its own.
    expect(seen.sizes.get(entry!)).toBeLessThan(450_000);
    expect(seen.scripts.some((s) => s.startsWith("editor-"))).toBe(true);
    // OpenNotebook leaves before Info: the notebook opens while the list loads.
    expect(seen.calls).toContain("OpenNotebook");
    expect(seen.calls.indexOf("OpenNotebook")).toBeLessThan(seen.calls.indexOf("Info"));
    expect(seen.scripts.filter((s) => heavy.test(s))).toEqual([]);

    // Editing builds that cell's editor, with the caret where the text was clicked.
    const line = cell(page, "peek").locator(".sf-static-line", { hasText: "SELECT" });
    const box = (await line.boundingBox())!;
    await page.mouse.click(box.x + box.width - 4, box.y + box.height / 2); // past the end of the line
    await cell(page, "peek").locator(".cm-editor.cm-focused").waitFor();
    expect(await page.locator(".cm-editor").count()).toBe(1);
    await page.keyboard.type(" -- at the end");
    await expect.poll(() => editorText(page, "peek")).toContain("LIMIT 100 -- at the end");
    await cell(page, "peek").getByTestId("cell-run").click();
    await cell(page, "peek").getByTestId("result-grid").waitFor();
    await expect.poll(() => cell(page, "peek").getByTestId("result-grid").getAttribute("data-rows").then(Number)).toBe(100);
    expect(seen.scripts.some((s) => s.startsWith("ResultGrid-"))).toBe(true);
    expect(seen.scripts.some((s) => s.startsWith("Arrow"))).toBe(true);
    // No chart in this notebook: Vega never came.
    expect(seen.scripts.filter((s) => /^(vega|embed)[-.]/.test(s))).toEqual([]);
  });

  it("shows each cell's text before the editor's code has come, and the editor takes over in place", async () => {
    const { page } = wb;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route(/\/assets\/editor-[^/]*\.js$/, async (route) => {
      await held;
      await route.continue();
    });
    await openNotebook(page, wb.server, "tour.ipynb");
    const peek = cell(page, "peek");
    const text = peek.getByTestId("static-code");
    await expect.poll(() => text.textContent()).toContain("SELECT * FROM Fact_Sales LIMIT 100");
    expect(await page.locator(".cm-content").count()).toBe(0);
    const before = await text.boundingBox();
    // A click on the text asks for the editor: it takes the keys once it is there.
    await text.click();
    release();
    await peek.locator(".cm-editor.cm-focused").waitFor();
    expect(await peek.getByTestId("static-code").count()).toBe(0);
    const after = await peek.locator(".cm-editor").boundingBox();
    // Where the text was, and about as tall (one line's height at most apart).
    expect(Math.abs(after!.y - before!.y)).toBeLessThan(2);
    expect(Math.abs(after!.height - before!.height)).toBeLessThan(20);
    await page.keyboard.press("ControlOrMeta+End");
    await page.keyboard.type(" -- typed");
    await expect.poll(() => editorText(page, "peek")).toMatch(/ -- typed$/);
  });

  it("opens the notebook that was open when the app closed", async () => {
    const { page } = wb;
    await openNotebook(page, wb.server, "tour.ipynb");
    await page.locator('[data-testid=notebook-link][data-path="events-etl.ipynb"]').click();
    await expect.poll(() => page.getByTestId("notebook-title").textContent()).toContain("events-etl");
    // A new start of the app: no address of a notebook.
    await page.goto(new URL("/", wb.server.origin).toString());
    await expect.poll(() => page.getByTestId("notebook-title").textContent()).toContain("events-etl");
    // The remembered notebook deleted meanwhile: the tour, without an error.
    await page.evaluate(() =>
      localStorage.setItem("smallfry.lastNotebook", JSON.stringify({ workspace: "/elsewhere", open: { "/elsewhere": "gone.ipynb" } })),
    );
    await page.goto(new URL("/", wb.server.origin).toString());
    await expect.poll(() => page.getByTestId("notebook-title").textContent()).toContain("tour");
    expect(await page.getByTestId("error-banner").count()).toBe(0);
  });

  it("opens a notebook with a saved preview as a plain table, without the grid's code or an editor", async () => {
    const { page } = wb;
    // The first test ran the tour's peek: after a restart (no live session),
    // its run record gives the preview.
    await wb.restartServer();
    const seen = watch(page);
    await openNotebook(page, wb.server, "tour.ipynb");
    const grid = cell(page, "peek").getByTestId("preview-grid");
    await grid.waitFor();
    expect(await grid.getAttribute("data-rows")).toBe("100");
    expect(await grid.locator("thead th").allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining("Id")]));
    expect(await grid.locator("tbody td.sf-preview-n").first().textContent()).toBe("1");
    // Only the rows in view (and a few more) are in the page; scrolling brings the last.
    expect(await grid.locator("tbody td.sf-preview-n").count()).toBeLessThan(40);
    await grid.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect.poll(() => grid.locator("tbody td.sf-preview-n").last().textContent()).toBe("100");
    expect(seen.scripts.filter((s) => heavy.test(s))).toEqual([]);
    expect(await page.locator(".cm-editor").count()).toBe(0);
  });

  it("asks for all the first screen shows before rendering it, once each, and renders it whole", async () => {
    const { page } = wb;
    // In the page, before its scripts: the calls sent, and what the app's
    // root holds in the first frame painted after React first put anything
    // in it (a requestAnimationFrame callback runs just before that paint).
    await page.addInitScript(() => {
      const w = window as unknown as { sfCalls: string[]; sfFirst?: { calls: string[]; has: Record<string, boolean> } };
      w.sfCalls = [];
      const send = window.fetch.bind(window);
      window.fetch = (input, init) => {
        const m = /\/api\/call\/(\w+)/.exec(String(input instanceof Request ? input.url : input));
        if (m) w.sfCalls.push(m[1]);
        return send(input, init);
      };
      new MutationObserver((_, obs) => {
        const root = document.getElementById("app");
        if (!root?.firstChild) return;
        obs.disconnect();
        const calls = [...w.sfCalls];
        requestAnimationFrame(() => {
          const has = (sel: string) => !!root.querySelector(sel);
          w.sfFirst = {
            calls,
            has: {
              cells: has("[data-testid=cell]"),
              notebookList: has('[data-testid=notebook-link][data-path="tour.ipynb"]'),
              account: has("[data-testid=account]"),
              runs: has("[data-testid=run-item]"),
              loading: /Loading/.test(root.textContent ?? ""),
            },
          };
        });
      }).observe(document, { childList: true, subtree: true });
    });
    await openNotebook(page, wb.server, "tour.ipynb");
    await page.getByTestId("run-item").first().waitFor();
    const got = await page.evaluate(() => {
      const w = window as unknown as { sfCalls: string[]; sfFirst: { calls: string[]; has: Record<string, boolean> } };
      return { sfCalls: w.sfCalls, sfFirst: w.sfFirst };
    });
    expect(got.sfFirst.calls).toEqual(expect.arrayContaining(["OpenNotebook", "Info", "Account", "Runs", "PublishedNotebooks"]));
    expect(got.sfFirst.has).toEqual({ cells: true, notebookList: true, account: true, runs: true, loading: false });
    // The components took the early answers: nothing asked twice.
    for (const call of ["OpenNotebook", "Info", "Account", "Runs", "PublishedNotebooks"]) {
      expect(got.sfCalls.filter((c) => c === call), call).toHaveLength(1);
    }
  });

  it("shows a published notebook's publish line in its first frame, from its file, before Airflow answers", async () => {
    const { page } = wb;
    // Published (its file says so) to an Airflow that is not there: the
    // live state can only come late, with the problem.
    const path = writeNotebook(wb.server, "published-first", [sqlCell("q", "SELECT 1")], {
      smallfry: {
        schedule: { airflow: "http://127.0.0.1:9", dag_id: "smallfry_published_first", cron: "0 3 * * *", timezone: "UTC", snapshot: "snapshots/x.ipynb", published_at: "2026-12-01T00:00:00Z" },
      },
    });
    await page.addInitScript(() => {
      const w = window as unknown as { sfLine?: string | null };
      new MutationObserver((_, obs) => {
        const root = document.getElementById("app");
        if (!root?.querySelector("[data-testid=cell]")) return;
        obs.disconnect();
        // What the frame that first shows the cells shows of the schedule.
        requestAnimationFrame(() => (w.sfLine = root.querySelector("[data-testid=published-text]")?.textContent ?? null));
      }).observe(document, { childList: true, subtree: true });
    });
    await openNotebook(page, wb.server, path);
    await expect.poll(() => page.evaluate(() => (window as unknown as { sfLine?: string | null }).sfLine)).toMatch(/03:00/);
    // The publish line stays, and the toolbar offers no second Publish.
    await page.getByTestId("published-line").waitFor();
    expect(await page.getByTestId("publish").count()).toBe(0);
  });
});
