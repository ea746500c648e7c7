// Cluster cells in the browser, as an analyst meets them: sign in, open a
// notebook over the S3 lake, flip a cell to the cluster and back, see that
// a local cell would download more than the threshold and run it on the
// cluster with one click, watch a long cluster query's progress, cancel it,
// rerun, and use the cluster's result in a chart and in Python. Before that,
// `smallfry run` runs a notebook mixing local and cluster cells headless
// (it also writes the S3 table, from a workspace of its own, so the
// browser's workspace has none of it cached). Real peers: the test IdP,
// the shared MinIO and the Spark Connect server reading it (scripts/peers.sh).
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  approveDeviceCode,
  cell,
  createBucket,
  minioRoleARN,
  openNotebook,
  peersRequired,
  pythonCell,
  python3,
  runCommand,
  sqlCell,
  testIdP,
  useWorkbench,
  waitStatus,
  writeNotebook,
  type NotebookCell,
} from "./harness";

const idp = testIdP();
const spark = process.env.SMALLFRY_SPARK_URL;
const s3 = process.env.SMALLFRY_S3_ENDPOINT;
const missing = !idp
  ? "the test IdP (SMALLFRY_IDP_ISSUER)"
  : !spark || !s3
    ? "the Spark Connect server and its MinIO (SMALLFRY_SPARK_URL, SMALLFRY_S3_ENDPOINT: `bash scripts/peers.sh start`, then source build/peers/env)"
    : process.env.SMALLFRY_KEYRING !== "1"
      ? "a private keychain (run under `bash scripts/keyring.sh run`)"
      : "";
if (missing && peersRequired) throw new Error(`the cluster browser test needs ${missing} (SMALLFRY_REQUIRE_PEERS=1)`);

const bucket = `smallfry-e2e-cluster-${Date.now().toString(36)}`;
const bin = process.env.SMALLFRY_BIN ?? "../build/bin/smallfry";

function withMeta(c: NotebookCell, meta: Record<string, unknown>): NotebookCell {
  const m = c.metadata as { smallfry?: Record<string, unknown> };
  return { ...c, metadata: { ...m, smallfry: { ...(m.smallfry ?? {}), ...meta } } };
}

// The headless notebook: a local cell writes s3.Events (10 days × 2,000
// rows), a cluster cell aggregates it, a local cell reads that result.
const writer = [
  withMeta(
    sqlCell("events", "SELECT CAST(range % 10 AS INTEGER) AS day, range AS id, range % 97 AS amount FROM range(20000)"),
    { lake: { lake: "s3", table: "Events", partition_by: ["day"], mode: "overwrite" } },
  ),
  withMeta(sqlCell("spark_days", "SELECT day, count(*) AS n FROM s3.Events GROUP BY day", "spark_days"), { engine: "test" }),
  sqlCell("check", "SELECT sum(n) AS rows FROM spark_days", "checked"),
];

const chart = {
  $schema: "https://vega.github.io/schema/vega-lite/v5.json",
  mark: "bar",
  encoding: { x: { field: "day", type: "ordinal" }, y: { field: "total", type: "quantitative" } },
  data: { name: "by_day" },
};

// The browser's notebook.
const cells = [
  withMeta(sqlCell("agg", "SELECT day, count(*) AS n, sum(amount) AS total\nFROM s3.Events\nGROUP BY day\nORDER BY day", "by_day"), { chart }),
  withMeta(sqlCell("slow", "SELECT sum(hash(e.id, r.id)) AS h\nFROM s3.Events e CROSS JOIN range(100000000) r"), { engine: "test" }),
  pythonCell("py", 'print("days", len(by_day), "rows", int(by_day["n"].sum()))'),
];

/** Waits until no run of the notebook is in progress (its last cell event can come before the run's end). */
const runEnded = (page: Page) => expect.poll(() => page.getByTestId("cancel").isDisabled(), { timeout: 60_000 }).toBe(true);

const engineOf = (page: Page, id: string) => cell(page, id).getByTestId("cell-engine").getAttribute("data-engine");

