// The frontend names things by the backend's rule: one table checks both
// (backend/testdata/identifiers.json).
import { describe, expect, it } from "vitest";
import tableText from "../../../backend/testdata/identifiers.json?raw";
import { isIdentifier, quoteIdent, takenNames, resultNameProblem } from "./names";

const table: Record<string, boolean> = JSON.parse(tableText);
delete (table as Record<string, unknown>)["_"];

describe("isIdentifier", () => {
  it.each(Object.entries(table))("%j is %s", (name, want) => {
    expect(isIdentifier(name)).toBe(want);
  });
});

describe("quoteIdent", () => {
  it("leaves identifiers bare and quotes the rest", () => {
    expect(quoteIdent("Fact_Sales")).toBe("Fact_Sales");
    expect(quoteIdent('my "odd" name')).toBe('"my ""odd"" name"');
  });
  it("quotes the keywords DuckDB does not take as names", () => {
    for (const k of ["binary", "select", "Order", "BINARY"]) expect(quoteIdent(k)).toBe(`"${k}"`);
    expect(quoteIdent("name")).toBe("name"); // an unreserved keyword works bare
  });
  it("finds result names an earlier cell already has, ignoring case", () => {
    const cells = [{ id: "a", name: "sales" }, { id: "b", name: "Sales" }, { id: "c" }, { id: "d", name: "SALES" }, { id: "e", name: "other" }];
    expect(Object.fromEntries(takenNames(cells))).toEqual({ b: 1, d: 1 });
  });
});

describe("resultNameProblem", () => {
  it.each([
    ["sales", undefined],
    ["", undefined],
    ["select", "“select” is a SQL keyword, which later cells could not query by name; choose another, such as select_result"],
    ["ORDER", "“ORDER” is a SQL keyword, which later cells could not query by name; choose another, such as ORDER_result"],
    ["my name", "“my name” is not a result name: letters, digits and _, not starting with a digit"],
  ])("%j: %s", (name, want) => {
    expect(resultNameProblem(name)).toBe(want);
  });
});
