// The company S3 lake in the browser, as a new analyst meets it: import the
// settings file the admin handed out, sign in on the IdP's own pages, save a
// daily table to S3 partitioned by day, query one day, write a result back;
// then the S3 server goes away: the lake says so, the cached table still
// answers, a table never fetched fails clearly. Afterwards no key or
// password is in anything the app wrote. Real peers: the test IdP of
// scripts/peers.sh and a MinIO of this suite's own (it is stopped here).
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { beforeAll, afterAll, describe, expect, it } from "vitest";
import {
  approveDeviceCode,
  cell,
  createBucket,
  findSecrets,
  gridRows,
  minioRoleARN,
  openNotebook,
  peersRequired,
  readRun,
  runIds,
  runCommand,
  sqlCell,
  startMinIO,
  testIdP,
  useWorkbench,
  waitStatus,
  writeNotebook,
  type MinIO,
  type NotebookCell,
} from "./harness";

const idp = testIdP();
// The sealed sign-in's key goes to the OS keychain: only a throwaway one
// (scripts/keyring.sh run) will do.
const missing = !idp
  ? "the test IdP (SMALLFRY_IDP_ISSUER: `bash scripts/peers.sh start`, then source build/peers/env)"
  : process.env.SMALLFRY_KEYRING !== "1"
    ? "a private keychain (run under `bash scripts/keyring.sh run`)"
    : "";
if (missing && peersRequired) throw new Error(`the S3 browser test needs ${missing} (SMALLFRY_REQUIRE_PEERS=1)`);

const bucket = "smallfry-e2e";

/** A SQL cell that saves its result to the S3 lake's table. */
function savedToS3(c: NotebookCell, table: string, partitionBy?: string[]): NotebookCell {
  const meta = c.metadata as { smallfry: Record<string, unknown> };
  const lake = { lake: "s3", table, ...(partitionBy ? { partition_by: partitionBy } : {}), mode: "overwrite" };
  return { ...c, metadata: { ...meta, smallfry: { ...meta.smallfry, lake } } };
}

// Five days of four rows; amount = day's index * 10 + n.
const cells = [
  savedToS3(
    sqlCell(
      "daily",
      "SELECT strftime(DATE '2024-03-01' + d::INTEGER, '%Y-%m-%d') AS day, r AS n, d * 10 + r AS amount\nFROM range(5) AS t(d), range(4) AS u(r)\nORDER BY day, n",
    ),
    "Daily",
    ["day"],
  ),
  sqlCell("oneday", "SELECT day, n, amount FROM s3.Daily WHERE day = '2024-03-03' ORDER BY n"),
  savedToS3(sqlCell("summary", "SELECT day, count(*) AS rows, sum(amount) AS total FROM s3.Daily GROUP BY day ORDER BY day"), "DailySummary"),
  savedToS3(sqlCell("untouched", "SELECT range AS id, 'never read back' AS note FROM range(3)"), "Untouched"),
  sqlCell("uncached", "SELECT count(*) AS n FROM s3.Untouched"),
];

/** What a result grid shows, row by row (its accessible table, of the rows drawn so far). */
const gridValues = (page: Page, id: string) =>
  cell(page, id)
    .getByTestId("result-grid")
    .locator("tbody tr")
    .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent ?? "")));

/** Runs one cell from its Run button and waits for the status it ends in. */
async function runCell(page: Page, id: string, status: "done" | "error", timeout = 30_000) {
  await cell(page, id).getByTestId("cell-run").click();
  await waitStatus(page, id, status, timeout);
}

/** Screenshots of each step, for a person to look at: build/e2e/s3-*.png. */
async function shot(page: Page, name: string) {
  await page.screenshot({ path: `../build/e2e/s3-${name}.png` });
}

const lakeItem = (page: Page, name: string) => page.locator(`[data-testid=s3-lake] [data-testid=lake-item][data-name="${name}"]`);

