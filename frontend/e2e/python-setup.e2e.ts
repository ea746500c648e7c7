// A new user's laptop: Python 3 but no ipykernel. The first Python cell says
// so and offers "Set up Python", which makes a private environment with
// pip's output as progress; Cancel removes what it made; offline it says
// what to install instead. The install is real, from wheels cached once by
// scripts/python-wheels.sh (SMALLFRY_WHEELS: pip --no-index --find-links).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cell, openNotebook, python3, pythonCell, settled, sqlCell, useWorkbench, waitStatus, writeNotebook } from "./harness";

const testPython = process.env.SMALLFRY_PYTHON;
const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
// The Python the test venv was made from: Python 3 without ipykernel.
const base = testPython ? execFileSync(testPython, ["-c", "import sys; print(sys._base_executable)"], { encoding: "utf8" }).trim() : "";
const wheels = testPython ? execFileSync("bash", [join(root, "scripts/python-wheels.sh"), testPython], { encoding: "utf8" }).trim() : "";

const home = mkdtempSync(join(tmpdir(), "smallfry-newuser-"));
const bin = join(home, "bin");
mkdirSync(bin);
if (base) symlinkSync(base, join(bin, "python3"));
const dataDir = join(home, "data");
const env = {
  PATH: bin, // python3, and nothing with ipykernel
  HOME: home,
  SMALLFRY_PYTHON: undefined,
  SMALLFRY_DATA_DIR: dataDir,
  SMALLFRY_WHEELS: wheels,
  JUPYTER_PATH: undefined,
  JUPYTER_DATA_DIR: undefined,
  XDG_DATA_HOME: undefined,
  VIRTUAL_ENV: undefined,
  PYTHONPATH: undefined,
};
const wb = useWorkbench({ server: { env } });
const managed = join(dataDir, "python");

/** Opens a notebook of a SQL cell and a Python cell reading it, runs it, and waits for the offer. */
async function firstPythonCell(name: string) {
  const page = wb.page;
  const nb = writeNotebook(wb.server, name, [sqlCell("q", "SELECT 21 AS n", "q"), pythonCell("py", "print(type(q).__name__, int(q.n[0]) * 2)")], python3);
  await openNotebook(page, wb.server, nb);
  await page.getByTestId("run-all").click();
  await waitStatus(page, "py", "error");
  const msg = await cell(page, "py").getByTestId("cell-error").textContent();
  expect(msg).toMatch(/ipykernel/);
  expect(msg).toMatch(/Set up Python/);
  await page.getByTestId("python-setup").waitFor();
  return page;
}

describe.skipIf(!testPython)("Set up Python", () => {
  it("cancels: pip is stopped and the half-made environment removed", { timeout: 240_000 }, async () => {
    const page = await firstPythonCell("cancel-setup");
    await page.getByTestId("setup-python").click();
    const log = page.getByTestId("setup-python-log");
    await expect.poll(() => log.textContent().catch(() => ""), { timeout: 60_000 }).toMatch(/pip install ipykernel/);
    await page.getByTestId("setup-python-cancel").click();
    await page.waitForSelector('[data-testid=python-setup][data-state="canceled"]', { timeout: 60_000 });
    expect(await page.getByTestId("setup-python-error").textContent()).toMatch(/canceled/);
    expect(existsSync(managed)).toBe(false);
  });

  it("offline, says exactly what to install instead", { timeout: 240_000 }, async () => {
    await wb.restartServer({ env: { SMALLFRY_WHEELS: mkdtempSync(join(tmpdir(), "smallfry-nowheels-")) } });
    const page = await firstPythonCell("offline-setup");
    await page.getByTestId("setup-python").click();
    await page.waitForSelector('[data-testid=python-setup][data-state="failed"]', { timeout: 120_000 });
    const msg = await page.getByTestId("setup-python-error").textContent();
    expect(msg).toMatch(/could not be downloaded/);
    expect(msg).toMatch(/pip install ipykernel==\S+ matplotlib==\S+ pandas==\S+ pyarrow==\S+/);
    expect(msg).toMatch(/SMALLFRY_PYTHON/);
    expect(existsSync(managed)).toBe(false);
  });

  it("installs with progress, then the Python cells run on it", async () => {
    await wb.restartServer({ env: { SMALLFRY_WHEELS: wheels } });
    const page = await firstPythonCell("setup");
    await page.getByTestId("setup-python").click();
    const log = page.getByTestId("setup-python-log");
    await expect.poll(() => log.textContent().catch(() => ""), { timeout: 120_000 }).toMatch(/Processing|Installing collected packages/);
    await page.waitForSelector('[data-testid=python-setup][data-state="done"]', { timeout: 300_000 });
    expect(readdirSync(managed)).toContain(".smallfry-ready");
    await page.getByTestId("run-all").click();
    await settled(page, 120_000);
    await waitStatus(page, "py", "done", 120_000);
    expect(await cell(page, "py").getByTestId("python-output").textContent()).toMatch(/DataFrame 42/);
    expect(await page.getByTestId("python-setup").count()).toBe(0);
    // A new server (the app started again) uses it with no set-up.
    await wb.restartServer();
    await openNotebook(wb.page, wb.server, "setup.ipynb");
    await wb.page.getByTestId("run-all").click();
    await waitStatus(wb.page, "py", "done", 120_000);
  }, 600_000); // pip installs pandas, pyarrow and matplotlib: minutes on a loaded machine
});
