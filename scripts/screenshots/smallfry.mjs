// Screenshots of the workbench for docs/layout.md: `smallfry serve` on a
// fresh sample workspace, the tour notebook run, at 1280×800 and 1024×700,
// light and dark, written as PNGs to docs/img/ (or OUT).
//   node scripts/screenshots/smallfry.mjs [build/bin/smallfry]
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { chromium } = createRequire(join(root, "frontend", "package.json"))("playwright-core");
const bin = resolve(process.argv[2] ?? join(root, "build/bin/smallfry"));
const out = resolve(process.env.OUT ?? join(root, "docs/img"));
const notebook = process.env.NOTEBOOK ?? "tour.ipynb";
const sizes = [
  [1280, 800],
  [1024, 700],
];

const workspace = mkdtempSync(join(tmpdir(), "smallfry-shots-"));
const config = mkdtempSync(join(tmpdir(), "smallfry-shots-config-"));
const server = spawn(bin, ["serve", "--addr", "127.0.0.1:0", "--no-browser", "--workspace", workspace], {
  stdio: ["ignore", "pipe", "inherit"],
  env: { ...process.env, SMALLFRY_CONFIG_DIR: config },
});
const exited = new Promise((ok) => server.on("exit", ok));
try {
  const url = await new Promise((ok, fail) => {
    server.on("exit", (code) => fail(new Error(`smallfry serve exited with ${code}`)));
    createInterface({ input: server.stdout }).on("line", (line) => {
      const m = /serving at (http:\/\/\S+)/.exec(line);
      if (m) ok(m[1]);
    });
  });
  mkdirSync(out, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  for (const scheme of ["light", "dark"]) {
    for (const [width, height] of sizes) {
      const context = await browser.newContext({ viewport: { width, height }, colorScheme: scheme });
      const page = await context.newPage();
      const u = new URL(url);
      u.hash = `nb=${encodeURIComponent(notebook)}`;
      await page.goto(u.toString());
      await page.getByTestId("notebook").waitFor();
      await page.getByTestId("run-all").click();
      // Settled: Run all is enabled again once the run has ended.
      await page.waitForSelector("[data-testid=run-all][disabled]", { timeout: 5_000 }).catch(() => undefined);
      await page.waitForSelector("[data-testid=run-all]:not([disabled])", { timeout: 120_000 });
      await page.waitForTimeout(800); // charts finish their transition
      const file = join(out, `smallfry-${width}x${height}-${scheme}.png`);
      await page.screenshot({ path: file });
      console.log(file);
      await context.close();
    }
  }
  await browser.close();
} finally {
  server.kill("SIGTERM");
  await exited;
  rmSync(workspace, { recursive: true, force: true });
  rmSync(config, { recursive: true, force: true });
}
