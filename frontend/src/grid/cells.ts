// What the result grid and the preview grid share: cells, column headers
// and the theme, so a preview looks like the live grid it stands in for.
import { GridCellKind, GridColumnIcon, type GridCell, type SizedGridColumn, type Theme } from "@glideapps/glide-data-grid";
import type { Column } from "../api";
import { duckdbTypeClass, NULL_TEXT } from "./format";

export const loadingCell: GridCell = { kind: GridCellKind.Loading, allowOverlay: false, skeletonWidthVariability: 30 };

// NULL is dim so it is never mistaken for the text "NULL"; it copies as an empty field.
export const nullCell: GridCell = {
  kind: GridCellKind.Text,
  data: "",
  displayData: NULL_TEXT,
  copyData: "",
  allowOverlay: false,
  readonly: true,
  themeOverride: { textDark: "#a3acb6" },
};

export function textCell(text: string, align: "left" | "right"): GridCell {
  return { kind: GridCellKind.Text, data: text, displayData: text, allowOverlay: true, readonly: true, contentAlign: align };
}

const ICONS = {
  number: GridColumnIcon.HeaderNumber,
  temporal: GridColumnIcon.HeaderDate,
  boolean: GridColumnIcon.HeaderBoolean,
  nested: GridColumnIcon.HeaderArray,
  text: GridColumnIcon.HeaderString,
};

const WIDTHS = { number: 110, temporal: 215, boolean: 80, nested: 220, text: 160 };

/** A first width from the type and the header title (name, sort arrow, filter); the user can drag it wider. */
export function initialWidth(c: Column, title = c.name): number {
  const cls = duckdbTypeClass(c.type);
  // DATE is 10 characters; a TIMESTAMP with microseconds, 26.
  const byType = cls === "temporal" && c.type.toUpperCase() === "DATE" ? 110 : WIDTHS[cls];
  return Math.min(360, Math.max(byType, title.length * 8 + 56));
}

export function gridColumn(c: Column, title: string, width: number, hasMenu: boolean): SizedGridColumn {
  const cls = duckdbTypeClass(c.type);
  const icon = c.type.toUpperCase().startsWith("TIME") && cls === "text" ? GridColumnIcon.HeaderTime : ICONS[cls];
  return { id: c.name, title, width, icon, hasMenu };
}

export const gridTheme: Partial<Theme> = {
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
  baseFontStyle: "13px",
  headerFontStyle: "600 13px",
  editorFontSize: "13px",
  accentColor: "#0b5cad",
  accentLight: "rgba(11, 92, 173, 0.12)",
  textDark: "#1d2733",
  textMedium: "#57606a",
  textHeader: "#1d2733",
  bgHeader: "#f3f5f8",
  bgHeaderHovered: "#e6ebf1",
  borderColor: "rgba(29, 39, 51, 0.12)",
  cellHorizontalPadding: 8,
};

/** Row-number markers wide enough for the largest row number. */
export function rowMarkerWidth(rows: number): number {
  return Math.max(40, String(rows).length * 8 + 16);
}

/**
 * Glide opens a cell's full text (double-click) in `#portal`, a fixed layer
 * it expects as the last child of <body>; made here so the grid works in
 * any page that shows it.
 */
export function ensurePortal(): void {
  if (typeof document === "undefined" || document.getElementById("portal")) return;
  const el = document.createElement("div");
  el.id = "portal";
  el.style.cssText = "position: fixed; left: 0; top: 0; z-index: 9999;";
  document.body.appendChild(el);
}
