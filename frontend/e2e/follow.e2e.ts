// Follow-ups to issue #12, in the browser against the real server: a
// session the server ended (the tab was silent past --tab-grace) is
// reopened transparently by whatever the user does next, its Python
// variables made again by running the cells defining them; collapsed outputs are saved as JupyterLab saves
// them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { cell, editCell, editorText, openNotebook, python3, pythonCell, settled, sqlCell, typeInto, useWorkbench, waitOutput, waitStatus, writeNotebook } from "./harness";

const grace = 3; // seconds: --tab-grace (heartbeats every second)
const wb = useWorkbench({ server: { args: ["--tab-grace", `${grace}s`] } });

/** The session of the notebook the page opened, from OpenNotebook's answer. */
function watchSession(page: Page): () => string {
  let session = "";
  page.on("response", (r) => {
    if (r.url().endsWith("/api/call/OpenNotebook") && r.ok()) void r.json().then((nb: { session: string }) => (session = nb.session));
  });
  return () => session;
}

/** Whether the server still has a session: asked as another tab, so the page's tab is not heard. */
const sessionAlive = (page: Page, session: string) =>
  page.evaluate(async (session) => {
    const res = await fetch("/api/call/Completions", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Smallfry-Tab": "poller" },
      body: JSON.stringify([session]),
      credentials: "same-origin",
    });
    return res.ok || !(await res.text()).includes("no open notebook");
  }, session);

describe("a session the server ended", () => {
  it("is reopened when the user runs a cell, keeping the edits, and its Python variables are made again", async () => {
    const page = wb.page;
    const session = watchSession(page);
    const path = writeNotebook(wb.server, "slept", [pythonCell("define", "x = 41"), pythonCell("use", "print(x + 1)")], python3);
    await openNotebook(page, wb.server, path);
    await page.getByTestId("run-all").click();
    await waitOutput(page, "use", "42", 60_000);
    await settled(page);
    // The user edits a cell; the edit reaches the draft.
    const autosaved = page.waitForResponse((r) => r.url().endsWith("/api/call/Autosave"));
    await typeInto(page, "use", "print(x + 2)");
    await autosaved;
    // The laptop sleeps: no heartbeat reaches the server, which ends the session.
    const old = session();
    expect(old).not.toBe("");
    await page.route("**/api/heartbeat", (r) => r.abort());
    await expect.poll(() => sessionAlive(page, old), { timeout: 60_000, interval: 500 }).toBe(false);
    await page.unroute("**/api/heartbeat");
    // It wakes; the user runs the edited cell.
    await editCell(page, "use");
    await page.keyboard.press("Shift+Enter");
    await waitOutput(page, "use", "43", 60_000);
    await expect.poll(() => page.getByTestId("notice").textContent()).toBe("The session had ended; reopened.");
    await expect.poll(() => page.getByTestId("error-banner").count()).toBe(0);
    // x came from the defining cell, run again in the new kernel, visibly.
    expect(await cell(page, "define").getAttribute("data-status")).toBe("done");
    expect(session()).not.toBe(old);
    expect(await editorText(page, "use")).toBe("print(x + 2)");
  });
  it("is reopened by the lake's Preview, the variables panel and Restart kernel, with no error", async () => {
    const page = wb.page;
    const session = watchSession(page);
    await openNotebook(page, wb.server, writeNotebook(wb.server, "slept-sql", [sqlCell("a", "SELECT 1 AS one", "one")]));
    await page.getByTestId("run-all").click();
    await waitStatus(page, "a", "done");
    await settled(page);
    /** The laptop sleeps until the server has ended the page's session; it gives that session. */
    const sleep = async () => {
      const old = session();
      expect(old).not.toBe("");
      await page.route("**/api/heartbeat", (r) => r.abort());
      await expect.poll(() => sessionAlive(page, old), { timeout: 60_000, interval: 500 }).toBe(false);
      await page.unroute("**/api/heartbeat");
      return old;
    };
    const reopened = async (old: string) => {
      await expect.poll(() => session()).not.toBe(old);
      expect(await page.getByTestId("error-banner").count()).toBe(0);
    };

    // The lake's Preview shows the table.
    let old = await sleep();
    await page.getByTestId("tab-lake").click();
    await page.locator('[data-testid=lake-item][data-name="Dim_Store"]').getByTestId("lake-preview").click();
    const pane = page.getByTestId("lake-preview-pane");
    await expect.poll(() => pane.getByTestId("result-grid").getAttribute("data-rows").catch(() => null)).toBe("48");
    await reopened(old);

    // The variables panel lists the new session's results: the reopen ran none.
    old = await sleep();
    const panel = page.getByTestId("side-panel");
    if ((await panel.getAttribute("data-open")) === "false") await panel.getByTestId("show-variables").click();
    else await panel.getByTestId("side-tab-variables").click();
    await expect.poll(() => page.getByTestId("variables-panel").textContent().catch(() => "")).toMatch(/None yet/);
    await reopened(old);

    // Restart kernel says there was none to restart.
    old = await sleep();
    await page.getByTestId("kernel-status").getByTestId("restart-kernel").click();
    await expect.poll(() => page.getByTestId("notice").textContent()).toMatch(/No Python kernel was running/);
    await reopened(old);
  });
});

