// The notebook toolbar's "⋯" menu, for the suites that use its actions.
import type { Page } from "playwright-core";

/** Clicks an action of the toolbar: its button, or its item in the "⋯" menu. */
export async function toolbarAction(page: Page, testId: string) {
  const button = page.getByTestId("toolbar").getByTestId(testId);
  if (!(await button.isVisible())) await page.getByTestId("toolbar-more").click();
  await button.click();
}

/** Opens the "⋯" menu (where Python's runtime and the theme are chosen). */
export async function openToolbarMenu(page: Page) {
  if (!(await page.getByTestId("toolbar-menu").isVisible())) await page.getByTestId("toolbar-more").click();
}
