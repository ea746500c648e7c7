// Python cells in the browser, on a real ipykernel: SQL → Python → SQL,
// a matplotlib plot, interrupting, and a kernel that dies.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  cell,
  gridRows,
  openNotebook,
  python3,
  pythonCell,
  selectedCellId,
  settled,
  sqlCell,
  typeInto,
  useWorkbench,
  waitOutput,
  waitStatus,
  writeNotebook,
  type NotebookCell,
} from "./harness";
import { openToolbarMenu } from "./toolbar";

const wb = useWorkbench();

/** Writes a Python notebook of the given cells and opens it. */
async function notebookOf(name: string, cells: NotebookCell[]) {
  await openNotebook(wb.page, wb.server, writeNotebook(wb.server, name, cells, python3));
}

/** PIDs of processes whose command line mentions the workspace (its kernels). */
function kernelPids(): number[] {
  const pids: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, "utf8");
      if (cmd.includes(wb.server.workspace) && cmd.includes("ipykernel")) pids.push(Number(e));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

describe("Python cells", () => {
  it("plots a SQL result with matplotlib and hands a DataFrame back to SQL", async () => {
    const page = wb.page;
    await notebookOf("py-flow", [
      sqlCell("q", "SELECT S.Country, sum(F.Units_Sold)::BIGINT AS units FROM Fact_Sales F JOIN Dim_Store S ON F.Store_Id = S.Id GROUP BY ALL ORDER BY units DESC", "by_country"),
      pythonCell("plot", "%matplotlib inline\nimport matplotlib.pyplot as plt, smallfry\nby_country.plot.bar(x='Country', y='units')\nplt.show()\nsmallfry.table('top2', by_country.head(2))\nprint(len(by_country))"),
      sqlCell("back", "SELECT * FROM top2"),
    ]);
    await page.getByTestId("run-all").click();
    await settled(page);
    await waitStatus(page, "back", "done");
    const plot = cell(page, "plot");
    await plot.getByTestId("output-image").waitFor();
    expect(await plot.getByTestId("output-image").getAttribute("src")).toMatch(/^data:image\/png;base64,iVBOR/);
    expect(await plot.getByTestId("python-output").textContent()).toContain("8");
    expect(await gridRows(page, "back")).toBe(2);
  });

  it("interrupts time.sleep(60) within two seconds", async () => {
    const page = wb.page;
    await notebookOf("py-sleep", [pythonCell("nap", "import time\nprint('ready', flush=True)\ntime.sleep(60)")]);
    await cell(page, "nap").getByTestId("cell-run").click();
    await waitStatus(page, "nap", "running", 60_000);
    await waitOutput(page, "nap", "ready"); // the kernel is up and about to sleep
    const t0 = Date.now();
    await page.getByTestId("cancel").click();
    await waitStatus(page, "nap", "canceled", 5_000);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("reports a dead kernel and works again after a restart", async () => {
    const page = wb.page;
    await notebookOf("py-die", [pythonCell("a", "x = 41\nprint('alive')"), pythonCell("b", "print(x + 1)")]);
    await cell(page, "a").getByTestId("cell-run").click();
    await settled(page);
    await waitStatus(page, "a", "done");
    const pids = kernelPids();
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) process.kill(pid, "SIGKILL");
    await cell(page, "b").getByTestId("cell-run").click();
    await settled(page);
    await waitStatus(page, "b", "error");
    expect(await cell(page, "b").getByTestId("cell-error").textContent()).toMatch(/kernel died/);
    await page.getByTestId("restart-kernel").click();
    await page.waitForSelector('[data-testid=restart-kernel][data-busy="false"]', { timeout: 30_000 });
    await expect.poll(() => kernelPids().length, { timeout: 30_000 }).toBeGreaterThan(0);
    await cell(page, "a").getByTestId("cell-run").click();
    await settled(page);
    await cell(page, "b").getByTestId("cell-run").click();
    await settled(page);
    await waitStatus(page, "b", "done");
    expect(await cell(page, "b").getByTestId("python-output").textContent()).toContain("42");
  });

  it("shows what a cell prints while it still runs", async () => {
    const page = wb.page;
    await notebookOf("py-live", [pythonCell("loop", "import time\nfor i in range(3):\n    print('step', i, flush=True)\n    time.sleep(1)")]);
    await cell(page, "loop").getByTestId("cell-run").click();
    await waitStatus(page, "loop", "running", 60_000);
    // "step 1" is printed a second in, while the cell has two seconds to go.
    await waitOutput(page, "loop", "step 1", 10_000);
    expect(await cell(page, "loop").getAttribute("data-status")).toBe("running");
    await waitStatus(page, "loop", "done", 30_000);
    expect(await cell(page, "loop").getByTestId("python-output").textContent()).toContain("step 0\nstep 1\nstep 2");
  });

  it("adds a Python cell from the toolbar and runs it", async () => {
    const page = wb.page;
    await notebookOf("py-new", [sqlCell("s", "SELECT 21 AS n", "answer")]);
    await page.getByTestId("add-python").click();
    const id = await selectedCellId(page);
    expect(await cell(page, id).getAttribute("data-kind")).toBe("python");
    await page.getByTestId("run-all").click();
    await settled(page);
    await typeInto(page, id, "print(int(answer.n[0]) * 2)");
    await page.keyboard.press("Shift+Enter");
    await settled(page);
    await waitStatus(page, id, "done");
    expect(await cell(page, id).getByTestId("python-output").textContent()).toContain("42");
  });
});

describe("Python in Docker", () => {
  const image = process.env.SMALLFRY_KERNEL_IMAGE;
  it.skipIf(!process.env.SMALLFRY_DOCKER || !image)("switches a notebook to Docker and gets the same output", async () => {
    const page = wb.page;
    await notebookOf("py-docker", [
      sqlCell("q", "SELECT range AS n FROM range(10)", "nums"),
      pythonCell("py", "import platform, smallfry\nprint(int(nums.n.sum()), platform.node() != '')\nsmallfry.table('doubled', nums.assign(m=nums.n * 2))"),
      sqlCell("back", "SELECT sum(m) AS total FROM doubled"),
    ]);
    await page.getByTestId("run-all").click();
    await settled(page);
    await waitStatus(page, "back", "done");
    const local = await cell(page, "py").getByTestId("python-output").textContent();
    await openToolbarMenu(page);
    await page.getByTestId("runtime-kind").selectOption("docker");
    await page.getByTestId("runtime-image").fill(image!);
    await page.getByTestId("runtime-apply").click();
    await page.waitForSelector(`[data-testid=runtime][data-runtime="docker:${image}"]`);
    await page.getByTestId("run-all").click();
    await settled(page);
    await waitStatus(page, "back", "done");
    expect(await cell(page, "py").getByTestId("python-output").textContent()).toBe(local);
    expect(await gridRows(page, "back")).toBe(1);
    // The choice is saved in the notebook, so headless runs use it too.
    const saved = JSON.parse(readFileSync(join(wb.server.workspace, "notebooks", "py-docker.ipynb"), "utf8"));
    expect(saved.metadata.smallfry.docker.image).toBe(image);
  });
});
