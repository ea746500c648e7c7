// Charts are Vega-Lite specs over a named result: the notebook stores the
// spec with `data: {name: <result table>}` and no values, so it stays small
// and follows the result when the cell runs again. The editor works on a
// ChartConfig; these functions turn one into the other and check a config
// against the result's columns.
import type { Column } from "../api";
import { duckdbTypeClass } from "../grid/plain";

export type ChartMark = "bar" | "line" | "area" | "point" | "histogram";
export type ChartAggregate = "sum" | "mean" | "count" | "none";

export interface ChartConfig {
  mark: ChartMark;
  x: string;
  y?: string;
  color?: string;
  aggregate?: ChartAggregate;
  /** The x axis' order: by x or by y, ascending or descending ("-"); undefined is Vega-Lite's. */
  sort?: ChartSort;
  xTitle?: string;
  yTitle?: string;
}

export type ChartSort = "x" | "-x" | "y" | "-y";
export const SORTS: ChartSort[] = ["x", "-x", "y", "-y"];

export type FieldType = "quantitative" | "temporal" | "nominal";

export interface FieldDef {
  field?: string;
  type: FieldType;
  aggregate?: "sum" | "mean" | "count";
  bin?: boolean;
  sort?: ChartSort;
  title?: string;
}

export interface VegaLiteSpec {
  $schema: string;
  data: { name: string };
  mark: { type: "bar" | "line" | "area" | "point"; tooltip: boolean };
  encoding: { x: FieldDef; y: FieldDef; color?: FieldDef };
  width: "container";
  height: number;
}

export interface ResultShape {
  schema?: string;
  table: string;
  columns: Column[];
}

export const MARKS: ChartMark[] = ["bar", "line", "area", "point", "histogram"];
export const AGGREGATES: ChartAggregate[] = ["none", "sum", "mean", "count"];

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const HEIGHT = 260;

/** numeric → quantitative, DATE/TIMESTAMP → temporal, anything else → nominal. */
export function fieldType(duckdbType: string): FieldType {
  const c = duckdbTypeClass(duckdbType);
  return c === "number" ? "quantitative" : c === "temporal" ? "temporal" : "nominal";
}

/**
 * The config as buildSpec reads it: a histogram counts rows of x, and a
 * count needs no y, so those parts are dropped rather than stored unused.
 */
export function normalizeConfig(c: ChartConfig): ChartConfig {
  if (c.mark === "histogram") return withExtras({ mark: "histogram", x: c.x }, c);
  const aggregate = c.aggregate ?? "none";
  if (aggregate === "count") return withExtras({ mark: c.mark, x: c.x, aggregate }, c);
  return withExtras({ mark: c.mark, x: c.x, y: c.y, aggregate }, c);
}

function withColor(c: ChartConfig, color: string | undefined): ChartConfig {
  return color ? { ...c, color } : c;
}

/** The color, sort and axis titles of from, where set, over c. */
function withExtras(c: ChartConfig, from: Pick<ChartConfig, "color" | "sort" | "xTitle" | "yTitle">): ChartConfig {
  const out = withColor(c, from.color);
  if (from.sort && c.mark !== "histogram") out.sort = from.sort;
  if (from.xTitle) out.xTitle = from.xTitle;
  if (from.yTitle) out.yTitle = from.yTitle;
  return out;
}

export function buildSpec(config: ChartConfig, result: ResultShape): VegaLiteSpec {
  const c = normalizeConfig(config);
  const typeOf = (name: string): FieldType => {
    const col = result.columns.find((k) => k.name === name);
    return col ? fieldType(col.type) : "nominal";
  };
  let x: FieldDef;
  let y: FieldDef;
  if (c.mark === "histogram") {
    x = { field: c.x, type: "quantitative", bin: true };
    y = { aggregate: "count", type: "quantitative" };
  } else {
    x = { field: c.x, type: typeOf(c.x) };
    if (c.aggregate === "count") y = { aggregate: "count", type: "quantitative" };
    else if (c.aggregate === "sum" || c.aggregate === "mean") y = { field: c.y, type: "quantitative", aggregate: c.aggregate };
    else y = { field: c.y, type: c.y ? typeOf(c.y) : "quantitative" };
  }
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    data: { name: result.table },
    mark: { type: c.mark === "histogram" ? "bar" : c.mark, tooltip: true },
    encoding: { x, y },
    width: "container",
    height: HEIGHT,
  };
  if (c.color) spec.encoding.color = { field: c.color, type: typeOf(c.color) };
  if (c.sort) x.sort = c.sort;
  if (c.xTitle) x.title = c.xTitle;
  if (c.yTitle) y.title = c.yTitle;
  return spec;
}

