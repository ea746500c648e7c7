// The rows a notebook saved from its last run, shown before the cell runs
// again: read-only, without sort or filter (there is no live result to run
// them on). A plain table, not the live grid (glide-data-grid): a notebook
// that opens with previews needs neither the grid's code nor its canvases,
// which were the largest part of the first screen's time and memory
// (docs/architecture.md, "Start-up"). It keeps the grid's look: the same
// column widths, row height, row numbers, aligned numbers and dim NULLs, and
// cut text ends in an ellipsis (the full text is the cell's tooltip). Only
// the rows in view (and a few more) are in the page.
import { useState } from "react";
import type { Column, Preview } from "../api";
import { duckdbTypeClass, formatCount, initialWidth, NULL_TEXT, previewText } from "./plain";
import "./grid.css";

export interface PreviewGridProps {
  preview: Preview;
  height?: number;
}

/** The grid's row and header heights (glide's defaults, which ResultGrid keeps). */
export const rowHeight = 34;
const headerHeight = 36;
/** Rows drawn beyond those in view, so a scroll shows rows, not a gap. */
const overscan = 8;

const typeMarks: Record<ReturnType<typeof duckdbTypeClass>, string> = { number: "#", temporal: "◷", boolean: "✓", nested: "[ ]", text: "Aa" };

export function PreviewGrid({ preview, height }: PreviewGridProps) {
  const { rows, totalRows, columns } = preview;
  // Short previews take only the height they need.
  const h = height ?? Math.min(420, headerHeight + rowHeight * Math.max(rows.length, 1) + 2);
  const [top, setTop] = useState(0);
  const first = Math.max(0, Math.floor(top / rowHeight) - overscan);
  const last = Math.min(rows.length, Math.ceil((top + h) / rowHeight) + overscan);
  const numbers = columns.map((c) => duckdbTypeClass(c.type) === "number");
  const markerWidth = Math.max(40, Math.ceil(String(rows.length).length * 7.5) + 20);
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
      <div
        className="sf-grid sf-preview-table"
        data-testid="preview-grid"
        data-rows={rows.length}
        style={{ height: h, flex: "none" }}
        onScroll={(e) => setTop(e.currentTarget.scrollTop)}
      >
        <table style={{ width: markerWidth + columns.reduce((w, c) => w + initialWidth(c), 0) }}>
          <colgroup>
            <col style={{ width: markerWidth }} />
            {columns.map((c) => (
              <col key={c.name} style={{ width: initialWidth(c) }} />
            ))}
          </colgroup>
          <thead>
            <tr style={{ height: headerHeight }}>
              <th className="sf-preview-n" />
              {columns.map((c: Column) => (
                <th key={c.name} title={`${c.name}: ${c.type}`}>
                  <span className="sf-preview-type" aria-hidden>
                    {typeMarks[duckdbTypeClass(c.type)]}
                  </span>
                  {c.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {first > 0 && <tr style={{ height: first * rowHeight }} aria-hidden />}
            {rows.slice(first, last).map((row, i) => (
              <tr key={first + i} style={{ height: rowHeight }}>
                <td className="sf-preview-n">{first + i + 1}</td>
                {columns.map((c, j) => {
                  const v = row[j];
                  if (v === null || v === undefined)
                    return (
                      <td key={c.name} className="sf-null">
                        {NULL_TEXT}
                      </td>
                    );
                  const text = previewText(v);
                  return (
                    <td key={c.name} className={numbers[j] ? "sf-num" : undefined} title={text.length > 20 ? text : undefined}>
                      {text}
                    </td>
                  );
                })}
              </tr>
            ))}
            {last < rows.length && <tr style={{ height: (rows.length - last) * rowHeight }} aria-hidden />}
          </tbody>
        </table>
      </div>
    </div>
  );
}
