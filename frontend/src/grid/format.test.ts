// @vitest-environment node
import { readFileSync } from "node:fs";
import { tableFromIPC } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { blobText, columnFormats, decimalText, duckdbTypeClass, formatCount, formatValue, intervalText, timeOfDayText, timestampText } from "./format";

// One window of a real DuckDB result, as the backend streams it; made by
// testdata/duckdb_types.go. Row 1: typical values, row 2: negatives and
// edge cases, row 3: NULLs.
const table = tableFromIPC(readFileSync(new URL("./testdata/duckdb_types.arrow", import.meta.url)));
const formats = columnFormats(table.schema.fields);
const shown = (column: string, row: number) => {
  const i = table.schema.fields.findIndex((f) => f.name === column);
  const v = table.getChildAt(i)!.get(row);
  return v === null ? "NULL" : formats[i].text(v);
};

describe("cell text of DuckDB types", () => {
  it.each([
    ["id", "1", "2"],
    ["big", "9007199254740993", "-5"], // past 2^53: BigInt keeps every digit
    ["ubig", "18446744073709551615", "0"],
    ["huge", "170141183460469231731687303715884105727", "-170141183460469231731687303715884105727"],
    ["dbl", "2.5", "-0.125"],
    ["dec", "12.34", "-0.05"],
    ["txt", "café", 'a "quote"'],
    ["flag", "true", "false"],
    ["day", "2024-03-05", "1969-12-31"],
    ["ts", "2024-03-05 06:07:08.123456", "1969-12-31 23:59:59.5"],
    ["tstz", "2024-03-05 06:07:08Z", "2024-03-05 06:07:08.25Z"],
    ["tod", "13:14:15", "00:00:01.5"],
    ["st", '{"a": 1, "b": "x"}', '{"a": null, "b": "y"}'],
    ["lst", "[1, 2, 3]", "[]"],
    ["mp", '{"k": 1}', "{}"],
    ["blb", "\\x01\\x02", ""],
    ["ivl", "3 days", "1 month 2 days 03:04:05.5"],
    ["uid", "b5b4a7c9-0000-4000-8000-000000000001", "NULL"],
  ])("%s shows %j and %j, and NULL", (column, first, second) => {
    expect(shown(column, 0)).toBe(first);
    expect(shown(column, 1)).toBe(second);
    expect(shown(column, 2)).toBe(column === "id" ? "3" : "NULL");
  });

  it("right-aligns numbers only", () => {
    const right = table.schema.fields.filter((_, i) => formats[i].align === "right").map((f) => f.name);
    expect(right).toEqual(["id", "big", "dbl", "dec", "huge", "ubig"]);
  });

  it("formats a null of any type as NULL", () => {
    expect(formatValue(table.schema.fields[10].type, null)).toBe("NULL");
  });
});

describe("formatting helpers", () => {
  it.each([
    [1234n, 2, "12.34"],
    [-5n, 2, "-0.05"],
    [5n, 0, "5"],
    [5n, -2, "500"],
    [123456789012345678901234567890n, 10, "12345678901234567890.1234567890"],
  ])("decimal %s with scale %i is %s", (n, scale, want) => {
    expect(decimalText(n, scale)).toBe(want);
  });

  it.each([
    [0, "1970-01-01 00:00:00"],
    [1709618828123.456, "2024-03-05 06:07:08.123456"],
    [1709618828123.9996, "2024-03-05 06:07:08.124"],
    [-1, "1969-12-31 23:59:59.999"],
    [253402300800000, "+010000-01-01 00:00:00"],
  ])("timestamp %d ms is %s", (ms, want) => {
    expect(timestampText(ms)).toBe(want);
  });

  it.each([
    [0n, "00:00:00"],
    [86_399_999_999_999n, "23:59:59.999999999"],
    [-1_500_000_000n, "-00:00:01.5"],
  ])("time of day %s ns is %s", (ns, want) => {
    expect(timeOfDayText(ns)).toBe(want);
  });

  it.each([
    [[14, 0, 0, 0], "1 year 2 months"],
    [[0, -1, 0, 0], "-1 day"],
    [[0, 0, 0, 0], "00:00:00"],
    [[0, 0, 1_000_000_000, 0], "00:00:01"],
  ])("interval %j is %s", (v, want) => {
    expect(intervalText(Int32Array.from(v), 2)).toBe(want);
  });

  it("shows bytes the way DuckDB prints a BLOB", () => {
    expect(blobText(Uint8Array.from([0x41, 0x5c, 0x00, 0xff]))).toBe("A\\x5C\\x00\\xFF");
  });

  it.each([
    ["BIGINT", "number"],
    ["DECIMAL(10,2)", "number"],
    ["DOUBLE", "number"],
    ["TIMESTAMP WITH TIME ZONE", "temporal"],
    ["DATE", "temporal"],
    ["TIME", "text"],
    ["VARCHAR", "text"],
    ["BOOLEAN", "boolean"],
    ["INTEGER[]", "nested"],
    ["STRUCT(a INTEGER)", "nested"],
    ["INTERVAL", "text"],
  ])("DuckDB type %s is %s", (type, want) => {
    expect(duckdbTypeClass(type)).toBe(want);
  });

  it("counts with thousands separators", () => {
    expect(formatCount(10_000_000)).toBe("10,000,000");
  });
});
