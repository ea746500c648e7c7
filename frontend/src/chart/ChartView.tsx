// Draws a stored Vega-Lite spec over a result. The spec names its data
// (`data: {name}`); the rows are read from the backend here and handed to
// Vega-Lite as that named dataset, so the stored spec never holds values.
//
// Canvas renderer: a chart of 50,000 points is 50,000 SVG nodes, which the
// browser lays out and keeps in the DOM; canvas paints them once, several
// times faster, and tooltips still work through Vega's own hit testing.
import { useEffect, useMemo, useRef, useState } from "react";
import type { Table } from "apache-arrow";
import { api, type ResultRef } from "../api";
import { formatCount } from "../grid/plain";
import { chartRows } from "./rows";
import { configFromSpec, fieldType, validateConfig } from "./spec";
import "./chart.css";
import { useTheme } from "../theme/theme";
import { fillWidth } from "./width";
import { embedStyle } from "./embed";

export const CHART_ROW_CAP = 50_000;
const URL_PROBLEM = "This chart reads data from a URL; charts draw only the notebook's own results.";

/** Whether a spec (written by hand) names data by URL anywhere, layers included. */
export function readsURL(spec: unknown): boolean {
  if (Array.isArray(spec)) return spec.some(readsURL);
  if (typeof spec !== "object" || spec === null) return false;
  return Object.entries(spec).some(([k, v]) => (k === "data" && typeof v === "object" && v !== null && "url" in v) || readsURL(v));
}

export interface ChartViewProps {
  session: string;
  result: ResultRef;
  spec: object;
  onError?(msg: string): void;
  /** "canvas" (default) or "svg", e.g. where no canvas exists. */
  renderer?: "canvas" | "svg";
}

export function ChartView({ session, result, spec, onError, renderer = "canvas" }: ChartViewProps) {
  const host = useRef<HTMLDivElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const [table, setTable] = useState<Table>();
  const [error, setError] = useState<string>();
  const onErrorRef = useRef(onError);
  onErrorRef.current = onError;

  const fail = (msg: string) => {
    setError(msg);
    onErrorRef.current?.(msg);
  };

  // The rows depend on the result only; a new spec over them redraws without a fetch.
  useEffect(() => {
    let live = true;
    setTable(undefined);
    api.window(session, { schema: result.schema, table: result.table, offset: 0, limit: CHART_ROW_CAP }).then(
      (w) => live && setTable(w.table),
      (e: Error) => live && fail(`Could not read the rows to chart: ${e.message}`),
    );
    return () => {
      live = false;
    };
  }, [session, result]);

  const config = useMemo(() => configFromSpec(spec), [spec]);
  const invalid = (config ? validateConfig(config, result.columns) : undefined) ?? (readsURL(spec) ? URL_PROBLEM : undefined);

  const dark = useTheme() === "dark";
  useEffect(() => {
    const el = host.current;
    if (!table || !el || invalid) return;
    let finalize: (() => void) | undefined;
    let live = true;
    box.current?.removeAttribute("data-rendered");
    setError(undefined);
    const s = spec as { data?: { name?: unknown } };
    const name = typeof s.data?.name === "string" ? s.data.name : undefined;
    const types = new Map(result.columns.map((c) => [c.name, fieldType(c.type)]));
    // A spec the editor made reads only its own columns; one written by hand gets them all.
    const fields = config ? new Set([config.x, config.y, config.color].filter((f): f is string => !!f)) : undefined;
    const quantitative = new Set([...types].filter(([, t]) => t === "quantitative").map(([n]) => n));
    const full = fillWidth(name ? { ...spec, datasets: { [name]: chartRows(table, { fields, quantitative }) } } : spec);
    Promise.all([import("vega-embed"), import("vega")])
      .then(async ([{ default: embed }, vega]) => {
        if (!live) return;
        // Charts draw the notebook's own results; a spec naming a URL must not reach the network.
        const loader = vega.loader();
        const refuse = () => Promise.reject(new Error("charts only read the notebook's results, not URLs or files"));
        loader.http = refuse;
        loader.file = refuse;
        // ast: Vega's expressions are interpreted, not compiled with new Function,
        // which the browser server's Content-Security-Policy forbids (no unsafe-eval).
        const res = await embed(el, full as never, { ...embedStyle(dark), renderer, loader, logLevel: vega.Warn, ast: true, ...(dark ? { theme: "dark" as const } : {}) });
        if (!live) {
          res.finalize();
          return;
        }
        finalize = res.finalize;
        box.current?.setAttribute("data-rendered", "true");
      })
      .catch((e: Error) => live && fail(`The chart could not be drawn: ${e.message}`));
    return () => {
      live = false;
      finalize?.();
      el.replaceChildren();
    };
  }, [table, spec, invalid, renderer, dark]);

  const capped = result.rows > CHART_ROW_CAP;
  return (
    <div className="sf-chart" data-testid="chart" ref={box}>
      {invalid && <p className="sf-chart-problem">{invalid}</p>}
      {!invalid && error && <p className="sf-chart-problem">{error}</p>}
      {!invalid && !table && !error && <p className="sf-chart-note">Loading rows…</p>}
      <div className="sf-chart-canvas" ref={host} hidden={!!invalid} />
      {capped && table && (
        <p className="sf-chart-note" data-testid="chart-capped">
          Chart of the first {formatCount(CHART_ROW_CAP)} rows of {formatCount(result.rows)}.
        </p>
      )}
    </div>
  );
}
