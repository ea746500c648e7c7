// The browser tests' one harness: the real `smallfry serve` on a workspace,
// Debian's chromium, a fresh page per test, and the helpers every suite
// uses to drive notebooks and read what the server wrote; for the company
// sign-in, the test IdP, a MinIO of a suite's own and a search for leaked
// secrets. Processes are stopped by the PID they were given.
//
// A suite calls useWorkbench() at its top and reads wb.server and wb.page
// in its tests (getters: restartServer() replaces the server, and each test
// gets its own page).
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, expect } from "vitest";
import type { CellStatus, RunRecord } from "../src/wire.gen";

const bin = resolve(process.env.SMALLFRY_BIN ?? "../build/bin/smallfry");
const scripts = fileURLToPath(new URL("../../scripts/", import.meta.url));

// ---- the server ----

export interface ServerOptions {
  /** The workspace folder; a fresh sample workspace in a temporary folder by default. */
  workspace?: string;
  /**
   * Environment for the server over the tests' own; a variable set to
   * undefined is removed. For example a PATH without Python, no
   * SMALLFRY_PYTHON, or DOCKER_HOST on a socket nobody listens on:
   * `{ PATH: emptyDir, SMALLFRY_PYTHON: undefined, DOCKER_HOST: "unix:///nonexistent.sock" }`.
   * SMALLFRY_CONFIG_DIR (company settings, sealed sign-in) is a fresh
   * temporary folder unless given here: a test never reads or writes the
   * user's real config.
   */
  env?: Record<string, string | undefined>;
  /** More `smallfry serve` arguments. */
  args?: string[];
}

