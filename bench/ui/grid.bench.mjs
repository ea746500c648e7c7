// The results grid in Debian's chromium, against the real `smallfry serve`:
//   a) query completion -> first rows painted: from the cell's data-status
//      flipping to "done" (a MutationObserver in the page) to the grid's
//      window.__smallfryGridPainted for row 0;
//   b) go to row N and paint: from the Enter keydown in the toolbar's
//      go-to-row box (the event's own timestamp) to __smallfryGridPainted
//      for row N-1.
// Both timestamps of each figure are taken in the page (performance.now()),
// so no browser round trip is counted. The page also timestamps the "cell"
// event's arrival on the WebSocket and every /api/call/Window fetch, to show
// where the time goes.
//
// Usage (from anywhere): SMALLFRY_BIN=/abs/smallfry node bench/ui/grid.bench.mjs
// Environment: BENCH_RUNS (default 5), CHROMIUM (default /usr/bin/chromium).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
// playwright-core is the frontend's dev dependency: resolve it from there.
const { chromium } = createRequire(join(here, "../../frontend/package.json"))("playwright-core");

const BIN = process.env.SMALLFRY_BIN;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ROWS = 1_000_000;
const SQL = `SELECT range AS id, range % 97 AS a, range * 1.5 AS b, 'name ' || (range % 1000) AS c FROM range(${ROWS})`;
const FAR = [900_000, 100_000]; // the rows jumped to, alternately (as typed: 1-based)
const GOAL_MS = 100;
const STEP_TIMEOUT = 30_000;

if (!BIN) fail("set SMALLFRY_BIN to the smallfry binary");

let server; // { proc, workspace }
let browser;
// Whatever happens, stop what we started, by PID, and remove the workspace.
async function cleanup() {
  await browser?.close().catch(() => undefined);
  if (server) {
    const { proc } = server;
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((ok) => proc.once("exit", ok));
      process.kill(proc.pid, "SIGTERM");
      const t = setTimeout(() => proc.exitCode === null && process.kill(proc.pid, "SIGKILL"), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(server.workspace, { recursive: true, force: true });
    server = undefined;
  }
}
function fail(msg) {
  console.error(`grid bench: FAIL: ${msg}`);
  process.exitCode = 1;
  throw new Error(msg);
}
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => void cleanup().then(() => process.exit(130)));
const WHOLE_TIMEOUT = 300_000;
setTimeout(() => {
  console.error(`grid bench: FAIL: not done within ${WHOLE_TIMEOUT / 1000} s`);
  void cleanup().then(() => process.exit(1));
}, WHOLE_TIMEOUT).unref();

