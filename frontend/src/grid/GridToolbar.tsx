// The strip above the result grid: the row count, go to row, exports of
// the rows as sorted and filtered, and the chart toggle.
import { useState, type FormEvent } from "react";
import { api, type Filter, type ResultRef, type SortKey } from "../api";
import { formatCount } from "./format";

export interface GridToolbarProps {
  session: string;
  result: ResultRef;
  total: number;
  filtered: boolean;
  sort?: SortKey;
  filters: Filter[];
  /** What the grid waits for, e.g. "Sorting…" while DuckDB sorts a large result. */
  waiting?: string;
  /** Scroll so that this row (0-based) is at the top. */
  onGoTo(row: number): void;
  onError?(msg: string): void;
  onChart?(): void;
  chartOpen?: boolean;
}

export function GridToolbar({ session, result, total, filtered, sort, filters, waiting, onGoTo, onError, onChart, chartOpen }: GridToolbarProps) {
  const [status, setStatus] = useState<{ text: string; error?: boolean }>();
  const [exporting, setExporting] = useState(false);
  const [goto, setGoto] = useState("");

  const exportAs = async (format: "csv" | "parquet") => {
    setExporting(true);
    setStatus({ text: `Exporting ${format === "csv" ? "CSV" : "Parquet"}…` });
    try {
      const r = await api.exportResult(session, {
        schema: result.schema,
        table: result.table,
        format,
        sort: sort ? [sort] : undefined,
        filters: filters.length ? filters : undefined,
      });
      setStatus({ text: `Exported ${formatCount(r.rows)} rows to ${r.path}` });
    } catch (e) {
      const msg = `Export failed: ${e instanceof Error ? e.message : String(e)}`;
      setStatus({ text: msg, error: true });
      onError?.(msg);
    } finally {
      setExporting(false);
    }
  };

  // Row numbers in the grid's margin start at 1, so "go to 900000" shows the row labelled 900,000 first.
  const go = (e: FormEvent) => {
    e.preventDefault();
    const n = Number(goto.replace(/[,\s_]/g, ""));
    if (!Number.isFinite(n) || total === 0) return;
    onGoTo(Math.min(Math.max(Math.trunc(n) - 1, 0), total - 1));
  };

  return (
    <div className="sf-grid-toolbar">
      <span className="sf-row-count" data-testid="row-count">
        {formatCount(total)} {total === 1 ? "row" : "rows"}
      </span>
      {filtered && <span className="sf-grid-note">filtered from {formatCount(result.rows)}</span>}
      {waiting && (
        <span className="sf-grid-busy" data-testid="grid-busy" role="status">
          {waiting}
        </span>
      )}
      <form className="sf-goto" onSubmit={go}>
        <input data-testid="goto-row" inputMode="numeric" placeholder="Go to row" value={goto} onChange={(e) => setGoto(e.target.value)} aria-label="Go to row" />
      </form>
      <span className="sf-grid-spacer" />
      {status && (
        <span className={status.error ? "sf-grid-status sf-error" : "sf-grid-status"} data-testid="export-status" title={status.text}>
          {status.text}
        </span>
      )}
      <button data-testid="export-csv" disabled={exporting} onClick={() => void exportAs("csv")}>
        Export CSV
      </button>
      <button data-testid="export-parquet" disabled={exporting} onClick={() => void exportAs("parquet")}>
        Export Parquet
      </button>
      {onChart && (
        <button data-testid="chart-toggle" aria-pressed={!!chartOpen} onClick={onChart}>
          Chart
        </button>
      )}
    </div>
  );
}
