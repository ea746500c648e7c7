// Follow-ups to issue #12, in the browser against the real server: a
// session the server ended (the tab was silent past --tab-grace) is
// reopened transparently, its Python variables made again by running the
// cells defining them.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { cell, openNotebook, python3, pythonCell, settled, typeInto, useWorkbench, waitOutput, writeNotebook } from "./harness";

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
    await cell(page, "use").locator(".cm-content").click();
    await page.keyboard.press("Shift+Enter");
    await waitOutput(page, "use", "43", 60_000);
    await expect.poll(() => page.getByTestId("notice").textContent()).toBe("The session had ended; reopened.");
    await expect.poll(() => page.getByTestId("error-banner").count()).toBe(0);
    // x came from the defining cell, run again in the new kernel, visibly.
    expect(await cell(page, "define").getAttribute("data-status")).toBe("done");
    expect(session()).not.toBe(old);
    expect(await cell(page, "use").locator(".cm-content").textContent()).toBe("print(x + 2)");
  });
});