export interface Server {
  url: string; // with the token
  origin: string;
  workspace: string;
  /** Its SMALLFRY_CONFIG_DIR: the company settings and the sealed sign-in. */
  configDir: string;
  /** The options it was started with (workspace and SMALLFRY_CONFIG_DIR filled in: a restart keeps both). */
  options: ServerOptions & { workspace: string };
  proc: ChildProcess;
  /** What the server wrote to stderr so far (its log). */
  log(): string;
  /** What it wrote to stdout so far. */
  stdout(): string;
  /** Stops it (SIGTERM, or the signal given) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

// Config folders startServer made, removed with the workspace.
const madeConfigDirs = new Set<string>();

/** Starts `smallfry serve` on a free loopback port and waits for its URL. */
export async function startServer(opts: ServerOptions = {}): Promise<Server> {
  const workspace = opts.workspace ?? mkdtempSync(join(tmpdir(), "smallfry-e2e-"));
  let configDir = opts.env?.SMALLFRY_CONFIG_DIR;
  if (configDir === undefined) {
    configDir = mkdtempSync(join(tmpdir(), "smallfry-e2e-config-"));
    madeConfigDirs.add(configDir);
    opts = { ...opts, env: { ...opts.env, SMALLFRY_CONFIG_DIR: configDir } };
  }
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
  let stdout = "";
  proc.stdout!.on("data", (d) => {
    stdout += d;
    if (stdout.length > 1 << 20) stdout = stdout.slice(-(1 << 19));
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
    configDir,
    options: { ...opts, workspace },
    proc,
    log: () => stderr,
    stdout: () => stdout,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
}

/** Removes the server's workspace, and its config folder if startServer made it. */
export function removeWorkspace(s: Server) {
  rmSync(s.workspace, { recursive: true, force: true });
  removeConfigDir(s.configDir);
}

function removeConfigDir(dir: string) {
  if (madeConfigDirs.delete(dir)) rmSync(dir, { recursive: true, force: true });
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
  const configDirs = new Set<string>();
  const start = async (o: ServerOptions) => {
    const s = await startServer(o);
    if (!o.workspace) made.add(s.workspace);
    configDirs.add(s.configDir);
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
    for (const dir of configDirs) removeConfigDir(dir);
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
  // Every cell rendered: those below the first screen come a frame after it.
  await page.locator("[data-testid=notebook][data-complete=true]").waitFor();
}

/** The cell element of a cell id. */
export const cell = (page: Page, id: string) => page.locator(`[data-testid=cell][data-cell-id="${id}"]`);

/** Waits for a cell to reach a status. */
export async function waitStatus(page: Page, id: string, status: CellStatus | "stale" | "idle", timeout = 30_000) {
  await page.waitForSelector(`[data-testid=cell][data-cell-id="${id}"][data-status="${status}"]`, { timeout });
}

/** Waits until the notebook has no run going (cells asked to run meanwhile would wait for it). */
export async function settled(page: Page, timeout = 60_000) {
  await page.waitForSelector("[data-testid=run-all]:not([disabled])", { timeout });
}

/**
 * Clicks a cell's text, as a user does to edit it, and waits for its editor
 * to take the keys (a cell shows its text without an editor until then).
 */
export async function editCell(page: Page, id: string) {
  await cell(page, id).locator(".cell-editor").click();
  await cell(page, id).locator(".cm-editor.cm-focused").waitFor();
}

/** Replaces a cell's text through its editor, as a user would. */
export async function typeInto(page: Page, id: string, text: string) {
  await editCell(page, id);
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.type(text);
}

/** The code a cell shows, line by line, in its editor or as text before one (CellView's StaticCode). */
export const codeText = (where: Locator) =>
  where
    .locator(".cm-line, .sf-static-text")
    .allTextContents()
    .then((lines) => lines.map((l) => l.replace(/\u200b/g, "")).join("\n"));

/** A cell's code, line by line. */
export const editorText = (page: Page, id: string) => codeText(cell(page, id));

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

// ---- the peers: the test IdP and MinIO (scripts/peers.sh, scripts/minio.sh) ----

/** SMALLFRY_REQUIRE_PEERS=1: a missing peer fails the suite instead of skipping it. */
export const peersRequired = process.env.SMALLFRY_REQUIRE_PEERS === "1";

/** The test IdP (scripts/idp.sh) and its test account. */
export interface IdP {
  issuer: string;
  clientId: string;
  user: string;
  password: string;
}

/** The test IdP that scripts/peers.sh wrote to build/peers/env (SMALLFRY_IDP_*), if any. */
export function testIdP(): IdP | undefined {
  const e = process.env;
  if (!e.SMALLFRY_IDP_ISSUER) return undefined;
  return {
    issuer: e.SMALLFRY_IDP_ISSUER,
    clientId: e.SMALLFRY_IDP_CLIENT_ID || "smallfry-test",
    user: e.SMALLFRY_IDP_USER || "analyst",
    password: e.SMALLFRY_IDP_PASSWORD || "analyst-password",
  };
}

/** The role MinIO's STS makes for an OpenID client (as authtest.MinIORoleARN). */
export const minioRoleARN = (clientId: string) => `arn:minio:iam:::role/${createHash("sha1").update(clientId).digest("base64url")}`;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end, with input on its stdin; never throws for its exit status. */
export function runCommand(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<Ran> {
  return new Promise((ok, fail) => {
    const p = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), opts.timeoutMs ?? 120_000);
    p.on("error", (e) => {
      clearTimeout(timer);
      fail(e);
    });
    p.on("close", (code) => {
      clearTimeout(timer);
      ok({ code, stdout, stderr });
    });
    p.stdin.end(opts.input ?? "");
  });
}

/** A MinIO of one suite's own (S3 and STS trusting the test IdP), in a temporary state folder. */
export interface MinIO {
  endpoint: string;
  rootUser: string;
  rootPassword: string;
  stateDir: string;
  /** Stops the server (scripts/minio.sh stop, by the PID it saved); its data stays. */
  stop(): Promise<void>;
  /** Stops it and removes its state folder. */
  remove(): Promise<void>;
}

/**
 * Starts a MinIO with scripts/minio.sh in a state folder of its own, its
 * STS trusting idp's client with the readwrite policy. Unlike the shared one
 * of scripts/peers.sh, a suite may stop it (to go offline).
 */
export async function startMinIO(idp: IdP): Promise<MinIO> {
  const stateDir = mkdtempSync(join(tmpdir(), "smallfry-e2e-minio-"));
  const env = {
    ...process.env,
    MINIO_STATE_DIR: stateDir,
    MINIO_IDENTITY_OPENID_CONFIG_URL: `${idp.issuer}/.well-known/openid-configuration`,
    MINIO_IDENTITY_OPENID_CLIENT_ID: idp.clientId,
    MINIO_IDENTITY_OPENID_ROLE_POLICY: "readwrite",
  };
  const script = join(scripts, "minio.sh");
  const stop = async () => {
    const r = await runCommand("bash", [script, "stop"], { env });
    if (r.code !== 0) throw new Error(`minio.sh stop failed (${r.code}): ${r.stderr}`);
  };
  const started = await runCommand("bash", [script, "start"], { env });
  if (started.code !== 0) {
    await stop().catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
    throw new Error(`minio.sh start failed (${started.code}): ${started.stderr}`);
  }
  // $state/env: `export NAME=value` lines (values printed with %q; ours need no unquoting).
  const vars = Object.fromEntries(
    readFileSync(join(stateDir, "env"), "utf8")
      .split("\n")
      .map((l) => /^export ([A-Z0-9_]+)=(.*)$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => [m[1], m[2].replace(/^'(.*)'$/, "$1")]),
  );
  return {
    endpoint: vars.SMALLFRY_S3_ENDPOINT,
    rootUser: vars.SMALLFRY_S3_ROOT_USER,
    rootPassword: vars.SMALLFRY_S3_ROOT_PASSWORD,
    stateDir,
    stop,
    async remove() {
      await stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/**
 * Creates a bucket with MinIO's root keys: a SigV4-signed PUT by curl, the
 * keys on its stdin, not its command line. A server that has just become
 * ready may still answer 503 for a moment: that is retried for 20 s.
 */
export async function createBucket(m: MinIO, bucket: string) {
  const config = `user = "${m.rootUser}:${m.rootPassword}"\n`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await runCommand("curl", ["-sS", "-w", "\\n%{http_code}", "-K", "-", "--aws-sigv4", "aws:amz:us-east-1:s3", "-X", "PUT", `${m.endpoint}/${bucket}`], {
      input: config,
    });
    const status = r.stdout.slice(r.stdout.lastIndexOf("\n") + 1);
    const body = r.stdout.slice(0, r.stdout.lastIndexOf("\n"));
    // 409 BucketAlreadyOwnedByYou: an earlier try made it after all.
    if (r.code === 0 && (status === "200" || body.includes("BucketAlreadyOwnedByYou"))) return;
    if (Date.now() > deadline || (r.code === 0 && !status.startsWith("5"))) {
      throw new Error(`create bucket ${bucket}: curl exited ${r.code}, HTTP ${status}: ${r.stderr}${body}`);
    }
    await new Promise((ok) => setTimeout(ok, 250));
  }
}

/**
 * Approves a device-flow sign-in on the IdP's own pages, in a browser page
 * that shows the plain verification URI, as the user does: types the code
 * shown by the app, confirms, logs in with the test account, allows access.
 */
export async function approveDeviceCode(page: Page, userCode: string, idp: IdP) {
  await page.waitForLoadState();
  await expect.poll(() => page.title()).toBe("Sign-in");
  await page.locator('input[name="user_code"]').fill(userCode);
  await page.locator('button[form="op.deviceInputForm"]').click();
  await expect.poll(() => page.title()).toBe("Confirm device");
  expect(await page.locator("code").textContent()).toBe(userCode);
  await page.locator('button[form="op.deviceConfirmForm"]:not([name="abort"])').click();
  await expect.poll(() => page.title()).toBe("Log in");
  await page.locator('input[name="username"]').fill(idp.user);
  await page.locator('input[name="password"]').fill(idp.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect.poll(() => page.title()).toBe("Allow access");
  await page.getByRole("button", { name: "Allow" }).click();
  await expect.poll(() => page.title()).toBe("Sign-in success");
}

// ---- secrets ----

/**
 * Where any of the secrets (exact strings, or patterns of their shape)
 * appears: in the files under dirs, recursively, or in the named texts
 * (a server's log). Each finding is "place: secret's name".
 */
export function findSecrets(where: { dirs: string[]; texts?: Record<string, string> }, secrets: Record<string, string | RegExp>): string[] {
  const wanted = Object.entries(secrets).filter(([name, s]) => {
    if (typeof s === "string" && s.length < 8) throw new Error(`secret ${name} is too short to look for (${s.length} characters)`);
    return true;
  });
  const found: string[] = [];
  const look = (place: string, data: Buffer) => {
    const text = data.toString("latin1");
    for (const [name, s] of wanted) {
      if (typeof s === "string" ? data.includes(s) : s.test(text)) found.push(`${place}: ${name}`);
    }
  };
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) look(p, readFileSync(p));
    }
  };
  for (const d of where.dirs) walk(d);
  for (const [place, text] of Object.entries(where.texts ?? {})) look(place, Buffer.from(text));
  return found;
}
