// Picks a chart from a result's columns with plain selects and draws it as
// the choice changes. What it saves is a Vega-Lite spec over the named
// result (see spec.ts); a spec it cannot express starts from a default.
import { useMemo, useState } from "react";
import type { ResultRef } from "../api";
import { ChartView } from "./ChartView";
import { AGGREGATES, MARKS, SORTS, buildSpec, configFromSpec, defaultConfig, normalizeConfig, validateConfig, type ChartAggregate, type ChartConfig, type ChartMark, type ChartSort } from "./spec";

export interface ChartEditorProps {
  session: string;
  result: ResultRef;
  /** The stored spec to start from, if the cell has one. */
  spec?: object;
  onSave(spec: object): void;
  onRemove(): void;
  onCancel?(): void;
  onError?(msg: string): void;
  renderer?: "canvas" | "svg";
}

const AGGREGATE_LABEL: Record<ChartAggregate, string> = { none: "none", sum: "sum", mean: "mean", count: "count of rows" };
const SORT_LABEL: Record<ChartSort, string> = { x: "x ascending", "-x": "x descending", y: "y ascending", "-y": "y descending" };

export function ChartEditor({ session, result, spec, onSave, onRemove, onCancel, onError, renderer }: ChartEditorProps) {
  const [config, setConfig] = useState<ChartConfig>(() => (spec && configFromSpec(spec)) || defaultConfig(result.columns));
  const c = normalizeConfig(config);
  const problem = validateConfig(config, result.columns);
  const built = useMemo(() => buildSpec(config, result), [config, result]);
  const set = (patch: Partial<ChartConfig>) => setConfig((old) => ({ ...old, ...patch }));
  const histogram = c.mark === "histogram";
  const counting = !histogram && c.aggregate === "count";

  const columnSelect = (testid: string, value: string | undefined, onChange: (v: string | undefined) => void, optional: boolean, disabled = false) => (
    <select data-testid={testid} value={value ?? ""} disabled={disabled} onChange={(e) => onChange(e.target.value || undefined)}>
      {optional && <option value="">(none)</option>}
      {/* A column the result no longer has stays selectable, so the problem can be seen and fixed. */}
      {value && !result.columns.some((k) => k.name === value) && <option value={value}>{value} (missing)</option>}
      {result.columns.map((k) => (
        <option key={k.name} value={k.name}>
          {k.name}
        </option>
      ))}
    </select>
  );

  return (
    <div className="sf-chart-editor" data-testid="chart-editor">
      <div className="sf-chart-fields">
        <label>
          Mark
          <select data-testid="chart-mark" value={c.mark} onChange={(e) => set({ mark: e.target.value as ChartMark })}>
            {MARKS.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label>
          X{columnSelect("chart-x", c.x, (v) => set({ x: v ?? "" }), false)}
        </label>
        <label>
          Y{columnSelect("chart-y", histogram || counting ? undefined : config.y, (v) => set({ y: v }), true, histogram || counting)}
        </label>
        <label>
          Aggregate
          <select
            data-testid="chart-aggregate"
            value={histogram ? "count" : (c.aggregate ?? "none")}
            disabled={histogram}
            onChange={(e) => set({ aggregate: e.target.value as ChartAggregate })}
          >
            {AGGREGATES.map((a) => (
              <option key={a} value={a}>
                {AGGREGATE_LABEL[a]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Color{columnSelect("chart-color", c.color, (v) => set({ color: v }), true)}
        </label>
        <label>
          Sort
          <select data-testid="chart-sort" value={c.sort ?? ""} disabled={histogram} onChange={(e) => set({ sort: (e.target.value || undefined) as ChartSort | undefined })}>
            <option value="">(as the data comes)</option>
            {SORTS.map((o) => (
              <option key={o} value={o}>
                {SORT_LABEL[o]}
              </option>
            ))}
          </select>
        </label>
        <label>
          X title
          <input data-testid="chart-x-title" value={c.xTitle ?? ""} placeholder={c.x} onChange={(e) => set({ xTitle: e.target.value || undefined })} />
        </label>
        <label>
          Y title
          <input data-testid="chart-y-title" value={c.yTitle ?? ""} onChange={(e) => set({ yTitle: e.target.value || undefined })} />
        </label>
        <span className="sf-chart-buttons">
          <button data-testid="chart-save" disabled={!!problem} onClick={() => onSave(buildSpec(config, result))}>
            Save chart
          </button>
          {onCancel && <button onClick={onCancel}>Cancel</button>}
          <button data-testid="chart-remove" onClick={onRemove}>
            Remove chart
          </button>
        </span>
      </div>
      {problem ? (
        <p className="sf-chart-problem" data-testid="chart-problem">
          {problem}
        </p>
      ) : (
        <ChartView session={session} result={result} spec={built} onError={onError} renderer={renderer} />
      )}
    </div>
  );
}
