// The rows a notebook saved from its last run, shown before the cell runs
// again: the same grid, read-only, without sort or filter (there is no live
// result to run them on). The frame (row count, note, the grid's box) is
// drawn at once; the cells (glide-data-grid, PreviewCells) when their code
// has come, in a box already of their size.
import { lazy, Suspense } from "react";
import type { Preview } from "../api";
import { formatCount } from "./plain";
import "./grid.css";

export interface PreviewGridProps {
  preview: Preview;
  height?: number;
}

const PreviewCells = lazy(() => import("./PreviewCells").then((m) => ({ default: m.PreviewCells })));

export function PreviewGrid({ preview, height }: PreviewGridProps) {
  const { rows, totalRows } = preview;
  // Short previews take only the height they need.
  const h = height ?? Math.min(420, 36 + 34 * Math.max(rows.length, 1) + 2);
  return (
    <div className="sf-result sf-preview">
      <div className="sf-grid-toolbar">
        <span className="sf-row-count" data-testid="row-count">
          {formatCount(totalRows)} {totalRows === 1 ? "row" : "rows"}
        </span>
        <span className="sf-grid-note" data-testid="preview-note">
          Preview of the last run ({formatCount(rows.length)} of {formatCount(totalRows)} rows) — run the cell to explore all rows
        </span>
      </div>
      <div className="sf-grid" data-testid="preview-grid" data-rows={rows.length} style={{ height: h, flex: "none" }}>
        <Suspense fallback={null}>
          <PreviewCells preview={preview} height={h} />
        </Suspense>
      </div>
    </div>
  );
}
