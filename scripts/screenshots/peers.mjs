// The peers' screenshots (see peers.sh, which starts them).
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { chromium } = createRequire(join(root, "frontend", "package.json"))("playwright-core");
const out = process.argv[2];
const peers = [
  { name: "jupyterlab", url: "http://127.0.0.1:18931/lab/tree/tour.ipynb", ready: ".jp-OutputArea-output img" },
  // marimo opens an edited notebook's cells stale: run them as a user would (the ▶ at the bottom right).
  { name: "marimo", url: "http://127.0.0.1:18932/", ready: "text=Poland", run: true },
];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
for (const p of peers) {
  for (const [width, height] of [
    [1280, 800],
    [1024, 700],
  ]) {
    const page = await browser.newPage({ viewport: { width, height } });
    for (let i = 0; ; i++) {
      try {
        await page.goto(p.url, { timeout: 10_000 });
        break;
      } catch (e) {
        if (i > 30) throw e;
        await page.waitForTimeout(1000); // the server is still starting
      }
    }
    if (p.run) {
      await page.locator(".cm-editor").first().waitFor({ timeout: 60_000 });
      await page.waitForTimeout(3000); // its kernel connects
      await page.keyboard.press("Control+Shift+R"); // marimo: run all stale cells
    }
    await page.waitForSelector(p.ready, { timeout: 60_000 }).catch(() => console.error(`${p.name}: ${p.ready} did not show; taking the page as it is`));
    await page.waitForTimeout(2500); // let panels and fonts settle
    // JupyterLab asks about its news feed: answer, as a user would.
    await page.getByRole("button", { name: "No", exact: true }).click({ timeout: 1000 }).catch(() => undefined);
    const file = join(out, `${p.name}-${width}x${height}.png`);
    await page.screenshot({ path: file });
    console.log(file);
    await page.close();
  }
}
await browser.close();
