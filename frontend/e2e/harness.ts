// Starts the real server and a real browser for the browser tests, and
// stops both by the PID they were given.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { chromium, type Browser, type Page } from "playwright-core";

const bin = resolve(process.env.SMALLFRY_BIN ?? "../build/bin/smallfry");

export interface Server {
  url: string; // with the token
  origin: string;
  workspace: string;
  proc: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `smallfry serve` on a free loopback port, on a workspace (a fresh sample one by default). */
export async function startServer(workspace = mkdtempSync(join(tmpdir(), "smallfry-e2e-"))): Promise<Server> {
  const proc = spawn(bin, ["serve", "--addr", "127.0.0.1:0", "--no-browser", "--workspace", workspace], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  proc.stderr!.on("data", (d) => (stderr += d));
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve did not print its URL in 60s; stderr:\n${stderr}`)), 60_000);
    proc.on("exit", (code) => fail(new Error(`serve exited with ${code}; stderr:\n${stderr}`)));
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      const m = /serving at (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
  });
  const exited = new Promise<void>((ok) => proc.on("exit", () => ok()));
  return {
    url,
    origin: new URL(url).origin,
    workspace,
    proc,
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
export async function waitStatus(page: Page, id: string, status: string, timeout = 30_000) {
  await page.waitForSelector(`[data-testid=cell][data-cell-id="${id}"][data-status="${status}"]`, { timeout });
}

/** Replaces a cell's text through its editor, as a user would. */
export async function typeInto(page: Page, id: string, text: string) {
  const editor = cell(page, id).locator(".cm-content");
  await editor.click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.type(text);
}
