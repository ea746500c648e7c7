// @vitest-environment node
import { describe, expect, it } from "vitest";
import type { Column } from "../api";
import { buildSpec, configFromSpec, defaultConfig, fieldType, validateConfig, type ChartConfig } from "./spec";

const columns: Column[] = [
  { name: "region", type: "VARCHAR" },
  { name: "day", type: "DATE" },
  { name: "units", type: "BIGINT" },
  { name: "price", type: "DECIMAL(10,2)" },
  { name: "at", type: "TIMESTAMP WITH TIME ZONE" },
  { name: "ok", type: "BOOLEAN" },
];
const result = { table: "sales", columns };

describe("buildSpec", () => {
  it("references the named result, never inline values", () => {
    const spec = buildSpec({ mark: "bar", x: "region", y: "units", aggregate: "sum" }, { ...result, schema: "_smallfry" });
    expect(spec.data).toEqual({ name: "sales" });
    expect(spec).not.toHaveProperty("datasets");
    expect(spec.$schema).toBe("https://vega.github.io/schema/vega-lite/v6.json");
  });

  it.each<[string, ChartConfig, object]>([
    [
      "bar of a sum",
      { mark: "bar", x: "region", y: "units", aggregate: "sum" },
      { x: { field: "region", type: "nominal" }, y: { field: "units", type: "quantitative", aggregate: "sum" } },
    ],
    [
      "line over dates",
      { mark: "line", x: "day", y: "price", aggregate: "mean" },
      { x: { field: "day", type: "temporal" }, y: { field: "price", type: "quantitative", aggregate: "mean" } },
    ],
    [
      "area with color",
      { mark: "area", x: "at", y: "units", color: "region", aggregate: "sum" },
      {
        x: { field: "at", type: "temporal" },
        y: { field: "units", type: "quantitative", aggregate: "sum" },
        color: { field: "region", type: "nominal" },
      },
    ],
    [
      "scatter of raw values",
      { mark: "point", x: "price", y: "units", aggregate: "none" },
      { x: { field: "price", type: "quantitative" }, y: { field: "units", type: "quantitative" } },
    ],
    [
      "count of rows (y ignored)",
      { mark: "bar", x: "ok", y: "units", aggregate: "count" },
      { x: { field: "ok", type: "nominal" }, y: { aggregate: "count", type: "quantitative" } },
    ],
    [
      "histogram",
      { mark: "histogram", x: "units", y: "price", aggregate: "sum" },
      { x: { field: "units", type: "quantitative", bin: true }, y: { aggregate: "count", type: "quantitative" } },
    ],
  ])("%s", (_, config, encoding) => {
    const spec = buildSpec(config, result);
    expect(spec.encoding).toEqual(encoding);
    expect(spec.mark).toEqual({ type: config.mark === "histogram" ? "bar" : config.mark, tooltip: true });
  });
});

describe("fieldType", () => {
  it.each([
    ["BIGINT", "quantitative"],
    ["HUGEINT", "quantitative"],
    ["DECIMAL(18,3)", "quantitative"],
    ["DOUBLE", "quantitative"],
    ["UBIGINT", "quantitative"],
    ["DATE", "temporal"],
    ["TIMESTAMP", "temporal"],
    ["TIMESTAMP_NS", "temporal"],
    ["TIMESTAMP WITH TIME ZONE", "temporal"],
    ["VARCHAR", "nominal"],
    ["BOOLEAN", "nominal"],
    ["TIME", "nominal"],
    ["UUID", "nominal"],
    ["INTEGER[]", "nominal"],
  ])("%s is %s", (type, want) => {
    expect(fieldType(type)).toBe(want);
  });
});

