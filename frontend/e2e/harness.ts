// The browser tests' one harness: the real `smallfry serve` on a workspace,
// Debian's chromium, a fresh page per test, and the helpers every suite
// uses to drive notebooks and read what the server wrote. Processes are
// stopped by the PID they were given.
//
// A suite calls useWorkbench() at its top and reads wb.server and wb.page
// in its tests (getters: restartServer() replaces the server, and each test
// gets its own page).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, expect } from "vitest";
import type { CellStatus, RunRecord } from "../src/wire.gen";

const bin = resolve(process.env.SMALLFRY_BIN ?? "../build/bin/smallfry");

// ---- the server ----

export interface ServerOptions {
  /** The workspace folder; a fresh sample workspace in a temporary folder by default. */
  workspace?: string;
  /**
   * Environment for the server over the tests' own; a variable set to
   * undefined is removed. For example a PATH without Python, no
   * SMALLFRY_PYTHON, or DOCKER_HOST on a socket nobody listens on:
   * `{ PATH: emptyDir, SMALLFRY_PYTHON: undefined, DOCKER_HOST: "unix:///nonexistent.sock" }`.
   */
  env?: Record<string, string | undefined>;
  /** More `smallfry serve` arguments. */
  args?: string[];
}

export interface Server {
  url: string; // with the token
  origin: string;
  workspace: string;
  /** The options it was started with (workspace filled in). */
  options: ServerOptions & { workspace: string };
  proc: ChildProcess;
  /** What the server wrote to stderr so far (its log). */
  log(): string;
  /** Stops it (SIGTERM, or the signal given) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `smallfry serve` on a free loopback port and waits for its URL. */
export async function startServer(opts: ServerOptions = {}): Promise<Server> {
  const workspace = opts.workspace ?? mkdtempSync(join(tmpdir(), "smallfry-e2e-"));
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const proc = spawn(bin, ["serve", "--addr", "127.0.0.1:0", "--no-browser", "--workspace", workspace, ...(opts.args ?? [])], {
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
  let stderr = "";
  proc.stderr!.on("data", (d) => {
    stderr += d;
    if (stderr.length > 1 << 20) stderr = stderr.slice(-(1 << 19)); // keep the tail of a chatty log
  });
  const exited = new Promise<void>((ok) => proc.on("exit", () => ok()));
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve did not print its URL in 60s; stderr:\n${stderr}`)), 60_000);
    proc.on("error", (e) => fail(new Error(`cannot start ${bin}: ${e.message} (set SMALLFRY_BIN)`)));
    proc.on("exit", (code, signal) => fail(new Error(`serve exited with ${code ?? signal}; stderr:\n${stderr}`)));
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      const m = /serving at (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
  });
  return {
    url,
    origin: new URL(url).origin,
    workspace,
    options: { ...opts, workspace },
    proc,
    log: () => stderr,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
}

export function removeWorkspace(s: Server) {
  rmSync(s.workspace, { recursive: true, force: true });
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

// ---- a suite: one server and one browser, a page per test ----

export interface WorkbenchOptions {
  /** How the suite's server starts (see ServerOptions). */
  server?: ServerOptions;
  /** Browser permissions granted to the server's origin, e.g. clipboard-read. */
  permissions?: string[];
}

export interface Workbench {
  /** The suite's server: the one restartServer started last. */
  readonly server: Server;
  readonly browser: Browser;
  /** This test's browser context and page (fresh for each test). */
  readonly context: BrowserContext;
  readonly page: Page;
  /**
   * Stops the server (with signal, SIGTERM by default: SIGKILL to crash it)
   * and starts another on the same workspace, with the suite's options and
   * these over them. Later reads of `server` give the new one.
   */
  restartServer(opts?: ServerOptions & { signal?: NodeJS.Signals }): Promise<Server>;
}

/**
 * Registers the hooks that start the server and the browser before the
 * suite's tests, give each test a fresh page, and stop and remove all of it
 * afterwards. Call it once, at the top of a test file.
 */
export function useWorkbench(opts: WorkbenchOptions = {}): Workbench {
  let server: Server | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  const made = new Set<string>(); // workspaces the harness made, removed at the end
  const start = async (o: ServerOptions) => {
    const s = await startServer(o);
    if (!o.workspace) made.add(s.workspace);
    return s;
  };
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`no ${what} yet: useWorkbench's hooks give it to tests, not to code that runs while the file loads`);
    return v;
  };

  beforeAll(async () => {
    [server, browser] = await Promise.all([start(opts.server ?? {}), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    for (const ws of made) rmSync(ws, { recursive: true, force: true });
  });
  beforeEach(async () => {
    const s = need(server, "server");
    context = await need(browser, "browser").newContext({ viewport: { width: 1400, height: 900 } });
    if (opts.permissions?.length) await context.grantPermissions(opts.permissions, { origin: s.origin });
    page = await context.newPage();
    page.on("pageerror", (e) => console.error("page error:", e.message));
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === "fail" && server) {
      const tail = server.log().split("\n").slice(-40).join("\n");
      console.error(`server log (last lines) for "${ctx.task.name}":\n${tail}`);
    }
    await context?.close();
    context = page = undefined;
  });

  return {
    get server() {
      return need(server, "server");
    },
    get browser() {
      return need(browser, "browser");
    },
    get context() {
      return need(context, "browser context");
    },
    get page() {
      return need(page, "page");
    },
    async restartServer({ signal, ...more } = {}) {
      const old = need(server, "server");
      await old.stop(signal);
      const o = old.options;
      server = await start({ ...o, ...more, env: { ...o.env, ...more.env }, workspace: more.workspace ?? o.workspace });
      return server;
    },
  };
}

// ---- the page ----

/** Opens the workbench on a notebook and waits for its cells. */
export async function openNotebook(page: Page, server: Server, path: string) {
  const u = new URL(server.url);
  u.hash = `nb=${encodeURIComponent(path)}`;
  await page.goto(u.toString());
  await page.getByTestId("notebook").waitFor();
}

/** The cell element of a cell id. */
export const cell = (page: Page, id: string) => page.locator(`[data-testid=cell][data-cell-id="${id}"]`);

/** Waits for a cell to reach a status. */
export async function waitStatus(page: Page, id: string, status: CellStatus | "stale" | "idle", timeout = 30_000) {
  await page.waitForSelector(`[data-testid=cell][data-cell-id="${id}"][data-status="${status}"]`, { timeout });
}

/** Waits until the notebook has no run going (a second run would be refused). */
export async function settled(page: Page, timeout = 60_000) {
  await page.waitForSelector("[data-testid=run-all]:not([disabled])", { timeout });
}

/** Replaces a cell's text through its editor, as a user would. */
export async function typeInto(page: Page, id: string, text: string) {
  const editor = cell(page, id).locator(".cm-content");
  await editor.click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.type(text);
}

/** A cell's editor text, line by line as CodeMirror draws it. */
export const editorText = (page: Page, id: string) =>
  cell(page, id)
    .locator(".cm-line")
    .allTextContents()
    .then((lines) => lines.join("\n"));

/** The id of the selected cell. */
export const selectedCellId = async (page: Page) => (await page.locator("[data-testid=cell].selected").getAttribute("data-cell-id"))!;

/** The rows of a cell's result, as its grid says. */
export const gridRows = (page: Page, id: string) => cell(page, id).getByTestId("result-grid").getAttribute("data-rows").then(Number);

/** Waits until a Python cell's output (live or final) contains text. */
export async function waitOutput(page: Page, id: string, text: string, timeout = 30_000) {
  const out = cell(page, id).getByTestId("python-output");
  await expect.poll(() => out.textContent().catch(() => ""), { timeout }).toContain(text);
}

// ---- the workspace ----

export type NotebookCell = Record<string, unknown>;

const lines = (source: string) => source.split(/(?<=\n)/).filter((l) => l !== "");

/** A SQL cell as the notebook file holds it; name makes its result a table. */
export const sqlCell = (id: string, source: string, name?: string): NotebookCell => ({
  cell_type: "code",
  execution_count: null,
  id,
  metadata: { smallfry: { kind: "sql", ...(name ? { name } : {}) } },
  outputs: [],
  source: lines(source),
});

/** A Python cell as the notebook file holds it. */
export const pythonCell = (id: string, source: string): NotebookCell => ({
  cell_type: "code",
  execution_count: null,
  id,
  metadata: {},
  outputs: [],
  source: lines(source),
});

/** The metadata of a notebook whose Python cells run on ipykernel. */
export const python3 = { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } };

/** Writes notebooks/<name>.ipynb of the given cells and returns its path as the UI names it. */
export function writeNotebook(server: Server, name: string, cells: NotebookCell[], metadata: Record<string, unknown> = {}): string {
  const nb = { cells, metadata, nbformat: 4, nbformat_minor: 5 };
  writeFileSync(join(server.workspace, "notebooks", `${name}.ipynb`), JSON.stringify(nb, null, 1));
  return `${name}.ipynb`;
}

/** The folder of the workspace's run records. */
export const runsDir = (server: Server) => join(server.workspace, ".smallfry", "runs");

/** The ids of the runs recorded so far, oldest first (ids sort by time). */
export const runIds = (server: Server) => readdirSync(runsDir(server)).sort();

/** A run's record, run.json. */
export const readRun = (server: Server, id: string): RunRecord => JSON.parse(readFileSync(join(runsDir(server), id, "run.json"), "utf8"));

/** The drafts (autosaved edits) in the workspace, as text. */
export function drafts(server: Server): string[] {
  const dir = join(server.workspace, ".smallfry", "drafts");
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => readFileSync(join(dir, f), "utf8"));
  } catch {
    return []; // no draft yet
  }
}
