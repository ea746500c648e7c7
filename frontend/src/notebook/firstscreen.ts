// How many of a notebook's leading cells fill the window when it opens:
// those are rendered in the first frame, the rest a frame after it has been
// painted (NotebookView). A cold first layout costs WebKit about 20 ms a
// cell on the test machine, so a long notebook's first screen waits only
// for the cells it shows (docs/architecture.md, "Start-up").
import type { CellData, CellOutput } from "../api";

/** Rough heights, in px, of a cell's parts as the notebook view lays them out. */
const px = { cell: 48, line: 20, heading: 44, output: 420, text: 120 };

/** A cell's height, overestimated rather than under (an extra cell costs little; a gap would show). */
export function estimateHeight(cell: Pick<CellData, "kind" | "source">, output?: CellOutput): number {
  const lines = cell.source.split("\n");
  let h = px.cell + lines.length * px.line;
  if (cell.kind === "markdown") h += lines.filter((l) => /^#{1,3}\s/.test(l)).length * px.heading;
  if (output) h += output.result || output.preview || output.chart ? px.output : px.text;
  return h;
}

/**
 * The number of leading cells whose estimated heights fill height (the
 * window's), plus one; at least one. Infinity (all) when that is every cell.
 */
export function firstScreenCells(cells: Pick<CellData, "id" | "kind" | "source">[], outputs: Record<string, CellOutput> | undefined, height: number): number {
  let y = 0;
  for (let i = 0; i < cells.length; i++) {
    y += estimateHeight(cells[i], outputs?.[cells[i].id]);
    if (y >= height) return i + 2 >= cells.length ? Infinity : i + 2;
  }
  return Infinity;
}
