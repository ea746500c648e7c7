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

/** Thousands separators, fixed to en-US so tests and screenshots read the same everywhere. */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}
