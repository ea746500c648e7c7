// The cells of PreviewGrid (glide-data-grid), loaded when a preview is
// first shown.
import "@glideapps/glide-data-grid/dist/index.css";
import { DataEditor, type GridCell, type Item } from "@glideapps/glide-data-grid";
import { useCallback, useEffect, useMemo } from "react";
import type { Column, Preview } from "../api";
import { ensurePortal, gridColumn, initialWidth, nullCell, rowMarkerWidth, textCell } from "./cells";
import { duckdbTypeClass } from "./plain";
import "./grid.css";
import { useGridLook } from "./look";

export interface PreviewCellsProps {
  preview: Preview;
  height: number;
}

/** Text of a value as saved in the notebook's JSON. */
export function previewText(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

export function PreviewCells({ preview, height: h }: PreviewCellsProps) {
  const { columns, rows } = preview;
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
  return (
    <div className="sf-preview-cells" style={{ height: h }} title={look.title}>
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
  );
}
