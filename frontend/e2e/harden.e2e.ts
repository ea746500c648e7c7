// The browser mode's hardening, against the real `smallfry serve` in
// chromium: a notebook's markdown and HTML outputs cannot reach the network
// (Content-Security-Policy), the cookie is a session id of the browser's
// own (never the token) that signing out revokes, charts still draw under
// the policy, and a closed tab's kernel ends after the grace period.
import { createServer, type Server as HTTPServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cell, editCell, openNotebook, python3, pythonCell, settled, sqlCell, useWorkbench, waitOutput, waitStatus, writeNotebook } from "./harness";

const grace = 5; // seconds: --tab-grace (heartbeats every 1.7 s)
const wb = useWorkbench({ server: { args: ["--tab-grace", `${grace}s`] } });

// A listener standing for the network: every request it gets is a leak.
let listener: HTTPServer;
let port = 0;
const requests: string[] = [];
beforeAll(async () => {
  listener = createServer((req, res) => {
    requests.push(req.url ?? "");
    res.writeHead(200, { "Content-Type": "image/png" });
    res.end();
  });
  await new Promise<void>((ok) => listener.listen(0, "127.0.0.1", ok));
  port = (listener.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((ok) => listener.close(() => ok())));

const remote = (name: string) => `http://127.0.0.1:${port}/${name}`;

/** Collects the page's Content-Security-Policy violations (what it refused to load). */
async function watchViolations(page: Page) {
  await page.addInitScript(() => {
    const w = window as unknown as { violations: string[] };
    w.violations = [];
    document.addEventListener("securitypolicyviolation", (e) => w.violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return () => page.evaluate(() => (window as unknown as { violations: string[] }).violations);
}

const markdownCell = (id: string, source: string) => ({ cell_type: "markdown", id, metadata: {}, source: source.split(/(?<=\n)/) });

describe("the Content-Security-Policy", () => {
  it("keeps a notebook's markdown and HTML output from reaching the network when it is opened", async () => {
    // Control: the same markup in a page without our policy does reach the
    // listener, so the browser would load it (the test could fail).
    const control = await wb.context.newPage();
    await control.setContent(`<img src="${remote("control.png")}">`);
    await expect.poll(() => requests.includes("/control.png")).toBe(true);
    await control.close();
    requests.length = 0;

    const page = wb.page;
    const violations = await watchViolations(page);
    const path = writeNotebook(
      wb.server,
      "remote-refs",
      [
        markdownCell("md", `# Remote\n\n![pixel](${remote("markdown.png")})\n\n<img src="${remote("markdown-html.png")}">\n`),
        pythonCell(
          "html",
          `from IPython.display import HTML, display\ndisplay(HTML('<img src="${remote("output.png")}"><link rel="stylesheet" href="${remote("output.css")}">'))\nprint("shown")`,
        ),
      ],
      python3,
    );
    await openNotebook(page, wb.server, path);
    await cell(page, "html").getByTestId("cell-run").click();
    await settled(page);
    await waitOutput(page, "html", "shown");

    // Opened again, the outputs come back from the run history.
    const again = await wb.context.newPage();
    const againViolations = await watchViolations(again);
    await openNotebook(again, wb.server, path);
    await cell(again, "html").locator(".output-html img").waitFor({ state: "attached" });
    for (const [p, seen] of [
      [page, violations],
      [again, againViolations],
    ] as const) {
      // The browser tried each load and the policy refused it...
      await expect
        .poll(seen, { timeout: 30_000 })
        .toEqual(expect.arrayContaining([expect.stringContaining("markdown.png"), expect.stringContaining("markdown-html.png"), expect.stringContaining("output.png")]));
      expect(await p.getByTestId("notebook").count()).toBe(1);
    }
    // ...so nothing reached the network.
    expect(requests).toEqual([]);
    await again.close();
  });

  it("still lets charts draw (Vega interprets its expressions: no eval)", async () => {
    const page = wb.page;
    const violations = await watchViolations(page);
    const chart = { data: { name: "sales" }, mark: "bar", encoding: { x: { field: "k", type: "nominal" }, y: { field: "v", type: "quantitative" } } };
    const c = sqlCell("chart", "SELECT 'a' AS k, 1 AS v UNION ALL SELECT 'b', 2", "sales");
    (c.metadata as { smallfry: Record<string, unknown> }).smallfry.chart = chart;
    await openNotebook(page, wb.server, writeNotebook(wb.server, "csp-chart", [c]));
    await cell(page, "chart").getByTestId("cell-run").click();
    await settled(page);
    await waitStatus(page, "chart", "done");
    await cell(page, "chart").locator('[data-testid=chart][data-rendered="true"]').waitFor();
    expect(await violations()).toEqual([]);
  });

  it("applies only the <style> elements that carry the page's nonce: the editor's do, others do not", async () => {
    const page = wb.page;
    const violations = await watchViolations(page);
    await openNotebook(page, wb.server, writeNotebook(wb.server, "csp-style", [sqlCell("q", "SELECT 1 AS one")]));
    // The editor mounts its styles (CodeMirror's base theme makes it a flex column).
    await editCell(page, "q");
    expect(await cell(page, "q").locator(".cm-editor").evaluate((el) => getComputedStyle(el).display)).toBe("flex");
    const nonce = await page.locator('meta[name="smallfry-style-nonce"]').getAttribute("content");
    expect(nonce).toMatch(/^[A-Z2-7]{26}$/);
    // A <style> element without the nonce, as injected markup would make, is refused.
    const applied = await page.evaluate(() => {
      const s = document.createElement("style");
      s.textContent = "body { margin-left: 321px !important; }";
      document.head.append(s);
      return getComputedStyle(document.body).marginLeft;
    });
    expect(applied).not.toBe("321px");
    await expect.poll(violations).toEqual([expect.stringMatching(/^style-src-elem inline$/)]);
  });
});

describe("the browser's sign-in", () => {
  it("is a session id of its own in the cookie, never the token, and signing out revokes it", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, "tour.ipynb");
    const token = new URL(wb.server.url).searchParams.get("token")!;
    const cookies = await wb.context.cookies(wb.server.origin);
    expect(cookies).toHaveLength(1);
    const [c] = cookies;
    expect(c.name).toBe(`smallfry-session-${new URL(wb.server.origin).port}`);
    expect(c.value).not.toContain(token);
    expect(c.value).toMatch(/^[0-9a-f]{64}$/);
    expect(c.httpOnly).toBe(true);
    expect(c.sameSite).toBe("Strict");
    expect(await page.evaluate(() => document.cookie)).toBe(""); // the page's code cannot read it

    const status = await page.evaluate(async () => (await fetch("/api/signout", { method: "POST" })).status);
    expect(status).toBe(204);
    // The stolen copy of the cookie is worth nothing now.
    const other = await wb.browser.newContext();
    await other.addCookies([{ ...c, sameSite: "Strict" }]);
    const res = await other.request.get(wb.server.origin + "/");
    expect(res.status()).toBe(401);
    await other.close();
  });
});

describe("a closed tab", () => {
  it("ends its notebook's kernel after the grace period, while an open tab keeps its own", async () => {
    const pidOf = async (page: Page, id: string) => {
      const text = (await cell(page, id).getByTestId("python-output").textContent()) ?? "";
      return Number(/pid (\d+)/.exec(text)![1]);
    };
    const running = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const pyNotebook = (name: string) => writeNotebook(wb.server, name, [pythonCell("py", "import os\nprint('pid', os.getpid())")], python3);

    const closing = await wb.context.newPage();
    await openNotebook(closing, wb.server, pyNotebook("tab-closed"));
    await cell(closing, "py").getByTestId("cell-run").click();
    await settled(closing);
    await waitOutput(closing, "py", "pid ");
    const closedPid = await pidOf(closing, "py");

    const page = wb.page;
    await openNotebook(page, wb.server, pyNotebook("tab-open"));
    await cell(page, "py").getByTestId("cell-run").click();
    await settled(page);
    await waitOutput(page, "py", "pid ");
    const openPid = await pidOf(page, "py");
    expect(running(closedPid) && running(openPid)).toBe(true);

    await closing.close();
    await expect.poll(() => running(closedPid), { timeout: 60_000 }).toBe(false);
    // The open tab beat all along: its kernel, and the variables in it, live on.
    expect(running(openPid)).toBe(true);
    await cell(page, "py").getByTestId("cell-run").click();
    await settled(page);
    await waitStatus(page, "py", "done");
    expect(await pidOf(page, "py")).toBe(openPid);
  });
});
