// @vitest-environment node
import { StandardSQL } from "@codemirror/lang-sql";
import { describe, expect, it } from "vitest";
import { DuckDB } from "./duckdb";

// The token node (Keyword, Type, Builtin, SpecialVar, Identifier...) each
// piece of text becomes, as the highlighter sees it.
function tokenKinds(dialect: typeof DuckDB, src: string): Map<string, string> {
  const kinds = new Map<string, string>();
  dialect.language.parser.parse(src).iterate({
    enter(node) {
      if (node.node.firstChild === null && node.from < node.to) kinds.set(src.slice(node.from, node.to), node.name);
    },
  });
  return kinds;
}

describe("DuckDB dialect", () => {
  const src =
    "SELECT * EXCLUDE (a) REPLACE (b + 1 AS b), COLUMNS('x.*'), $year, ? " +
    "FROM read_parquet('a.parquet') t ASOF JOIN read_json_auto('b.json') USING (ts) " +
    "POSITIONAL JOIN read_csv('c.csv') QUALIFY row_number() OVER () = 1 " +
    "UNION BY NAME SUMMARIZE raw.events; DESCRIBE t; PIVOT t ON k USING sum(v); UNPIVOT t ON a, b INTO NAME k VALUE v; " +
    "SELECT 1::HUGEINT, 2::UBIGINT, now()::TIMESTAMPTZ, {'a': 1}::STRUCT(a INT), MAP {}, [1]::LIST, 'x'::VARCHAR";
  const duck = tokenKinds(DuckDB, src);

  it.each([
    ["QUALIFY", "Keyword"],
    ["PIVOT", "Keyword"],
    ["UNPIVOT", "Keyword"],
    ["ASOF", "Keyword"],
    ["POSITIONAL", "Keyword"],
    ["SUMMARIZE", "Keyword"],
    ["DESCRIBE", "Keyword"],
    ["EXCLUDE", "Keyword"],
    ["REPLACE", "Keyword"],
    ["COLUMNS", "Keyword"],
    ["UNION", "Keyword"],
    ["BY", "Keyword"],
    ["SELECT", "Keyword"],
    ["HUGEINT", "Type"],
    ["UBIGINT", "Type"],
    ["TIMESTAMPTZ", "Type"],
    ["STRUCT", "Type"],
    ["MAP", "Type"],
    ["LIST", "Type"],
    ["INT", "Type"],
    ["VARCHAR", "Type"],
    ["read_parquet", "Builtin"],
    ["read_json_auto", "Builtin"],
    ["read_csv", "Builtin"],
    ["row_number", "Builtin"],
    ["sum", "Builtin"],
    ["$year", "SpecialVar"],
    ["?", "SpecialVar"],
    // Common column names stay identifiers.
    ["NAME", "Identifier"],
    ["VALUE", "Keyword"], // standard SQL already reserves it
    ["events", "Identifier"],
    ["raw", "Identifier"],
    ["t", "Identifier"],
    ["'a.parquet'", "String"],
  ])("%s is a %s", (text, kind) => {
    expect(duck.get(text)).toBe(kind);
  });

  it("knows words standard SQL does not", () => {
    const standard = tokenKinds(StandardSQL, src);
    for (const word of ["QUALIFY", "PIVOT", "ASOF", "SUMMARIZE", "HUGEINT", "read_parquet"]) {
      expect(standard.get(word), word).toBe("Identifier");
    }
    expect(standard.get("$year")).not.toBe("SpecialVar");
  });

  it("treats a $parameter in a string as string text", () => {
    expect(tokenKinds(DuckDB, "SELECT '$year'").get("'$year'")).toBe("String");
  });
});
