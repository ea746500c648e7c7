// @vitest-environment node
import { readFileSync } from "node:fs";
import { tableFromArrays, tableFromIPC } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { chartRows } from "./rows";

// The real DuckDB window the grid's formatting tests read (see ../grid/testdata).
const table = tableFromIPC(readFileSync(new URL("../grid/testdata/duckdb_types.arrow", import.meta.url)));

describe("chartRows", () => {
  it("turns a DuckDB window into the plain values Vega reads", () => {
    const rows = chartRows(table, { fields: new Set(["id", "big", "dec", "txt", "flag", "day", "ts", "tstz", "st", "huge", "ubig"]) });
    expect(rows[0]).toEqual({
      id: 1,
      big: "9007199254740993", // past 2^53 and not on a quantitative scale: exact text
      dec: 12.34,
      txt: "café",
      flag: true,
      day: "2024-03-05T00:00:00", // no zone: Vega reads it as local midnight, the date stays the date
      ts: "2024-03-05T06:07:08.123",
      tstz: "2024-03-05T06:07:08.000Z",
      st: '{"a": 1, "b": "x"}',
      huge: 1.7014118346046923e38,
      ubig: "18446744073709551615",
    });
    expect(rows[1]).toMatchObject({ big: -5, dec: -0.05, day: "1969-12-31T00:00:00", ts: "1969-12-31T23:59:59.500" });
    expect(Object.values(rows[2]).filter((v) => v !== null)).toEqual([3]);
  });

  it("keeps only the columns asked for", () => {
    expect(Object.keys(chartRows(table, { fields: new Set(["txt", "id"]) })[0]).sort()).toEqual(["id", "txt"]);
  });

  it("puts integers past 2^53 on a quantitative scale as numbers", () => {
    const rows = chartRows(table, { fields: new Set(["big"]), quantitative: new Set(["big"]) });
    expect(rows.map((r) => r.big)).toEqual([9007199254740992, -5, null]);
  });

  it("reads every row of a multi-batch table", () => {
    const batch = (from: number) => tableFromArrays({ n: Int32Array.from({ length: 1250 }, (_, i) => from + i) });
    const t = batch(0).concat(batch(1250));
    expect(t.batches).toHaveLength(2);
    const rows = chartRows(t);
    expect(rows).toHaveLength(2500);
    expect(rows[2499]).toEqual({ n: 2499 });
  });
});
