// A column's profile, computed by DuckDB over the whole result: counts,
// range, and a small histogram (numbers and time) or the most frequent
// values (everything else).
import { useEffect, useRef, useState } from "react";
import { api, type Summary } from "../api";
import { formatCount } from "./format";

export interface ColumnSummaryProps {
  session: string;
  result: { schema?: string; table: string };
  column: string;
  onClose?(): void;
  onError?(msg: string): void;
}

export function ColumnSummary({ session, result, column, onClose, onError }: ColumnSummaryProps) {
  const [summary, setSummary] = useState<Summary>();
  const [error, setError] = useState<string>();
  const onErrorRef = useRef(onError);
  onErrorRef.current = onError;
  useEffect(() => {
    let live = true;
    setSummary(undefined);
    setError(undefined);
    api.summarize(session, result, column).then(
      (s) => live && setSummary(s),
      (e: Error) => {
        if (!live) return;
        setError(e.message);
        onErrorRef.current?.(e.message);
      },
    );
    return () => {
      live = false;
    };
  }, [session, result.schema, result.table, column]);

  return (
    <aside className="sf-summary" data-testid="column-summary" aria-label={`Summary of ${column}`}>
      <header>
        <strong title={column}>{column}</strong>
        {summary && <span className="sf-summary-type">{summary.type}</span>}
        {onClose && (
          <button className="sf-summary-close" onClick={onClose} aria-label="Close summary">
            ×
          </button>
        )}
      </header>
      {error && <p className="sf-summary-error">{error}</p>}
      {!summary && !error && <p className="sf-summary-note">Summarizing…</p>}
      {summary && <SummaryBody s={summary} />}
    </aside>
  );
}

function SummaryBody({ s }: { s: Summary }) {
  const pct = (n: number) => (s.rows ? ` (${((100 * n) / s.rows).toFixed(n && n < s.rows / 1000 ? 2 : 1)}%)` : "");
  return (
    <>
      <dl className="sf-summary-stats">
        <dt>Rows</dt>
        <dd data-stat="rows">{formatCount(s.rows)}</dd>
        <dt>Nulls</dt>
        <dd data-stat="nulls">
          {formatCount(s.nulls)}
          {pct(s.nulls)}
        </dd>
        <dt>Distinct</dt>
        <dd data-stat="distinct" title="approximate">
          ≈{formatCount(s.distinct)}
        </dd>
        {s.min !== undefined && (
          <>
            <dt>Min</dt>
            <dd data-stat="min">{s.min}</dd>
            <dt>Max</dt>
            <dd data-stat="max">{s.max}</dd>
          </>
        )}
      </dl>
      {s.bins && s.bins.length > 0 && <Histogram bins={s.bins} min={s.min} />}
      {s.top && s.top.length > 0 && <TopValues top={s.top} rows={s.rows} />}
    </>
  );
}

/**
 * DuckDB's bin bounds are doubles ("999999.9999999999"); shown with six
 * significant digits, which is all a 240-pixel histogram can tell apart.
 */
export function boundText(s: string | undefined): string {
  if (s === undefined || !/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(s)) return s ?? "";
  const n = Number(s);
  return Number.isInteger(n) && Math.abs(n) < 1e15 ? s : String(Number(n.toPrecision(6)));
}

const W = 240;
const H = 64;

/** Bars of equal width; each bin holds the values up to its upper bound. */
export function Histogram({ bins, min }: { bins: { upper: string; count: number }[]; min?: string }) {
  const most = Math.max(1, ...bins.map((b) => b.count));
  const w = W / bins.length;
  return (
    <figure className="sf-summary-hist">
      <svg width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-label="histogram">
        {bins.map((b, i) => {
          const h = b.count ? Math.max(1, (H * b.count) / most) : 0;
          return (
            <rect key={i} x={i * w + 0.5} y={H - h} width={Math.max(1, w - 1)} height={h} data-count={b.count}>
              <title>{`${boundText(i === 0 ? min : bins[i - 1].upper)} – ${boundText(b.upper)}: ${formatCount(b.count)}`}</title>
            </rect>
          );
        })}
      </svg>
      <figcaption>
        <span>{boundText(min)}</span>
        <span>{boundText(bins[bins.length - 1].upper)}</span>
      </figcaption>
    </figure>
  );
}

export function TopValues({ top, rows }: { top: { value: string | null; count: number }[]; rows: number }) {
  const most = Math.max(1, ...top.map((t) => t.count));
  return (
    <ol className="sf-summary-top">
      {top.map((t, i) => (
        <li key={i} title={`${t.value ?? "NULL"}: ${formatCount(t.count)} of ${formatCount(rows)}`}>
          <span className="sf-summary-bar" style={{ width: `${(100 * t.count) / most}%` }} />
          <span className={t.value === null ? "sf-summary-value sf-null" : "sf-summary-value"}>{t.value ?? "NULL"}</span>
          <span className="sf-summary-count">{formatCount(t.count)}</span>
        </li>
      ))}
    </ol>
  );
}
