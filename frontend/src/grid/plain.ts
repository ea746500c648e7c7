// Formatting that needs no Arrow: type classes by DuckDB type name, and
// counts. Kept apart from format.ts so that the views shown before any
// result (the variables panel) do not load Arrow with the first screen.

/** How DuckDB type names (from ResultRef.columns) read: for previews, charts and menus. */
export function duckdbTypeClass(type: string): "number" | "temporal" | "boolean" | "nested" | "text" {
  const t = type.toUpperCase();
  if (/^(STRUCT|MAP|UNION)\b/.test(t) || /\[\d*\]$/.test(t)) return "nested";
  if (/^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL|NUMERIC)\b/.test(t)) return "number";
  if (/^(DATE|TIMESTAMP)/.test(t)) return "temporal";
  if (t === "BOOLEAN") return "boolean";
  return "text";
}

/** How NULL reads in a grid: dim, so it is never taken for the text "NULL". */
export const NULL_TEXT = "NULL";

const WIDTHS = { number: 110, temporal: 215, boolean: 80, nested: 220, text: 160 };

/** A column's first width from its type and header title (name, sort arrow, filter); the user can drag it wider. */
export function initialWidth(c: { type: string; name: string }, title = c.name): number {
  const cls = duckdbTypeClass(c.type);
  // DATE is 10 characters; a TIMESTAMP with microseconds, 26.
  const byType = cls === "temporal" && c.type.toUpperCase() === "DATE" ? 110 : WIDTHS[cls];
  return Math.min(360, Math.max(byType, title.length * 8 + 56));
}

/** Text of a value as a notebook saved it in a preview (JSON). */
export function previewText(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** Thousands separators, fixed to en-US so tests and screenshots read the same everywhere. */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}
