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

export { initialWidth } from "./plain";

export function gridColumn(c: Column, title: string, width: number, hasMenu: boolean): SizedGridColumn {
  const cls = duckdbTypeClass(c.type);
  const icon = c.type.toUpperCase().startsWith("TIME") && cls === "text" ? GridColumnIcon.HeaderTime : ICONS[cls];
  return { id: c.name, title, width, icon, hasMenu };
}

// Row numbers in 12px (glide's default is 9px, too small to read) and in
// the body's grey, not glide's faint one.
export const gridTheme: Partial<Theme> = {
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
  baseFontStyle: "13px",
  headerFontStyle: "600 13px",
  markerFontStyle: "12px",
  editorFontSize: "13px",
  accentColor: "#0b5cad",
  accentLight: "rgba(11, 92, 173, 0.12)",
  textDark: "#1d2733",
  textMedium: "#57606a",
  textLight: "#57606a",
  textHeader: "#1d2733",
  bgHeader: "#f3f5f8",
  bgHeaderHovered: "#e6ebf1",
  borderColor: "rgba(29, 39, 51, 0.12)",
  cellHorizontalPadding: 8,
};

/** The grid's colours for the dark theme (theme/dark.css has the page's). */
export const darkGridTheme: Partial<Theme> = {
  ...gridTheme,
  accentColor: "#6cb1f5",
  accentLight: "rgba(108, 177, 245, 0.18)",
  accentFg: "#0d1117",
  textDark: "#d8dee6",
  textMedium: "#9aa4af",
  textLight: "#9aa4af",
  textHeader: "#d8dee6",
  textBubble: "#d8dee6",
  bgIconHeader: "#9aa4af",
  fgIconHeader: "#16191d",
  bgCell: "#1b1f24",
  bgCellMedium: "#20252b",
  bgHeader: "#22272e",
  bgHeaderHasFocus: "#2a3038",
  bgHeaderHovered: "#2a3038",
  bgBubble: "#22272e",
  bgBubbleSelected: "#1f3550",
  bgSearchResult: "#3a3212",
  borderColor: "rgba(216, 222, 230, 0.12)",
  horizontalBorderColor: "rgba(216, 222, 230, 0.08)",
  drilldownBorder: "rgba(216, 222, 230, 0.3)",
  linkColor: "#6cb1f5",
};

/** Row-number markers wide enough for the largest row number, in 12px digits. */
export function rowMarkerWidth(rows: number): number {
  return Math.max(40, Math.ceil(String(rows).length * 7.5) + 20);
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