/** Starts `smallfry serve` on a fresh workspace; resolves with its URL (token included). */
async function startServer() {
  const workspace = mkdtempSync(join(tmpdir(), "smallfry-bench-ui-"));
  const proc = spawn(BIN, ["serve", "--addr", "127.0.0.1:0", "--no-browser", "--workspace", workspace], { stdio: ["ignore", "pipe", "pipe"] });
  server = { proc, workspace };
  let stderr = "";
  proc.stderr.on("data", (d) => (stderr += d));
  const url = await new Promise((ok, no) => {
    const timer = setTimeout(() => no(new Error(`serve printed no URL in 60 s; stderr:\n${stderr}`)), 60_000);
    proc.on("exit", (code) => no(new Error(`serve exited with ${code}; stderr:\n${stderr}`)));
    proc.on("error", no);
    createInterface({ input: proc.stdout }).on("line", (line) => {
      const m = /serving at (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
  });
  return url;
}

// Runs in the page before its scripts: timestamps the events and calls we break the figures into.
function instrument() {
  const marks = (window.__bench = { doneAt: undefined, cellEventAt: undefined, windows: [], keyAt: undefined });
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      // Added before the app's onmessage, so it runs first: the arrival time of the "cell" done event.
      this.addEventListener("message", (m) => {
        const s = String(m.data);
        if (s.includes('"name":"cell"') && s.includes('"status":"done"')) marks.cellEventAt = m.timeStamp;
      });
    }
  };
  const nativeFetch = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (!url.includes("/api/call/Window")) return nativeFetch(input, init);
    const rec = { start: performance.now(), body: init?.body ? String(init.body) : "" };
    marks.windows.push(rec);
    const res = await nativeFetch(input, init);
    rec.headers = performance.now();
    const buf = await res.clone().arrayBuffer();
    rec.end = performance.now();
    rec.bytes = buf.byteLength;
    return res;
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
/** The note of the run whose figure is the (lower) median. */
const atMedian = (runs) => [...runs].sort((x, y) => x[0] - y[0])[Math.floor((runs.length - 1) / 2)][1];
const fmt = (ms) => `${ms.toFixed(1).padStart(6)} ms`;

/** Waits for a grid paint of firstRow after `after` (page clock); returns its time. */
async function paintedAt(page, firstRow, after) {
  const h = await page
    .waitForFunction(
      ([row, t]) => {
        const p = window.__smallfryGridPainted;
        return p && p.firstRow === row && p.at >= t ? p.at : false;
      },
      [firstRow, after],
      { timeout: STEP_TIMEOUT, polling: "raf" },
    )
    .catch(() => undefined);
  if (!h) {
    const last = await page.evaluate(() => window.__smallfryGridPainted);
    fail(`no grid paint of row ${firstRow} within ${STEP_TIMEOUT / 1000} s (last paint: ${JSON.stringify(last)})`);
  }
  return h.jsonValue();
}

/** Runs the cell (Ctrl+Enter in its editor); returns {done, cellEvent, painted} in the page's clock. */
async function runCell(page, id) {
  const cell = page.locator(`[data-testid=cell][data-cell-id="${id}"]`);
  await page.evaluate((id) => {
    const b = window.__bench;
    b.doneAt = b.cellEventAt = undefined;
    b.windows = [];
    window.__smallfryGridPainted = undefined;
    const el = document.querySelector(`[data-testid=cell][data-cell-id="${id}"]`);
    b.observer?.disconnect();
    b.observer = new MutationObserver(() => {
      if (el.getAttribute("data-status") === "done" && b.doneAt === undefined) b.doneAt = performance.now();
    });
    b.observer.observe(el, { attributes: true, attributeFilter: ["data-status"] });
  }, id);
  await cell.locator(".cm-content").click();
  await page.keyboard.press("Control+Enter");
  await page
    .waitForFunction(() => window.__bench.doneAt !== undefined, null, { timeout: 120_000 })
    .catch(async () => fail(`the cell did not finish within 120 s (status ${await cell.getAttribute("data-status")})`));
  const { doneAt, cellEventAt } = await page.evaluate(() => window.__bench);
  const painted = await paintedAt(page, 0, doneAt);
  const windows = await page.evaluate(() => window.__bench.windows);
  return { done: doneAt, cellEvent: cellEventAt, painted, windows };
}

/** Types a row number into the go-to box and presses Enter; returns {key, painted}. */
async function goTo(page, id, row) {
  const box = page.locator(`[data-testid=cell][data-cell-id="${id}"] [data-testid=goto-row]`);
  await box.fill(String(row));
  await page.evaluate(() => {
    const b = window.__bench;
    b.keyAt = undefined;
    b.windows = [];
    const input = document.activeElement;
    // The keydown's own timestamp: when the key event was created, in performance.now()'s clock.
    input.addEventListener("keydown", (e) => e.key === "Enter" && (b.keyAt = e.timeStamp), { once: true, capture: true });
  });
  await box.press("Enter");
  const key = await page.evaluate(() => window.__bench.keyAt);
  if (key === undefined) fail("the Enter keydown was not seen on the go-to-row box");
  const painted = await paintedAt(page, row - 1, key);
  const first = await page.locator(`[data-testid=cell][data-cell-id="${id}"] [data-testid=result-grid]`).getAttribute("data-first-row");
  if (first !== String(row - 1)) fail(`after going to row ${row} the grid shows row ${first} first`);
  const windows = await page.evaluate(() => window.__bench.windows);
  return { key, painted, windows };
}

/** Where a figure's time went: the Window calls in it, relative to its start. */
function breakdown(start, end, windows) {
  const parts = windows
    .filter((w) => w.start >= start - 1 && w.start <= end)
    .map((w) => {
      const body = /"offset":(\d+),"limit":(\d+)/.exec(w.body);
      const what = body ? `rows ${body[1]}+${body[2]}` : "window";
      return `${what} fetch ${(w.start - start).toFixed(1)}..${(w.end - start).toFixed(1)} ms (${(w.bytes / 1024).toFixed(0)} KiB, first byte at ${(w.headers - start).toFixed(1)})`;
    });
  return parts.length ? parts.join("; ") : "no Window call (rows were cached)";
}

async function main() {
  const t0 = Date.now();
  const [url, b] = await Promise.all([
    startServer(),
    chromium.launch({
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
      timeout: 60_000,
    }),
  ]);
  browser = b;
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on("pageerror", (e) => console.error("  page error:", e.message));
  await page.addInitScript(instrument);
  const u = new URL(url);
  u.hash = "nb=tour.ipynb";
  await page.goto(u.toString());
  await page.getByTestId("notebook").waitFor({ timeout: STEP_TIMEOUT });
  await page.getByTestId("add-cell").click();
  const id = await page.locator("[data-testid=cell].selected").getAttribute("data-cell-id");
  if (!id) fail("no selected cell after Add cell");
  await page.locator(`[data-testid=cell][data-cell-id="${id}"] .cm-content`).click();
  await page.keyboard.press("Control+A");
  await page.keyboard.type(SQL);

  const firstRows = [];
  const jumps = new Map(FAR.map((r) => [r, []]));
  const firstBreaks = [];
  const jumpBreaks = [];
  // One untimed round warms DuckDB, the page's code paths and the server.
  for (let i = 0; i <= RUNS; i++) {
    if (i > 0) {
      // A rerun keeps the grid's scroll position: go back to the top first (untimed).
      await goTo(page, id, 1);
    }
    const r = await runCell(page, id);
    const rows = await page.locator(`[data-testid=cell][data-cell-id="${id}"] [data-testid=result-grid]`).getAttribute("data-rows");
    if (Number(rows) !== ROWS) fail(`the grid has ${rows} rows, expected ${ROWS}`);
    for (const far of FAR) {
      const j = await goTo(page, id, far);
      if (i > 0) {
        jumps.get(far).push(j.painted - j.key);
        if (far === FAR[0]) jumpBreaks.push([j.painted - j.key, breakdown(j.key, j.painted, j.windows)]);
      }
    }
    if (i > 0) {
      firstRows.push({ ms: r.painted - r.done, fromEvent: r.cellEvent !== undefined ? r.painted - r.cellEvent : NaN });
      const from = r.cellEvent ?? r.done;
      firstBreaks.push([r.painted - r.done, `status done at ${(r.done - from).toFixed(1)} ms, painted at ${(r.painted - from).toFixed(1)}; ${breakdown(from, r.painted, r.windows)}`]);
    }
  }

  const a = firstRows.map((x) => x.ms);
  const ev = firstRows.map((x) => x.fromEvent).filter((x) => !Number.isNaN(x));
  const allJumps = [...jumps.values()].flat();
  console.log(`chromium ${browser.version()} headless, 1400x900; ${ROWS.toLocaleString("en-US")}-row result, 4 columns; ${RUNS} runs each after 1 warm-up, median / max`);
  console.log(`  a) query done -> first rows painted   median ${fmt(median(a))}   max ${fmt(Math.max(...a))}   (goal <= ${GOAL_MS} ms)  ${median(a) <= GOAL_MS ? "ok" : "OVER"}`);
  if (ev.length)
    console.log(`     from the "cell" event's arrival     median ${fmt(median(ev))}   max ${fmt(Math.max(...ev))}   (WebSocket message -> paint)`);
  for (const [row, xs] of jumps)
    console.log(
      `  b) go to row ${row.toLocaleString("en-US").padEnd(7)} -> painted      median ${fmt(median(xs))}   max ${fmt(Math.max(...xs))}   (goal <= ${GOAL_MS} ms)  ${median(xs) <= GOAL_MS ? "ok" : "OVER"}`,
    );
  console.log(`     all jumps (${allJumps.length})                    median ${fmt(median(allJumps))}   max ${fmt(Math.max(...allJumps))}`);
  console.log(`  runs: a) ${a.map((x) => x.toFixed(1)).join(", ")} ms`);
  for (const [row, xs] of jumps) console.log(`        b) ${row}: ${xs.map((x) => x.toFixed(1)).join(", ")} ms`);
  console.log(`  where a) went (median run; ms from the "cell" event's arrival): ${atMedian(firstBreaks)}`);
  console.log(`  where b) went (median run to row ${FAR[0]}; ms from the keydown): ${atMedian(jumpBreaks)}`);
  console.log(`  (total ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

try {
  await main();
} catch (e) {
  if (!process.exitCode) console.error(`grid bench: FAIL: ${e?.stack ?? e}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
