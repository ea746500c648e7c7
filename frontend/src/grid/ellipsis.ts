// Text cut by a narrow column ends in "…" (glide cuts it bare), and the
// full text shows as the grid's tooltip while the pointer is on the cell.
import { GridCellKind, type DataEditorProps, type GridCell, type Theme } from "@glideapps/glide-data-grid";

type DrawCell = NonNullable<DataEditorProps["drawCell"]>;

/** The longest start of text that fits width with "…" after it (text itself if it fits). */
export function fitText(text: string, width: number, measure: (s: string) => number): { text: string; cut: boolean } {
  if (measure(text) <= width) return { text, cut: false };
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (measure(text.slice(0, mid) + "…") <= width) lo = mid;
    else hi = mid - 1;
  }
  return { text: text.slice(0, lo) + "…", cut: true };
}

const oneLine = (s: string) => s.replace(/\r?\n.*$/s, " …");

function shown(cell: GridCell): string | undefined {
  return cell.kind === GridCellKind.Text ? cell.displayData : undefined;
}

/** Draws a text cell that does not fit with an ellipsis; every other cell as glide does. */
export const drawCellWithEllipsis: DrawCell = (args, drawContent) => {
  const { ctx, cell, rect, theme } = args;
  const text = shown(cell);
  const pad = theme.cellHorizontalPadding ?? 8;
  const room = rect.width - 2 * pad;
  if (text === undefined || cell.kind !== GridCellKind.Text || room <= 0) return drawContent();
  const line = oneLine(text);
  const fit = fitText(line, room, (s) => ctx.measureText(s).width);
  if (!fit.cut && line === text) return drawContent();
  const t = { ...theme, ...(cell.themeOverride ?? {}) } as Theme;
  ctx.save();
  ctx.fillStyle = t.textDark;
  ctx.textBaseline = "middle";
  const y = rect.y + rect.height / 2 + 1;
  if (cell.contentAlign === "right") {
    ctx.textAlign = "right";
    ctx.fillText(fit.text, rect.x + rect.width - pad, y);
  } else {
    ctx.textAlign = "left";
    ctx.fillText(fit.text, rect.x + pad, y);
  }
  ctx.restore();
};

let canvas: HTMLCanvasElement | undefined;

/** Whether a cell's text is cut in a column of width px with the grid's font; its full text if so. */
export function cutText(cell: GridCell, width: number, theme: Partial<Theme>): string | undefined {
  const text = shown(cell);
  if (text === undefined || typeof document === "undefined") return undefined;
  canvas ??= document.createElement("canvas");
  const ctx = canvas.getContext("2d");
  if (!ctx) return undefined;
  ctx.font = `${theme.baseFontStyle ?? "13px"} ${theme.fontFamily ?? "sans-serif"}`;
  const room = width - 2 * (theme.cellHorizontalPadding ?? 8);
  const line = oneLine(text);
  return line !== text || fitText(line, room, (s) => ctx.measureText(s).width).cut ? text : undefined;
}
