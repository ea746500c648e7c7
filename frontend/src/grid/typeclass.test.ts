// The frontend reads DuckDB type names as the backend does: the same table
// of names and classes checks both (backend/duckdb/testdata/type-classes.json).
import { describe, expect, it } from "vitest";
import tableText from "../../../backend/duckdb/testdata/type-classes.json?raw";
import { duckdbTypeClass } from "./format";

const table: Record<string, string> = JSON.parse(tableText);
delete table["_"];

// The backend's classes, as the grid and charts group them.
const asFrontend: Record<string, ReturnType<typeof duckdbTypeClass>> = {
  boolean: "boolean",
  integer: "number",
  number: "number",
  date: "temporal",
  timestamp: "temporal",
  time: "text",
  list: "nested",
  struct: "nested",
  string: "text",
};

describe("duckdbTypeClass", () => {
  it.each(Object.entries(table))("%s is %s", (type, cls) => {
    expect(asFrontend[cls]).toBeDefined();
    expect(duckdbTypeClass(type)).toBe(asFrontend[cls]);
  });
});
