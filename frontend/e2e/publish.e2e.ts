// One click to a schedule, as an analyst does it in the browser against the
// real Airflow 3 of scripts/airflow.sh: import the company settings that name
// it, open the sales notebook, Publish, sign in to Airflow (a wrong password
// first), pick Daily at 03:00 in Berlin with year=1998, Check, Publish, see
// "Published · daily 03:00", Run now and watch the scheduled run succeed in
// the history, open its output notebook and its task log; edit, republish
// with the change shown; pause and resume; unpublish. A notebook whose cell
// fails in the check run shows that cell and publishes nothing.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PublishState } from "../src/wire.gen";
import { cell, codeText, openNotebook, peersRequired, sqlCell, testIdP, typeInto, useWorkbench, waitStatus, writeNotebook, type Server } from "./harness";

/** The Airflow scripts/airflow.sh started (build/peers/airflow/env). */
const airflow = process.env.SMALLFRY_AIRFLOW_URL
  ? {
      url: process.env.SMALLFRY_AIRFLOW_URL,
      user: process.env.SMALLFRY_AIRFLOW_USER || "admin",
      password: process.env.SMALLFRY_AIRFLOW_PASSWORD ?? "",
      dags: process.env.SMALLFRY_AIRFLOW_DAGS ?? "",
      outputs: process.env.SMALLFRY_AIRFLOW_OUTPUTS ?? "",
    }
  : undefined;
// The Airflow password goes to the OS keychain: only a throwaway one will do.
const missing = !airflow
  ? "the test Airflow (SMALLFRY_AIRFLOW_URL: `bash scripts/airflow.sh start`, then source build/peers/airflow/env)"
  : !airflow.password || !airflow.dags || !airflow.outputs
    ? "SMALLFRY_AIRFLOW_PASSWORD, _DAGS and _OUTPUTS (build/peers/airflow/env)"
    : process.env.SMALLFRY_KEYRING !== "1"
      ? "a private keychain (run under `bash scripts/keyring.sh run`)"
      : !process.env.SMALLFRY_BIN
        ? "SMALLFRY_BIN (the check run starts the built smallfry)"
        : "";
if (missing && peersRequired) throw new Error(`the publish browser test needs ${missing} (SMALLFRY_REQUIRE_PEERS=1)`);

const sales = "sales-by-brand-and-country.ipynb";

/** Screenshots of each step, for a person to look at: build/e2e/publish-*.png. */
async function shot(page: Page, name: string) {
  await page.screenshot({ path: `../build/e2e/publish-${name}.png` });
}

