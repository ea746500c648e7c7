// The rows a notebook saved from its last run, shown before the cell runs
// again: the same grid, read-only, without sort or filter (there is no live
// result to run them on).
import "@glideapps/glide-data-grid/dist/index.css";
import { DataEditor, type GridCell, type Item } from "@glideapps/glide-data-grid";
import { useCallback, useEffect, useMemo } from "react";
import type { Column, Preview } from "../api";
import { ensurePortal, gridColumn, initialWidth, nullCell, rowMarkerWidth, textCell } from "./cells";
import { duckdbTypeClass, formatCount } from "./format";
import "./grid.css";
import { useGridLook } from "./look";

export interface PreviewGridProps {
  preview: Preview;
  height?: number;
}

/** Text of a value as saved in the notebook's JSON. */
export function previewText(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

export function PreviewGrid({ preview, height }: PreviewGridProps) {
  const { columns, rows, totalRows } = preview;
  useEffect(ensurePortal, []);
  const align = useMemo(() => columns.map((c: Column) => (duckdbTypeClass(c.type) === "number" ? "right" : "left") as "left" | "right"), [columns]);
  const gridColumns = useMemo(() => columns.map((c) => gridColumn(c, c.name, initialWidth(c), false)), [columns]);
  const getCellContent = useCallback(
    ([col, row]: Item): GridCell => {
      const v = rows[row]?.[col];
      return v === null || v === undefined ? nullCell : textCell(previewText(v), align[col]);
    },
    [rows, align],
  );
  const look = useGridLook(gridColumns, getCellContent);
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
      <div className="sf-grid" data-testid="preview-grid" data-rows={rows.length} style={{ height: h }} title={look.title}>
        <DataEditor
          columns={gridColumns}
          rows={rows.length}
          getCellContent={getCellContent}
          getCellsForSelection={true}
          rowMarkers={{ kind: "number", width: rowMarkerWidth(rows.length) }}
          {...look.props}
          width="100%"
          height={h}
        />
      </div>
    </div>
  );
}
