// Notebooks of one's own, in the browser against the real server: folders
// in the sidebar's tree, rename and move, duplicate, delete to the trash,
// every name asked for in an in-app dialog (never window.prompt), its
// refusals shown in the dialog, and no file written through a symlink
// that leads out of the workspace.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openNotebook, sqlCell, useWorkbench, writeNotebook } from "./harness";

const wb = useWorkbench();
const notebooksDir = () => join(wb.server.workspace, "notebooks");

// Any window.prompt, confirm or alert fails the test that raised it.
let nativeDialogs: string[] = [];
beforeEach(() => {
  nativeDialogs = [];
  wb.page.on("dialog", (d) => {
    nativeDialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
});
afterEach(() => {
  expect(nativeDialogs, "native browser dialogs").toEqual([]);
});

const link = (page: Page, path: string) => page.locator(`[data-testid=notebook-link][data-path="${path}"]`);
const folderRow = (page: Page, path: string) => page.locator(`[data-testid=folder][data-path="${path}"]`);

/** Opens a row's ⋯ menu and picks an item. */
async function menu(row: ReturnType<typeof link>, item: string) {
  await row.hover();
  await row.getByTestId("item-menu").click();
  await row.getByTestId(item).click();
}
const notebookMenu = (page: Page, path: string, item: string) => menu(link(page, path).locator(".."), item);
const folderMenu = (page: Page, path: string, item: string) => menu(folderRow(page, path), item);

/** Types a name into the open naming dialog and confirms it. */
async function answer(page: Page, name: string) {
  const input = page.getByTestId("name-dialog").getByTestId("name-input");
  await input.fill(name);
  await page.getByTestId("name-dialog").getByTestId("dialog-ok").click();
}

const title = (page: Page) => page.getByTestId("notebook-title").textContent();

describe("notebooks and folders from the sidebar", () => {
  it("makes a folder, a notebook in it, moves, duplicates and deletes it", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, "tour.ipynb");

    // A folder, shown in the tree even while empty.
    await page.getByTestId("new-folder").click();
    await answer(page, "reports");
    await folderRow(page, "reports").waitFor();
    expect(existsSync(join(notebooksDir(), "reports"))).toBe(true);

    // A notebook in it, from the folder's menu: the name starts in the folder.
    await folderMenu(page, "reports", "menu-new-notebook");
    expect(await page.getByTestId("name-input").inputValue()).toBe("reports/");
    await answer(page, "reports/weekly");
    await expect.poll(() => title(page)).toMatch(/^reports\/weekly\.ipynb/);
    expect(existsSync(join(notebooksDir(), "reports", "weekly.ipynb"))).toBe(true);
    expect(await folderRow(page, "reports").locator("..").locator('[data-testid=notebook-link][data-path="reports/weekly.ipynb"]').count()).toBe(1);

    // Folders fold.
    await folderRow(page, "reports").getByTestId("folder-toggle").click();
    expect(await link(page, "reports/weekly.ipynb").count()).toBe(0);
    await folderRow(page, "reports").getByTestId("folder-toggle").click();

    // Rename into another folder moves the file; the open notebook follows.
    await notebookMenu(page, "reports/weekly.ipynb", "menu-rename");
    await answer(page, "archive/2026/weekly");
    await link(page, "archive/2026/weekly.ipynb").waitFor();
    await expect.poll(() => title(page)).toMatch(/^archive\/2026\/weekly\.ipynb/);
    expect(existsSync(join(notebooksDir(), "archive", "2026", "weekly.ipynb"))).toBe(true);
    expect(existsSync(join(notebooksDir(), "reports", "weekly.ipynb"))).toBe(false);

    // Renaming the folder moves what is in it.
    await folderMenu(page, "archive", "menu-rename");
    await answer(page, "old");
    await link(page, "old/2026/weekly.ipynb").waitFor();
    await expect.poll(() => title(page)).toMatch(/^old\/2026\/weekly\.ipynb/);

    // Duplicate: a copy of the saved file, opened.
    await notebookMenu(page, "tour.ipynb", "menu-duplicate");
    expect(await page.getByTestId("name-input").inputValue()).toBe("tour copy");
    await answer(page, "tour copy");
    await expect.poll(() => title(page)).toMatch(/^tour copy\.ipynb/);
    expect(readFileSync(join(notebooksDir(), "tour copy.ipynb"), "utf8")).toBe(readFileSync(join(notebooksDir(), "tour.ipynb"), "utf8"));

    // Delete the open notebook: confirmed in the app, kept in the trash.
    await notebookMenu(page, "tour copy.ipynb", "menu-delete");
    const confirm = page.getByTestId("confirm-dialog");
    expect(await confirm.textContent()).toContain(".smallfry/trash");
    await confirm.getByTestId("dialog-ok").click();
    await expect.poll(() => link(page, "tour copy.ipynb").count()).toBe(0);
    expect(existsSync(join(notebooksDir(), "tour copy.ipynb"))).toBe(false);
    const trash = join(wb.server.workspace, ".smallfry", "trash");
    const trashed = readdirSync(trash).map((d) => join(trash, d, "notebooks", "tour copy.ipynb"));
    expect(trashed.filter((p) => existsSync(p))).toHaveLength(1);
    // Another notebook is opened in its place, without an error.
    await expect.poll(() => title(page)).not.toMatch(/^tour copy/);
    expect(await page.getByTestId("app-error").count()).toBe(0);

    // Deleting a folder, with the notebook in it.
    await folderMenu(page, "old", "menu-delete");
    expect(await page.getByTestId("confirm-dialog").textContent()).toContain("1 notebook");
    await page.getByTestId("confirm-dialog").getByTestId("dialog-ok").click();
    await expect.poll(() => folderRow(page, "old").count()).toBe(0);
    expect(existsSync(join(notebooksDir(), "old"))).toBe(false);
  });

  it("shows a refused name in the dialog and keeps it open", async () => {
    const page = wb.page;
    await openNotebook(page, wb.server, "tour.ipynb");
    await page.getByTestId("new-notebook").click();
    const dialog = page.getByTestId("name-dialog");
    for (const [name, message] of [
      ["a?b", "not a usable notebook name"],
      ["tour", "already exists"],
      ["../escape", "not inside"],
    ]) {
      await answer(page, name);
      await expect.poll(() => dialog.getByTestId("dialog-error").textContent().catch(() => "")).toContain(message);
      expect(await dialog.count()).toBe(1);
    }
    // Cancel leaves everything as it was.
    await dialog.getByTestId("dialog-cancel").click();
    expect(await dialog.count()).toBe(0);
    expect(readdirSync(notebooksDir()).some((f) => f.includes("?") || f.includes("escape"))).toBe(false);

    // Escape closes a dialog too; a folder's name is checked the same way.
    await page.getByTestId("new-folder").click();
    await answer(page, ".hidden");
    await expect.poll(() => dialog.getByTestId("dialog-error").textContent().catch(() => "")).toContain("not a usable folder name");
    await page.keyboard.press("Escape");
    expect(await dialog.count()).toBe(0);
  });

  it("refuses to create a notebook through a symlink that leads out of the workspace", async () => {
    const page = wb.page;
    const outside = mkdtempSync(join(tmpdir(), "smallfry-e2e-outside-"));
    try {
      symlinkSync(outside, join(notebooksDir(), "elsewhere"));
      mkdirSync(join(outside, "sub"));
      writeNotebook(wb.server, "inside", [sqlCell("first", "SELECT 1")]);
      await openNotebook(page, wb.server, "inside.ipynb");
      await page.getByTestId("new-notebook").click();
      await answer(page, "elsewhere/sub/planted");
      await expect.poll(() => page.getByTestId("dialog-error").textContent().catch(() => "")).toContain("out of the workspace");
      await page.getByTestId("dialog-cancel").click();
      // Moving a notebook there is refused the same way.
      await notebookMenu(page, "inside.ipynb", "menu-rename");
      await answer(page, "elsewhere/inside");
      await expect.poll(() => page.getByTestId("dialog-error").textContent().catch(() => "")).toContain("out of the workspace");
      await page.getByTestId("dialog-cancel").click();
      expect(readdirSync(join(outside, "sub"))).toEqual([]);
      expect(readdirSync(outside)).toEqual(["sub"]);
      expect(existsSync(join(notebooksDir(), "inside.ipynb"))).toBe(true);
    } finally {
      rmSync(join(notebooksDir(), "elsewhere"), { force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