describe("configFromSpec", () => {
  it.each<ChartConfig>([
    { mark: "bar", x: "region", y: "units", aggregate: "sum" },
    { mark: "line", x: "day", y: "price", aggregate: "mean" },
    { mark: "area", x: "at", y: "units", color: "region", aggregate: "sum" },
    { mark: "point", x: "price", y: "units", aggregate: "none" },
    { mark: "bar", x: "ok", aggregate: "count" },
    { mark: "histogram", x: "units" },
    { mark: "histogram", x: "units", color: "region" },
    { mark: "bar", x: "region", y: "units", aggregate: "none", sort: "-y", xTitle: "Country", yTitle: "Units sold" },
    { mark: "line", x: "day", y: "price", aggregate: "mean", sort: "x" },
    { mark: "histogram", x: "units", xTitle: "Units" },
  ])("round-trips %j", (config) => {
    const spec = buildSpec(config, result);
    expect(configFromSpec(spec)).toEqual(config);
    // What the notebook stores is JSON: the trip must survive it.
    expect(configFromSpec(JSON.parse(JSON.stringify(spec)))).toEqual(config);
  });

  it("reads the sample notebook's chart with its sort and axis titles", () => {
    const sample = {
      $schema: "https://vega.github.io/schema/vega-lite/v5.json",
      data: { name: "by_country" },
      mark: { type: "bar", tooltip: true },
      encoding: { x: { field: "Countries", type: "nominal", sort: "-y", title: "Country" }, y: { field: "Units", type: "quantitative", title: "Units sold" } },
    };
    const config = configFromSpec(sample);
    expect(config).toEqual({ mark: "bar", x: "Countries", y: "Units", aggregate: "none", sort: "-y", xTitle: "Country", yTitle: "Units sold" });
    // Saved again from the editor, the spec keeps them.
    const again = buildSpec(config!, { table: "by_country", columns: [{ name: "Countries", type: "VARCHAR" }, { name: "Units", type: "HUGEINT" }] });
    expect(again.encoding.x).toMatchObject({ sort: "-y", title: "Country" });
    expect(again.encoding.y).toMatchObject({ title: "Units sold" });
  });

  it("reads the short forms people write by hand", () => {
    expect(configFromSpec({ mark: "line", encoding: { x: { field: "day" }, y: { field: "units", aggregate: "average" } } })).toEqual({
      mark: "line",
      x: "day",
      y: "units",
      aggregate: "mean",
    });
  });

  it.each([
    ["not an object", "bar"],
    ["no encoding", { mark: "bar" }],
    ["an unknown mark", { mark: "arc", encoding: { x: { field: "a" }, y: { field: "b" } } }],
    ["a layered spec", { layer: [{ mark: "bar" }] }],
    ["an aggregate the editor lacks", { mark: "bar", encoding: { x: { field: "a" }, y: { field: "b", aggregate: "median" } } }],
    ["no y field", { mark: "bar", encoding: { x: { field: "a" }, y: { value: 3 } } }],
    ["a sort the editor lacks (it would be lost)", { mark: "bar", encoding: { x: { field: "a", sort: ["b", "a"] }, y: { field: "b" } } }],
    ["a title that is not text", { mark: "bar", encoding: { x: { field: "a", title: ["two", "lines"] }, y: { field: "b" } } }],
  ])("gives undefined for %s", (_, spec) => {
    expect(configFromSpec(spec)).toBeUndefined();
  });
});

describe("validateConfig", () => {
  it.each<[string, ChartConfig, string | undefined]>([
    ["a good bar", { mark: "bar", x: "region", y: "units", aggregate: "sum" }, undefined],
    ["a count needs no y", { mark: "bar", x: "region", aggregate: "count" }, undefined],
    [
      "a column the result lost",
      { mark: "bar", x: "region", y: "revenue", aggregate: "sum" },
      'The chart uses column "revenue", which this result does not have (its columns: region, day, units, price, at, ok). Pick another column.',
    ],
    [
      "a color column the result lost",
      { mark: "point", x: "price", y: "units", color: "store" },
      'The chart uses column "store", which this result does not have (its columns: region, day, units, price, at, ok). Pick another column.',
    ],
    ["no x", { mark: "bar", x: "", aggregate: "count" }, "Pick an x column."],
    ["no y", { mark: "line", x: "day", aggregate: "none" }, "Pick a y column, or count rows."],
    ["a histogram of text", { mark: "histogram", x: "region" }, 'A histogram needs a numeric x column; "region" is VARCHAR.'],
    ["a sum of text", { mark: "bar", x: "day", y: "region", aggregate: "sum" }, 'A sum needs a numeric y column; "region" is VARCHAR.'],
    ["a mean of dates", { mark: "line", x: "region", y: "day", aggregate: "mean" }, 'A mean needs a numeric y column; "day" is DATE.'],
    ["raw text on y", { mark: "point", x: "price", y: "region", aggregate: "none" }, undefined],
  ])("%s", (_, config, want) => {
    expect(validateConfig(config, columns)).toBe(want);
  });
});

describe("defaultConfig", () => {
  it.each<[string, Column[], ChartConfig]>([
    ["category and number: a bar of sums", columns, { mark: "bar", x: "region", y: "units", aggregate: "sum" }],
    ["date first: a line", columns.slice(1), { mark: "line", x: "day", y: "units", aggregate: "sum" }],
    ["numbers only: a scatter", columns.slice(2, 4), { mark: "point", x: "units", y: "price", aggregate: "none" }],
    ["no number: a count", [columns[0], columns[5]], { mark: "bar", x: "region", aggregate: "count" }],
  ])("%s", (_, cols, want) => {
    expect(defaultConfig(cols)).toEqual(want);
    expect(validateConfig(want, cols)).toBeUndefined();
  });
});
