// A SQL-first analyst's laptop: no Python installed, Docker not running.
// Every SQL feature works; a Python cell says what is missing.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cell, gridRows, openNotebook, pythonCell, python3, readRun, runIds, sqlCell, useWorkbench, waitStatus, writeNotebook } from "./harness";

const emptyDir = mkdtempSync(join(tmpdir(), "smallfry-nopython-"));
const wb = useWorkbench({
  server: {
    env: {
      PATH: emptyDir, // no python3 to find
      HOME: emptyDir, // no kernel specs of the tests' user
      SMALLFRY_PYTHON: undefined,
      JUPYTER_PATH: undefined,
      JUPYTER_DATA_DIR: undefined,
      XDG_DATA_HOME: undefined,
      VIRTUAL_ENV: undefined,
      DOCKER_HOST: `unix://${join(emptyDir, "docker.sock")}`, // an engine that is not running
    },
  },
});

const lastRun = () => readRun(wb.server, runIds(wb.server).at(-1)!);

describe("with no Python and no Docker", () => {
  it("runs a SQL notebook: grid, sort, summary, chart, export and save", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, "sales-by-brand-and-country.ipynb");
    await page.getByTestId("run-all").click();
    for (const id of ["sales", "by-country", "top-brand"]) await waitStatus(page, id, "done");
    expect(lastRun().status).toBe("ok");
    expect(await gridRows(page, "sales")).toBeGreaterThan(10);
    await cell(page, "by-country").locator('[data-testid=chart][data-rendered="true"]').waitFor();

    const grid = cell(page, "sales").getByTestId("result-grid");
    const box = (await grid.boundingBox())!;
    const header = { x: box.x + 40 + 30, y: box.y + 18 };
    await page.mouse.click(header.x, header.y);
    await page.getByTestId("sort-desc").click();
    await expect.poll(() => grid.getAttribute("data-first-row")).toBe("0");
    await page.mouse.click(header.x, header.y);
    await page.getByTestId("summary").click();
    await page.getByTestId("column-summary").waitFor();

    await cell(page, "sales").getByTestId("export-csv").click();
    const status = cell(page, "sales").getByTestId("export-status");
    await expect.poll(() => status.textContent()).toMatch(/Exported/);
    const path = (await status.textContent())!.replace(/^.* to /, "").trim();
    expect(readFileSync(path, "utf8").split("\n").length).toBeGreaterThan(10);

    await page.keyboard.press("Control+s");
    await expect.poll(() => page.getByTestId("notice").textContent()).toMatch(/Saved/);
  });

  it("previews a lake table", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, "tour.ipynb");
    await page.getByTestId("tab-lake").click();
    const store = page.locator('[data-testid=lake-item][data-name="Dim_Store"]');
    await store.waitFor();
    const cellsBefore = await page.getByTestId("cell").count();
    await store.getByTestId("lake-preview").click();
    const pane = page.getByTestId("lake-preview-pane");
    await expect.poll(() => pane.getByTestId("result-grid").getAttribute("data-rows").catch(() => null)).toBe("48");
    expect(await page.getByTestId("cell").count()).toBe(cellsBefore);
  });

  it("runs the SQL of a notebook set to run Python in Docker", async () => {
    const nb = writeNotebook(wb.server, "docker-sql", [sqlCell("q", "SELECT 42 AS answer", "q")], { ...python3, smallfry: { docker: { image: "python:3.12-slim" } } });
    const page = wb.page;
    await openNotebook(page, wb.server, nb);
    await page.getByTestId("run-all").click();
    await waitStatus(page, "q", "done");
    expect(await gridRows(page, "q")).toBe(1);
    expect(lastRun().status).toBe("ok");
  });

  it("says what a Python cell needs, after the SQL cells ran", async () => {
    const msg = await pythonCellError("mixed", python3);
    expect(msg).toMatch(/ipykernel/);
    expect(msg).toMatch(/SMALLFRY_PYTHON/);
    expect(msg).toMatch(/SQL cells work without it/);
    expect(msg).not.toMatch(/internal|zmq|exec:/i);
  });

  it("offers Set up Python, which says to install Python 3 first", async () => {
    const msg = await pythonCellError("offer", python3);
    expect(msg).toMatch(/Set up Python/);
    const page = wb.page;
    await page.getByTestId("setup-python").click();
    await page.waitForSelector('[data-testid=python-setup][data-state="failed"]');
    expect(await page.getByTestId("setup-python-error").textContent()).toMatch(/no Python 3 was found\. Install Python 3/);
    // Nothing was made in the user's folders.
    expect(existsSync(join(emptyDir, ".local", "share", "smallfry", "python"))).toBe(false);
  });

  it("says Docker is not running when a Docker notebook's Python cell runs", async () => {
    const msg = await pythonCellError("docker-py", { ...python3, smallfry: { docker: { image: "python:3.12-slim" } } });
    expect(msg).toMatch(/Docker engine is not running/);
    expect(msg).toMatch(/switch Python to Local/);
  });
});

// pythonCellError runs a notebook of a SQL cell and then a Python cell, and
// returns the Python cell's error once the SQL cell is done.
async function pythonCellError(name: string, metadata: Record<string, unknown>) {
  const nb = writeNotebook(wb.server, name, [sqlCell("q", "SELECT 1 AS one", "q"), pythonCell("py", "print(q)")], metadata);
  const page = wb.page;
  await openNotebook(page, wb.server, nb);
  await page.getByTestId("run-all").click();
  await waitStatus(page, "py", "error");
  expect(await cell(page, "q").getAttribute("data-status")).toBe("done");
  return cell(page, "py").getByTestId("cell-error").textContent();
}