/** A workbench call over HTTP, as a script would make it (the token from the server's link). */
async function call<T>(server: Server, method: string, ...args: unknown[]): Promise<T> {
  const token = new URL(server.url).searchParams.get("token")!;
  const res = await fetch(`${server.origin}/api/call/${method}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `token ${token}` },
    body: JSON.stringify(args),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

const dialog = (page: Page) => page.getByTestId("publish-dialog");
/** Waits for the dialog's step; a timeout says where the dialog is instead, and what it shows. */
async function atStep(page: Page, step: string, timeout = 30_000) {
  try {
    await page.waitForSelector(`[data-testid=publish-dialog][data-step="${step}"]`, { timeout });
  } catch (e) {
    const d = dialog(page);
    const where = (await d.count()) ? `${await d.getAttribute("data-step")}: ${await d.innerText()}` : "no dialog";
    await shot(page, `timeout-${step}`);
    throw new Error(`the publish dialog never reached ${step} (${where})`, { cause: e });
  }
}
const publishedText = (page: Page) => page.getByTestId("published-text").textContent({ timeout: 1_000 }).catch(() => null);
const specs = () => join(airflow!.dags, "smallfry", "specs");
const specFiles = () => (existsSync(specs()) ? readdirSync(specs()) : []);

describe.skipIf(missing !== "")("publishing a notebook to Airflow", () => {
  // The server knows the Airflow password only from the dialog: none of the
  // variables scripts (and the Go tests) use for it reach it.
  const wb = useWorkbench({
    server: {
      env: {
        SMALLFRY_AIRFLOW_USER: undefined,
        SMALLFRY_AIRFLOW_PASSWORD: undefined,
        SMALLFRY_PUBLISH_USER: undefined,
        SMALLFRY_PUBLISH_PASSWORD: undefined,
      },
    },
  });
  let settingsDir = "";
  let settingsFile = "";
  let dagId = "";

  beforeAll(() => {
    // The file an admin hands out: the sign-in and the lake (the IdP of
    // scripts/peers.sh when it runs; nothing here signs in to it) and the Airflow.
    const idp = testIdP();
    settingsDir = mkdtempSync(join(tmpdir(), "smallfry-e2e-settings-"));
    settingsFile = join(settingsDir, "acme-smallfry.json");
    const settings = {
      name: "Acme",
      issuer: idp?.issuer ?? "http://127.0.0.1:9/idp",
      clientId: idp?.clientId ?? "smallfry-test",
      roleArn: "arn:aws:iam::123456789012:role/smallfry-analyst",
      region: "us-east-1",
      lake: "s3://smallfry-e2e/analytics",
      airflow: { url: airflow!.url, dags: airflow!.dags, outputs: airflow!.outputs },
    };
    writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
  });
  afterAll(async () => {
    // A failed run must not leave its DAG live in the shared Airflow.
    for (const path of [sales, "broken-sales.ipynb"]) {
      const st = await call<PublishState>(wb.server, "PublishState", path).catch(() => undefined);
      if (st?.published) await call(wb.server, "Unpublish", path).catch((e) => console.error(`unpublish ${path}: ${e}`));
    }
    if (settingsDir) rmSync(settingsDir, { recursive: true, force: true });
    // The DAG's runs stay in the shared outputs folder after Unpublish (as
    // they should); a later run of this test starts without them.
    if (dagId) rmSync(join(airflow!.outputs, dagId), { recursive: true, force: true });
  });

  it("publishes the sales notebook daily at 03:00, runs it now and opens the scheduled run", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, sales);
    await page.getByTestId("import-settings").waitFor();
    await page.getByTestId("settings-file").setInputFiles(settingsFile);
    await page.getByTestId("replace-settings").waitFor();

    // Unsaved edits are saved first: the check run reads the file.
    await typeInto(page, "top-brand", "SELECT Brand, sum(Units) AS Units\nFROM sales\nGROUP BY ALL\nORDER BY Units DESC\nLIMIT 3");
    await page.waitForSelector('[data-testid=notebook][data-dirty="true"]');
    await page.getByTestId("publish").click();
    await page.waitForSelector('[data-testid=notebook][data-dirty="false"]');

    // Sign in to Airflow: a wrong password is refused inline, the right one kept.
    await atStep(page, "sign-in");
    await page.getByTestId("airflow-user").fill(airflow!.user);
    await page.getByTestId("airflow-password").fill("not-the-password");
    await page.getByTestId("airflow-sign-in").click();
    const refused = page.getByTestId("airflow-sign-in-error");
    await refused.waitFor({ timeout: 30_000 });
    expect(await refused.textContent()).toMatch(/401|refused|password|credentials|Unauthorized/i);
    await shot(page, "sign-in");
    await page.getByTestId("airflow-password").fill(airflow!.password);
    await page.getByTestId("airflow-sign-in").click();
    await atStep(page, "edit");

    // Daily at 03:00 in Berlin, year=1998: the preview in words and the next five runs.
    await page.getByTestId("preset-daily").check();
    await page.getByTestId("daily-time").fill("03:00");
    await page.getByTestId("publish-timezone").fill("Europe/Berlin");
    expect(await page.getByTestId("publish-cron").inputValue()).toBe("0 3 * * *");
    expect(await page.getByTestId("publish-params").inputValue()).toBe("year=1997\ncategory=tv"); // the parameters cell's defaults
    await page.getByTestId("publish-params").fill("year=1998");
    await expect.poll(() => page.getByTestId("schedule-sentence").textContent()).toBe("Runs every day at 03:00 Europe/Berlin.");
    const next = await page.getByTestId("schedule-next").allTextContents();
    expect(next).toHaveLength(5);
    for (const t of next) expect(t).toMatch(/^\w{3} \d{1,2} \w{3} \d{4} 03:00$/);
    await shot(page, "dialog");

    // Check: the saved notebook runs headless in a fresh process (seconds).
    await page.getByTestId("publish-check").click();
    await page.getByTestId("check-progress").waitFor();
    await shot(page, "checking");
    await atStep(page, "checked", 120_000);
    await page.getByTestId("first-publish").waitFor();
    await shot(page, "checked");

    await page.getByTestId("publish-confirm").click();
    await dialog(page).waitFor({ state: "detached", timeout: 120_000 });
    await expect.poll(() => publishedText(page)).toMatch(/^Published · daily 03:00 · next run in \d+ h$/);
    const st = await call<PublishState>(wb.server, "PublishState", sales);
    expect(st).toMatchObject({ published: true, cron: "0 3 * * *", timezone: "Europe/Berlin", params: { year: "1998" }, paused: false });
    dagId = st.dagId!;
    expect(specFiles()).toContain(`${dagId}.json`);
    // The notebook list marks it, the Published tab lists it.
    await expect.poll(() => page.locator(`[data-testid=notebook-link][data-path="${sales}"] [data-testid=scheduled-mark]`).count()).toBe(1);
    await shot(page, "published");
    // At 1280 px the notebook's actions stay on one row beside the
    // published line (the runtime is in the toolbar's menu, layout.e2e.ts).
    await page.setViewportSize({ width: 1280, height: 800 });
    const boxes = await page.locator(".toolbar-actions button:visible").evaluateAll((bs) => bs.map((b) => b.getBoundingClientRect()).map((r) => ({ top: r.top, bottom: r.bottom })));
    const top = Math.min(...boxes.map((b) => b.top));
    expect(boxes.every((b) => b.top < top + 20), `action tops ${boxes.map((b) => Math.round(b.top))}`).toBe(true);
    await shot(page, "published-1280");
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.getByTestId("tab-published").click();
    const item = page.locator(`[data-testid=published-item][data-path="${sales}"]`);
    await item.waitFor();
    expect(await item.textContent()).toContain("daily 03:00");
    await page.getByTestId("tab-notebooks").click();

    // Run now: the scheduled run shows in the history and succeeds there.
    await page.getByTestId("run-now").click();
    const runId = (await page.getByTestId("published-note").getAttribute("data-run-id", { timeout: 30_000 }))!;
    expect(runId).toMatch(/^scheduled:/);
    const run = page.locator(`[data-testid=history-panel] [data-testid=run-item][data-run-id="${runId}"]`);
    await run.waitFor({ timeout: 30_000 });
    expect(await run.getAttribute("data-mode")).toBe("scheduled");
    await shot(page, "running");
    await page.waitForSelector(`[data-testid=history-panel] [data-testid=run-item][data-run-id="${runId}"][data-status=ok][data-airflow-state=success]`, {
      timeout: 240_000,
    });
    expect(await run.textContent()).toContain("year=1998");
    // The published line catches up with Airflow too.
    await expect.poll(() => page.getByTestId("published-last").textContent({ timeout: 1_000 }).catch(() => ""), { timeout: 30_000 }).toMatch(/^last run succeeded/);
    await shot(page, "run-succeeded");

    // Its output notebook, read-only, and its Airflow task log.
    await run.click();
    await page.getByTestId("scheduled-run").waitFor();
    await page.getByTestId("readonly-banner").waitFor();
    await cell(page, "sales").getByTestId("cell-output").waitFor();
    expect(await page.getByTestId("scheduled-state").textContent()).toBe("success");
    // It ran with the published value, injected after the parameters cell.
    const injected = page.locator("[data-testid=cell]", { has: page.getByText("injected parameters", { exact: true }) });
    expect(await codeText(injected)).toContain("year = 1998");
    expect(await page.getByTestId("run-all").count()).toBe(0);
    await shot(page, "run-output");
    await page.getByTestId("task-log-tab").click();
    await expect.poll(() => page.getByTestId("task-log-text").textContent(), { timeout: 30_000 }).toMatch(/smallfry|run_notebook/);
    await shot(page, "task-log");
    await page.getByTestId("back-to-notebook").click();
    await page.getByTestId("published-line").waitFor();
  }, 600_000);

  it("republishes an edit with the change shown, pauses and resumes", async () => {
    expect(dagId, "the publish above failed").not.toBe("");
    const page = wb.page;
    await openNotebook(page, wb.server, sales);
    await page.getByTestId("published-line").waitFor();
    await typeInto(page, "top-brand", "SELECT Brand, sum(Units) AS Units\nFROM sales\nGROUP BY ALL\nORDER BY Units DESC\nLIMIT 5");
    await page.getByTestId("republish").click();
    // Prefilled as published.
    await atStep(page, "edit");
    expect(await page.getByTestId("preset-daily").isChecked()).toBe(true);
    expect(await page.getByTestId("publish-timezone").inputValue()).toBe("Europe/Berlin");
    expect(await page.getByTestId("publish-params").inputValue()).toBe("year=1998\ncategory=tv");
    await page.getByTestId("publish-check").click();
    await atStep(page, "checked", 120_000);
    const change = page.locator('[data-testid=publish-change][data-cell-id="top-brand"][data-what=source]');
    await change.waitFor();
    expect(await change.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false); // collapsed until asked
    await change.locator("summary").click();
    expect(await change.textContent()).toContain("LIMIT 5");
    await shot(page, "changes");
    await page.getByTestId("publish-confirm").click();
    await dialog(page).waitFor({ state: "detached", timeout: 120_000 });
    await expect.poll(() => publishedText(page)).toMatch(/^Published · daily 03:00 · next run in/);

    await page.getByTestId("pause-schedule").click();
    await expect.poll(() => publishedText(page)).toBe("Published · daily 03:00 · paused");
    expect((await call<PublishState>(wb.server, "PublishState", sales)).paused).toBe(true);
    await shot(page, "paused");
    await page.getByTestId("pause-schedule").click();
    await expect.poll(() => publishedText(page)).toMatch(/next run in/);
  }, 300_000);

  it("shows the cell that fails in the check run and publishes nothing", async () => {
    const page = wb.page;
    const specsBefore = specFiles();
    const path = writeNotebook(wb.server, "broken-sales", [
      sqlCell("years", "SELECT DISTINCT Year FROM Dim_Date ORDER BY Year", "years"),
      sqlCell("typo", "SELECT Brand, count(*) AS n FROM Fact_Sale GROUP BY Brand", "by_brand"),
    ]);
    await openNotebook(page, wb.server, path);
    await page.getByTestId("publish").click();
    await atStep(page, "edit"); // signed in already: the keychain has the password
    await page.getByTestId("preset-hourly").check();
    await page.getByTestId("publish-check").click();
    await atStep(page, "failed", 120_000);
    expect(await page.getByTestId("failed-cell-label").textContent()).toBe("cell 2 (by_brand)");
    expect(await page.getByTestId("failed-cell-message").textContent()).toMatch(/Fact_Sale/);
    expect(await page.getByTestId("publish-confirm").count()).toBe(0);
    await shot(page, "check-failed");
    await page.getByTestId("show-failed-cell").click();
    await dialog(page).waitFor({ state: "detached" });
    await page.waitForSelector('[data-testid=cell][data-cell-id="typo"].selected');
    expect(await page.getByTestId("error-banner").textContent()).toMatch(/Not published: the check run failed in cell 2 \(by_brand\)/);
    expect(await cell(page, "typo").isVisible()).toBe(true);
    // The cell shows the error it had in the check run.
    await waitStatus(page, "typo", "error");
    expect(await cell(page, "typo").getByTestId("cell-error").textContent()).toMatch(/Fact_Sale/);
    await shot(page, "failed-cell");
    expect((await call<PublishState>(wb.server, "PublishState", path)).published).toBe(false);
    expect(specFiles()).toEqual(specsBefore);
    expect(JSON.parse(readFileSync(join(wb.server.workspace, "notebooks", path), "utf8")).metadata.smallfry?.schedule).toBeUndefined();
    expect(await page.getByTestId("published-line").count()).toBe(0);
  }, 300_000);

  it("unpublishes after an in-app confirmation", async () => {
    expect(dagId, "the publish above failed").not.toBe("");
    const page = wb.page;
    await openNotebook(page, wb.server, sales);
    await page.getByTestId("published-line").waitFor();
    await page.getByTestId("unpublish").click();
    await page.getByTestId("unpublish-confirm").waitFor();
    await shot(page, "unpublish");
    await page.getByTestId("unpublish-yes").click();
    await page.getByTestId("publish").waitFor({ timeout: 60_000 });
    expect(await page.getByTestId("published-line").count()).toBe(0);
    expect(await page.getByTestId("notice").textContent()).toMatch(/^Unpublished/);
    expect(specFiles()).not.toContain(`${dagId}.json`);
    expect((await call<PublishState>(wb.server, "PublishState", sales)).published).toBe(false);
    await expect.poll(() => page.locator("[data-testid=scheduled-mark]").count()).toBe(0);
    // Its scheduled runs stay in the history.
    await page.locator("[data-testid=history-panel] [data-testid=run-item][data-mode=scheduled]").first().waitFor({ timeout: 30_000 });
    await shot(page, "unpublished");
  }, 120_000);
});
