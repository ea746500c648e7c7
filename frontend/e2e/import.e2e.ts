// Import data in the browser against the real server: a CSV picked with
// "Add data…" or a file dragged onto the window becomes a lake table,
// after a preview of what DuckDB detects; broken files get a clear error
// and leave the lake as it was.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { cell, editCell, gridRows, openNotebook, settled, sqlCell, useWorkbench, waitStatus, writeNotebook } from "./harness";

const wb = useWorkbench();
const fixtures = new URL("../../backend/duckdb/testdata/import/", import.meta.url).pathname;
const fixture = (name: string) => readFileSync(join(fixtures, name));
const lakeDir = () => join(wb.server.workspace, "lake");
const lakeFolders = () => readdirSync(lakeDir()).sort();

/** Drags a file onto the notebook and drops it, as the browser reports a drop from the desktop. */
async function dropFile(page: Page, name: string, data: Buffer) {
  const dt = await page.evaluateHandle(
    ({ name, bytes }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], name));
      return dt;
    },
    { name, bytes: [...data] },
  );
  for (const type of ["dragenter", "dragover", "drop"]) await page.dispatchEvent("main", type, { dataTransfer: dt });
}

/** Picks a file with "Add data…", through the page's file chooser. */
async function addData(page: Page, name: string, data: Buffer) {
  const chooser = page.waitForEvent("filechooser");
  await page.getByTestId("add-data").click();
  await (await chooser).setFiles({ name, mimeType: "application/octet-stream", buffer: data });
}

const step = (page: Page) => page.getByTestId("import-step").getAttribute("data-step");

async function scratch(page: Page, name: string) {
  await openNotebook(page, wb.server, writeNotebook(wb.server, name, [sqlCell("q", "")]));
}

describe("import data", () => {
  it("imports a CSV picked with Add data…, after a preview, and queries it", async () => {
    const page = wb.page;
    await scratch(page, "import-add");
    await addData(page, "Sales 2026.csv", fixture("sales.csv"));
    await expect.poll(() => step(page)).toBe("preview");
    const types = await page.getByTestId("import-column").evaluateAll((ths) => ths.map((th) => `${th.firstChild!.textContent}:${th.getAttribute("data-type")}`));
    expect(types).toEqual(["id:BIGINT", "name:VARCHAR", "amount:DOUBLE", "day:DATE"]);
    expect(await page.getByTestId("import-preview").locator("tbody tr").count()).toBe(3);
    expect(await page.getByTestId("import-preview").locator("tbody tr").first().textContent()).toContain("2026-01-02");
    // Nothing is in the lake before the user commits.
    expect(lakeFolders()).not.toContain("Sales_2026");
    expect(await page.getByTestId("import-name").inputValue()).toBe("Sales_2026");

    // A bad name is refused in the dialog, which stays open.
    await page.getByTestId("import-name").fill("2026 sales");
    await page.getByTestId("import-ok").click();
    await expect.poll(() => page.getByTestId("dialog-error").textContent().catch(() => "")).toContain("not a usable table name");
    await page.getByTestId("import-name").fill("Sales2026");
    await page.getByTestId("import-ok").click();
    await page.getByTestId("import-dialog").waitFor({ state: "detached" });

    // The lake shows it, and a SQL cell reads it with DuckDB's types.
    await page.locator('[data-testid=lake-item][data-name="Sales2026"]').waitFor();
    expect(lakeFolders()).toContain("Sales2026");
    await page.getByTestId("tab-notebooks").click();
    await editCell(page, "q");
    await page.keyboard.type("SELECT name, amount * 2 AS twice, day + 1 AS next FROM Sales2026 WHERE day > DATE '2026-01-02'");
    await cell(page, "q").getByTestId("cell-run").click();
    await settled(page);
    await waitStatus(page, "q", "done");
    expect(await gridRows(page, "q")).toBe(2);
  });

  it("imports a file dropped on the window, and asks before replacing a table", async () => {
    const page = wb.page;
    await scratch(page, "import-drop");
    await dropFile(page, "events.jsonl", fixture("events.jsonl"));
    await expect.poll(() => step(page)).toBe("preview");
    expect(await page.getByTestId("import-meta").textContent()).toContain("JSON lines");
    await page.getByTestId("import-ok").click();
    await page.getByTestId("import-dialog").waitFor({ state: "detached" });
    await page.locator('[data-testid=lake-item][data-name="events"]').waitFor();

    // The same name again: the preview says it exists; importing without Replace is refused.
    await dropFile(page, "events.jsonl", fixture("events.jsonl"));
    await expect.poll(() => step(page)).toBe("preview");
    const replace = page.getByTestId("import-replace");
    await replace.waitFor();
    await page.getByTestId("import-ok").click();
    await expect.poll(() => page.getByTestId("dialog-error").textContent().catch(() => "")).toContain("already has a table named events");
    await replace.check();
    await page.getByTestId("import-ok").click();
    await page.getByTestId("import-dialog").waitFor({ state: "detached" });
    expect(await page.getByTestId("import-done").textContent()).toContain("events: 2 rows");
  });

  it("refuses broken files with a clear error and writes nothing to the lake", async () => {
    const page = wb.page;
    await scratch(page, "import-broken");
    // A valid Parquet file cut short, from a table the lake already has.
    const dims = join(lakeDir(), "Dim_Store");
    const parquet = readdirSync(dims, { recursive: true, encoding: "utf8" }).find((f) => f.endsWith(".parquet"))!;
    const whole = readFileSync(join(dims, parquet));
    const before = lakeFolders();
    const cases: [string, Buffer, string][] = [
      ["ragged.csv", fixture("ragged.csv"), "same number of fields"],
      ["junk.parquet", fixture("junk.parquet"), "cannot read it as Parquet"],
      ["truncated.parquet", whole.subarray(0, whole.length >> 1), "cannot read it as Parquet"],
      ["junk.csv", fixture("junk.csv"), "cannot read it as CSV"],
      ["empty.csv", Buffer.alloc(0), "the file is empty"],
      ["broken.jsonl", fixture("broken.jsonl"), "Malformed JSON"],
    ];
    for (const [name, data, message] of cases) {
      await dropFile(page, name, data);
      await expect.poll(() => step(page)).toBe("failed");
      const error = (await page.getByTestId("import-error").textContent())!;
      expect(error).toContain(name);
      expect(error).toContain(message);
      expect(error).not.toContain(".smallfry"); // the upload's folder is no business of the user's
      await page.getByTestId("import-dialog").getByTestId("dialog-cancel").click();
      expect(lakeFolders()).toEqual(before);
    }
    expect(readdirSync(join(lakeDir(), ".staging"))).toEqual([]);
  });
});