/**
 * Reads back the config a stored spec was built from, to reopen the editor.
 * A spec written by hand that the editor cannot express gives undefined.
 */
export function configFromSpec(spec: unknown): ChartConfig | undefined {
  if (!isObject(spec) || !isObject(spec.encoding)) return undefined;
  const markValue = isObject(spec.mark) ? spec.mark.type : spec.mark;
  const enc = spec.encoding;
  const x = isObject(enc.x) ? enc.x : undefined;
  const y = isObject(enc.y) ? enc.y : undefined;
  const color = isObject(enc.color) && typeof enc.color.field === "string" ? enc.color.field : undefined;
  if (!x || typeof x.field !== "string" || !["bar", "line", "area", "point"].includes(String(markValue))) return undefined;
  // A sort or title the editor cannot show would be lost on saving: such a spec is not the editor's.
  if (x.sort !== undefined && !SORTS.includes(x.sort as ChartSort)) return undefined;
  if ((x.title !== undefined && typeof x.title !== "string") || (y?.title !== undefined && typeof y.title !== "string")) return undefined;
  const extras = {
    color,
    sort: x.sort as ChartSort | undefined,
    xTitle: x.title as string | undefined,
    yTitle: y?.title as string | undefined,
  };
  const mark = markValue as Exclude<ChartMark, "histogram">;
  if (mark === "bar" && x.bin && y?.aggregate === "count") return withExtras({ mark: "histogram", x: x.field }, extras);
  const agg = y?.aggregate === "average" ? "mean" : y?.aggregate;
  if (agg === "count") return withExtras({ mark, x: x.field, aggregate: "count" }, extras);
  if (typeof y?.field !== "string") return undefined;
  if (agg !== undefined && agg !== "sum" && agg !== "mean") return undefined;
  return withExtras({ mark, x: x.field, y: y.field, aggregate: agg ?? "none" }, extras);
}

/** Why the config cannot be drawn over these columns, in words for the user; undefined when it can. */
export function validateConfig(config: ChartConfig, columns: Column[]): string | undefined {
  const c = normalizeConfig(config);
  const byName = new Map(columns.map((k) => [k.name, k]));
  const used = [c.x, c.y, c.color].filter((n): n is string => !!n);
  for (const name of used) {
    if (!byName.has(name)) {
      const names = columns.map((k) => k.name).join(", ") || "none";
      return `The chart uses column "${name}", which this result does not have (its columns: ${names}). Pick another column.`;
    }
  }
  if (!c.x) return "Pick an x column.";
  const numeric = (name: string) => fieldType(byName.get(name)!.type) === "quantitative";
  if (c.mark === "histogram") {
    return numeric(c.x) ? undefined : `A histogram needs a numeric x column; "${c.x}" is ${byName.get(c.x)!.type}.`;
  }
  if (c.aggregate === "count") return undefined;
  if (!c.y) return "Pick a y column, or count rows.";
  if ((c.aggregate === "sum" || c.aggregate === "mean") && !numeric(c.y)) {
    return `${c.aggregate === "sum" ? "A sum" : "A mean"} needs a numeric y column; "${c.y}" is ${byName.get(c.y)!.type}.`;
  }
  return undefined;
}

/** A first chart for a result: its first column across, the first other numeric column up. */
export function defaultConfig(columns: Column[]): ChartConfig {
  const x = columns[0]?.name ?? "";
  const y = columns.find((k) => k.name !== x && fieldType(k.type) === "quantitative")?.name;
  if (!y) return { mark: "bar", x, aggregate: "count" };
  const xType = columns[0] ? fieldType(columns[0].type) : "nominal";
  if (xType === "temporal") return { mark: "line", x, y, aggregate: "sum" };
  if (xType === "quantitative") return { mark: "point", x, y, aggregate: "none" };
  return { mark: "bar", x, y, aggregate: "sum" };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