describe.skipIf(missing !== "")("the company S3 lake", () => {
  // The app knows nothing but what the settings file says: no root keys,
  // no test password, no AWS keys in its environment.
  const wb = useWorkbench({
    server: {
      env: {
        SMALLFRY_S3_ROOT_USER: undefined,
        SMALLFRY_S3_ROOT_PASSWORD: undefined,
        SMALLFRY_IDP_PASSWORD: undefined,
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_SESSION_TOKEN: undefined,
        AWS_PROFILE: undefined,
      },
    },
  });
  let minio: MinIO | undefined;
  let settingsDir = "";
  let settingsFile = "";
  let nb = "";
  let keys: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string } | undefined;
  let oneDay: string[][] = [];

  beforeAll(async () => {
    minio = await startMinIO(idp!);
    await createBucket(minio, bucket);
    // The file an admin hands out: where to sign in, the role, the lake.
    settingsDir = mkdtempSync(join(tmpdir(), "smallfry-e2e-settings-"));
    settingsFile = join(settingsDir, "acme-smallfry.json");
    const settings = {
      name: "Acme",
      issuer: idp!.issuer,
      clientId: idp!.clientId,
      scopes: ["openid", "offline_access", "email", "profile"],
      roleArn: minioRoleARN(idp!.clientId),
      region: "us-east-1",
      stsEndpoint: minio.endpoint,
      s3Endpoint: minio.endpoint,
      lake: `s3://${bucket}/analytics`,
    };
    writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
    nb = writeNotebook(wb.server, "company-lake", cells);
  });
  afterAll(async () => {
    await minio?.remove();
    if (settingsDir) rmSync(settingsDir, { recursive: true, force: true });
  });

  it("imports the company settings and signs in on the IdP's page", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, nb);
    await page.getByTestId("import-settings").waitFor();
    await page.getByTestId("settings-file").setInputFiles(settingsFile);
    await page.getByTestId("sign-in").click();

    const dialog = page.getByTestId("sign-in-dialog");
    await dialog.waitFor();
    const code = (await page.getByTestId("user-code").textContent())!.trim();
    expect(code).toMatch(/^[A-Z0-9-]{6,}$/);
    // Shown large, to be read off the screen and typed on another device.
    const size = await page.getByTestId("user-code").evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
    expect(size).toBeGreaterThanOrEqual(24);
    // The plain verification page: the user types the code (never a link that carries it).
    const uri = (await page.getByTestId("verification-uri").getAttribute("href"))!;
    expect(uri.startsWith(idp!.issuer)).toBe(true);
    expect(uri).not.toContain(code);
    expect(uri).not.toContain("user_code");
    await shot(page, "sign-in");
    const wide = page.viewportSize();
    await page.setViewportSize({ width: 760, height: 700 }); // a narrow window keeps the code whole
    expect(await page.getByTestId("user-code").evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
    await shot(page, "sign-in-narrow");
    if (wide) await page.setViewportSize(wide);

    const [idpPage] = await Promise.all([wb.context.waitForEvent("page"), page.getByTestId("open-sign-in-page").click()]);
    expect(idpPage.url()).toBe(uri);
    await approveDeviceCode(idpPage, code, idp!);
    await idpPage.close();

    await expect.poll(() => page.getByTestId("account-user").textContent().catch(() => null), { timeout: 30_000 }).toBe("analyst@example.com");
    expect(await dialog.count()).toBe(0);

    // The command line shares the sign-in: `smallfry credentials` serves its
    // keys (and they are what the grep for leaks below looks for).
    const out = await runCommand(process.env.SMALLFRY_BIN ?? "../build/bin/smallfry", ["credentials"], {
      env: { ...process.env, SMALLFRY_CONFIG_DIR: wb.server.configDir },
      timeoutMs: 30_000,
    });
    expect(out.code, out.stderr).toBe(0);
    keys = JSON.parse(out.stdout);
    expect(keys!.AccessKeyId.length).toBeGreaterThanOrEqual(16);
    expect(keys!.SessionToken.length).toBeGreaterThan(20);
  });

  it("saves a daily table to S3 by day, queries one day and writes a result back", async () => {
    expect(keys, "the sign-in above failed").toBeDefined();
    const page = wb.page;
    await openNotebook(page, wb.server, nb);
    await page.getByTestId("account-user").waitFor();

    await runCell(page, "daily", "done", 60_000);
    expect(await cell(page, "daily").getByTestId("cell-output").textContent()).toContain("Saved 20 rows to lake table s3.Daily, partitioned by day");
    await page.getByTestId("tab-lake").click();
    await page.getByTestId("s3-lake").waitFor();
    await expect.poll(() => page.getByTestId("s3-lake").locator(".sf-lake-location").textContent()).toBe(`s3://${bucket}/analytics/`);
    await lakeItem(page, "s3.Daily").waitFor();
    const daily = await lakeItem(page, "s3.Daily").textContent();
    expect(daily).toContain("20 rows");
    expect(daily).toContain("partitioned by day · 5 partitions");

    // One day's partition, read back from S3.
    await runCell(page, "oneday", "done");
    expect(await gridRows(page, "oneday")).toBe(4);
    const want = [0, 1, 2, 3].map((n) => ["2024-03-03", String(n), String(20 + n)]);
    await expect.poll(() => gridValues(page, "oneday")).toEqual(want);
    oneDay = await gridValues(page, "oneday");
    // Only that day's partition was fetched (the run record names what was read).
    await expect.poll(() => readRun(wb.server, runIds(wb.server).at(-1)!).status, { timeout: 10_000 }).toBe("ok");
    const read = readRun(wb.server, runIds(wb.server).at(-1)!).objectsRead ?? [];
    expect(read.length).toBe(1);
    expect(read[0]).toMatch(new RegExp(`^s3://${bucket}/analytics/Daily/.*/day=2024-03-03/`));

    // A result of the whole table written back to the lake, then a table
    // nobody reads: both listed after Refresh.
    await runCell(page, "summary", "done");
    expect(await gridRows(page, "summary")).toBe(5);
    await runCell(page, "untouched", "done");
    await page.getByTestId("lake-refresh").click();
    await lakeItem(page, "s3.DailySummary").waitFor();
    await lakeItem(page, "s3.Untouched").waitFor();
    expect(await lakeItem(page, "s3.DailySummary").textContent()).toContain("5 rows");
    await shot(page, "lake");
  });

  it("offline: the lake says so, the cached table answers, an uncached one fails clearly", async () => {
    expect(oneDay.length, "the S3 round trip above failed").toBe(4);
    const page = wb.page;
    await minio!.stop();
    await openNotebook(page, wb.server, nb);
    await page.getByTestId("tab-lake").click();
    await page.getByTestId("lake-refresh").click();
    await page.getByTestId("s3-offline").waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("s3-problem").textContent()).toMatch(/cannot reach S3 at http:\/\/127\.0\.0\.1:\d+/);
    await lakeItem(page, "s3.Daily").getByTestId("lake-cached").waitFor();
    expect(await lakeItem(page, "s3.Untouched").count()).toBe(0);
    await shot(page, "offline");

    await runCell(page, "oneday", "done");
    expect(await gridRows(page, "oneday")).toBe(4);
    await expect.poll(() => gridValues(page, "oneday")).toEqual(oneDay);

    const t0 = Date.now();
    await runCell(page, "uncached", "error");
    expect(Date.now() - t0).toBeLessThan(15_000);
    const msg = await cell(page, "uncached").getByTestId("cell-error").textContent();
    expect(msg).toMatch(/Untouched/);
    expect(msg).toMatch(/cannot reach S3/);
    expect(msg).toMatch(/no copy of it is cached/);
  });

  it("leaves no key or password in anything it wrote", async () => {
    expect(keys, "the sign-in above failed").toBeDefined();
    const server = wb.server;
    await server.stop(); // everything written and flushed
    const secrets = {
      "MinIO root user": minio!.rootUser,
      "MinIO root password": minio!.rootPassword,
      ...(process.env.SMALLFRY_S3_ROOT_PASSWORD ? { "shared MinIO root password": process.env.SMALLFRY_S3_ROOT_PASSWORD } : {}),
      "IdP password": idp!.password,
      "temporary access key": keys!.AccessKeyId,
      "temporary secret key": keys!.SecretAccessKey,
      "session token": keys!.SessionToken,
      "an AWS temporary access key": /ASIA[A-Z0-9]{16}/,
      "a JWT (id_token, session token)": /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\./,
    };
    // The search finds what it looks for: the session token (a JWT) by its value and its shape.
    expect(findSecrets({ dirs: [], texts: { probe: `x${keys!.SessionToken}x` } }, secrets)).toEqual(["probe: session token", "probe: a JWT (id_token, session token)"]);
    // The sign-in is there, sealed: the settings and the sealed tokens are among what is searched.
    expect(readdirSync(server.configDir, { recursive: true }).some((f) => String(f).endsWith(".sealed"))).toBe(true);
    const found = findSecrets({ dirs: [server.workspace, server.configDir], texts: { "server log": server.log(), "server stdout": server.stdout() } }, secrets);
    expect(found).toEqual([]);
  });
});