describe.skipIf(missing !== "")("cluster cells", () => {
  const ws = mkdtempSync(join(tmpdir(), "smallfry-e2e-cluster-ws-"));
  // Offer the cluster above 1 KB to download (the table is about 200 KB).
  mkdirSync(join(ws, ".smallfry"), { recursive: true });
  writeFileSync(join(ws, ".smallfry", "settings.json"), JSON.stringify({ cluster: { offloadBytes: 1000 } }));
  const wb = useWorkbench({
    server: {
      workspace: ws,
      env: {
        SMALLFRY_S3_ROOT_USER: undefined,
        SMALLFRY_S3_ROOT_PASSWORD: undefined,
        SMALLFRY_IDP_PASSWORD: undefined,
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        SMALLFRY_CLUSTER_TOKEN_TEST: process.env.SMALLFRY_SPARK_TOKEN,
      },
    },
  });
  let settingsDir = "";
  let nb = "";
  let otherWs = "";

  beforeAll(async () => {
    await createBucket({ endpoint: s3!, rootUser: process.env.SMALLFRY_S3_ROOT_USER!, rootPassword: process.env.SMALLFRY_S3_ROOT_PASSWORD!, stateDir: "", stop: async () => {}, remove: async () => {} }, bucket);
    settingsDir = mkdtempSync(join(tmpdir(), "smallfry-e2e-cluster-settings-"));
    writeFileSync(
      join(settingsDir, "acme.json"),
      JSON.stringify({
        name: "Acme",
        issuer: idp!.issuer,
        clientId: idp!.clientId,
        scopes: ["openid", "offline_access", "email", "profile"],
        roleArn: minioRoleARN(idp!.clientId),
        region: "us-east-1",
        stsEndpoint: s3,
        s3Endpoint: s3,
        lake: `s3://${bucket}/analytics`,
        clusters: [{ name: "test", url: spark, auth: "token", s3: "user" }],
      }),
    );
    nb = writeNotebook(wb.server, "cluster-cells", cells, python3);
    otherWs = mkdtempSync(join(tmpdir(), "smallfry-e2e-cluster-headless-"));
  });
  afterAll(() => {
    for (const d of [settingsDir, otherWs]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it("signs in, and a headless run mixes local and cluster cells", { timeout: 300_000 }, async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, nb);
    await page.getByTestId("settings-file").setInputFiles(join(settingsDir, "acme.json"));
    await page.getByTestId("sign-in").click();
    await page.getByTestId("sign-in-dialog").waitFor();
    const code = (await page.getByTestId("user-code").textContent())!.trim();
    const [idpPage] = await Promise.all([wb.context.waitForEvent("page"), page.getByTestId("open-sign-in-page").click()]);
    await approveDeviceCode(idpPage, code, idp!);
    await idpPage.close();
    await expect.poll(() => page.getByTestId("account-user").textContent().catch(() => null), { timeout: 30_000 }).toBe("analyst@example.com");

    const file = join(otherWs, "writer.ipynb");
    writeFileSync(file, JSON.stringify({ cells: writer, metadata: {}, nbformat: 4, nbformat_minor: 5 }));
    const env = { ...process.env, SMALLFRY_CONFIG_DIR: wb.server.configDir, SMALLFRY_CLUSTER_TOKEN_TEST: process.env.SMALLFRY_SPARK_TOKEN };
    const out = await runCommand(bin, ["run", file, "--workspace", otherWs], { env, timeoutMs: 240_000 });
    expect(out.code, out.stderr).toBe(0);
    const runs = join(otherWs, ".smallfry", "runs");
    const id = readdirSync(runs).filter((d) => !d.startsWith(".") && !d.endsWith(".json")).sort().at(-1)!;
    const rec = JSON.parse(readFileSync(join(runs, id, "run.json"), "utf8")) as { cells: { engine?: string; operation?: string; bytesReturned?: number; rows?: number }[] };
    expect(rec.cells.map((c) => c.engine)).toEqual(["duckdb", "test", "duckdb"]);
    expect(rec.cells[1].operation).toMatch(/^[0-9a-f-]{36}$/);
    expect(rec.cells[1].bytesReturned).toBeGreaterThan(0);
    expect(rec.cells[1].rows).toBe(10);
  });

  it("flips a cell to the cluster and back", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, nb);
    expect(await engineOf(page, "agg")).toBe("duckdb");
    expect(await engineOf(page, "slow")).toBe("test");
    await cell(page, "agg").getByTestId("cell-engine").selectOption("test");
    await expect.poll(() => engineOf(page, "agg")).toBe("test");
    await cell(page, "agg").getByTestId("cell-engine").selectOption("duckdb");
    await expect.poll(() => engineOf(page, "agg")).toBe("duckdb");
    await cell(page, "agg").getByTestId("cell-engine").selectOption("");
    await expect.poll(() => engineOf(page, "agg")).toBe("duckdb");
    // The notebook's default follows too, and goes back.
    await page.getByTestId("notebook-engine").selectOption("test");
    await expect.poll(() => engineOf(page, "agg")).toBe("test");
    await page.getByTestId("notebook-engine").selectOption("");
    await expect.poll(() => engineOf(page, "agg")).toBe("duckdb");
  });

  it("offers the cluster, runs there with one click, cancels, reruns, and charts and hands the result to Python", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, nb);
    // Before it runs, the cell says what it would download of the S3 lake.
    await cell(page, "agg").getByTestId("cell-estimate-before").waitFor({ timeout: 30_000 });
    expect(Number(await cell(page, "agg").getByTestId("cell-estimate-before").getAttribute("data-to-download"))).toBeGreaterThan(1000);
    // Locally, the cell would download the whole table: the offer, with the estimate.
    await cell(page, "agg").getByTestId("cell-run").click();
    await waitStatus(page, "agg", "error", 60_000);
    const offer = cell(page, "agg").getByTestId("offload-offer");
    await offer.waitFor();
    expect(Number(await offer.getAttribute("data-to-download"))).toBeGreaterThan(1000);
    // Said once, with the table and the setting; nothing claims it was read.
    expect(await offer.getByTestId("offload-message").textContent()).toMatch(/this cell would download .* over the 1000 bytes offload threshold \(setting cluster\.offloadBytes\)/);
    const said = (await cell(page, "agg").getByTestId("cell-output").textContent()) ?? "";
    expect(said.match(/would download/g)).toHaveLength(1);
    expect(await cell(page, "agg").getByTestId("cell-error").count()).toBe(0);
    expect(await cell(page, "agg").getByTestId("cell-estimate").count()).toBe(0);
    await page.screenshot({ path: "../build/e2e/cluster-offer.png" });
    await runEnded(page);
    await cell(page, "agg").getByTestId("offload-run-on-cluster").click();
    await waitStatus(page, "agg", "done", 180_000);
    expect(await engineOf(page, "agg")).toBe("test");
    const note = cell(page, "agg").getByTestId("cell-engine-note");
    expect(await note.textContent()).toContain("Ran on cluster test");
    expect(await cell(page, "agg").getByTestId("result-grid").getAttribute("data-rows")).toBe("10");
    await cell(page, "agg").locator('[data-testid=chart][data-rendered="true"]').waitFor({ timeout: 30_000 });

    // A long cluster query: the server's progress, then Cancel.
    await runEnded(page);
    await cell(page, "slow").getByTestId("cell-run").click();
    await cell(page, "slow").getByTestId("cell-cluster-progress").waitFor({ timeout: 180_000 });
    expect(await cell(page, "slow").getByTestId("cell-cluster-progress").textContent()).toMatch(/tasks/);
    await page.screenshot({ path: "../build/e2e/cluster-progress.png" });
    await cell(page, "slow").getByTestId("cell-cancel").click();
    await waitStatus(page, "slow", "canceled", 60_000);
    await page.screenshot({ path: "../build/e2e/cluster-canceled.png" });

    // Rerun on the cluster: the session goes on.
    await runEnded(page);
    await cell(page, "agg").getByTestId("cell-run").click();
    await waitStatus(page, "agg", "done", 180_000);
    const op = await note.getAttribute("data-operation");
    expect(op).toMatch(/^[0-9a-f-]{36}$/);

    // Python reads the cluster's result by name.
    await runEnded(page);
    await cell(page, "py").getByTestId("cell-run").click();
    await expect
      .poll(() => cell(page, "py").getAttribute("data-status"), { timeout: 240_000 })
      .toMatch(/^(done|error)$/);
    const printed = await cell(page, "py").getByTestId("cell-output").textContent();
    expect(await cell(page, "py").getAttribute("data-status"), printed ?? "").toBe("done");
    expect(printed).toContain("days 10 rows 20000");
    await page.screenshot({ path: "../build/e2e/cluster-done.png" });
  }, 400_000); // a shared machine: the cluster's queries take their time
});
