// How the lake panel words sizes and counts. Fixed to en-US grouping so a
// row count reads "1,200,000 rows" the same on every machine.
const grouped = new Intl.NumberFormat("en-US");

const plural = (n: number, one: string, many: string) => `${grouped.format(n)} ${n === 1 ? one : many}`;

/** "1,200,000 rows"; "— rows" when the backend could not count (-1). */
export function formatRows(rows: number): string {
  return rows < 0 ? "— rows" : plural(rows, "row", "rows");
}

export function formatFiles(files: number): string {
  return plural(files, "file", "files");
}

const units = ["B", "KB", "MB", "GB", "TB", "PB"];

/**
 * Decimal units (1 KB = 1000 B), three significant digits: "512 B",
 * "1.5 KB", "31.2 MB", "312 MB".
 */
export function formatBytes(bytes: number): string {
  if (!(bytes >= 0)) return "— B";
  let value = bytes;
  let unit = 0;
  // Step up once the shown number would round to 1000.
  while (value >= 999.5 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  if (unit === 0) return `${value} B`;
  return `${value < 99.95 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** "partitioned by event_date · 14 partitions"; empty when not partitioned. */
export function formatPartitions(keys: string[] | undefined, count: number | undefined): string {
  if (!keys || keys.length === 0) return "";
  const by = `partitioned by ${keys.join(", ")}`;
  return count === undefined || count < 0 ? by : `${by} · ${plural(count, "partition", "partitions")}`;
}