/** The saved notebook file's cells' metadata, by cell id. */
const savedMeta = (name: string): Record<string, Record<string, unknown>> =>
  Object.fromEntries(
    (JSON.parse(readFileSync(join(wb.server.workspace, "notebooks", name), "utf8")) as { cells: { id: string; metadata: Record<string, unknown> }[] }).cells.map((c) => [c.id, c.metadata]),
  );

describe("collapsed outputs", () => {
  it("are saved as JupyterLab saves them and come back collapsed", async () => {
    const page = wb.page;
    const lab = sqlCell("lab", "SELECT 1 AS one");
    lab.metadata = { ...(lab.metadata as object), jupyter: { outputs_hidden: true }, collapsed: true };
    const path = writeNotebook(wb.server, "collapsing", [lab, sqlCell("q", "SELECT * FROM range(3)")]);
    await openNotebook(page, wb.server, path);
    await page.getByTestId("run-all").click();
    await waitStatus(page, "q", "done");
    await settled(page);
    // JupyterLab's collapsed cell opens collapsed; the other shows its grid.
    await cell(page, "lab").getByTestId("output-collapsed").waitFor();
    await cell(page, "q").getByTestId("result-grid").waitFor();
    // The user shows lab's output, collapses q's, and saves.
    await cell(page, "lab").getByTestId("output-collapsed").click();
    await cell(page, "lab").getByTestId("result-grid").waitFor();
    await cell(page, "q").getByTestId("toggle-output").click();
    await cell(page, "q").getByTestId("output-collapsed").waitFor();
    await page.getByTestId("save").click();
    await expect.poll(() => page.getByTestId("notice").textContent()).toBe("Saved.");
    const meta = savedMeta(path);
    expect(meta.q.jupyter).toEqual({ outputs_hidden: true });
    expect(meta.q.collapsed).toBe(true);
    expect(meta.lab.jupyter).toBeUndefined();
    expect(meta.lab.collapsed).toBeUndefined();
    // Opened again (a reload), q is collapsed and lab is not.
    await page.reload();
    await page.getByTestId("notebook").waitFor();
    await cell(page, "q").getByTestId("output-collapsed").waitFor();
    await cell(page, "lab").getByTestId("result-grid").waitFor();
    expect(await cell(page, "q").getByTestId("result-grid").count()).toBe(0);
  });
});

describe("a result name that is a SQL keyword", () => {
  it("is refused next to the field and by saving, and a good name then saves", async () => {
    const page = wb.page;
    const path = writeNotebook(wb.server, "keyword-name", [sqlCell("q", "SELECT 1 AS one")]);
    const before = readFileSync(join(wb.server.workspace, "notebooks", path), "utf8");
    await openNotebook(page, wb.server, path);
    const field = cell(page, "q").getByTestId("cell-name");
    await field.fill("select");
    const problem = cell(page, "q").getByTestId("cell-name-error");
    await expect.poll(() => problem.textContent()).toContain("“select” is a SQL keyword");
    expect(await field.getAttribute("aria-invalid")).toBe("true");
    await page.getByTestId("save").click();
    await expect.poll(() => page.getByTestId("error-banner").textContent()).toContain('result name "select" is a SQL keyword');
    expect(readFileSync(join(wb.server.workspace, "notebooks", path), "utf8")).toBe(before);
    // The user picks another name: the message goes, and it saves.
    await field.fill("picked");
    expect(await problem.count()).toBe(0);
    await page.getByTestId("save").click();
    await expect.poll(() => page.getByTestId("notice").textContent()).toBe("Saved.");
    expect((savedMeta(path).q.smallfry as { name?: string }).name).toBe("picked");
  });
});

describe("signing this browser out", () => {
  it("ends its sign-in from the account area; the printed link signs in again", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, "tour.ipynb");
    await page.getByTestId("browser-sign-out").click();
    await page.getByTestId("signed-out").waitFor();
    expect(await page.getByTestId("signed-out").textContent()).toContain("open the link smallfry serve printed");
    // The server no longer answers this browser.
    const status = await page.evaluate(async () => (await fetch("/api/call/Info", { method: "POST", body: "[]" })).status);
    expect(status).toBe(401);
    const res = await page.goto(wb.server.origin + "/");
    expect(res?.status()).toBe(401);
    // The printed link signs it in again.
    await openNotebook(page, wb.server, "tour.ipynb");
    await page.getByTestId("browser-sign-out").waitFor();
  });
});
