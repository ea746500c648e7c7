import { describe, expect, it } from "vitest";
import type { CellData } from "../api";
import { idle, transition } from "./cellstate";
import { engineOf } from "./clusters";
import { emptyDoc, reduce } from "./doc";

const sql: CellData = { id: "a", kind: "sql", source: "SELECT 1" };

describe("cell engines", () => {
  it("follow the cell, then the notebook, then this laptop", () => {
    expect(engineOf(sql, undefined)).toBe("duckdb");
    expect(engineOf(sql, "prod")).toBe("prod");
    expect(engineOf({ ...sql, engine: "duckdb" }, "prod")).toBe("duckdb");
    expect(engineOf({ ...sql, engine: "dev" }, "prod")).toBe("dev");
  });

  it("are set and cleared as an edit of the cell", () => {
    const doc = reduce(emptyDoc(), { type: "load", cells: [sql] });
    const flipped = reduce(doc, { type: "engine", id: "a", engine: "prod" });
    expect(flipped.cells[0].engine).toBe("prod");
    expect(flipped.version).toBe(doc.version + 1);
    const back = reduce(flipped, { type: "engine", id: "a", engine: "" });
    expect("engine" in back.cells[0]).toBe(false);
  });

  it("keep the cluster's progress detail while running, and drop it on the next run", () => {
    let rt = transition(idle, { type: "running", at: 0 });
    rt = transition(rt, { type: "progress", percent: 40, elapsedMs: 10, detail: "Spark: 1 of 2 stages done, 4 of 10 tasks" });
    expect(rt.detail).toContain("4 of 10 tasks");
    rt = transition(rt, { type: "progress", percent: 50, elapsedMs: 20 });
    expect(rt.detail).toContain("4 of 10 tasks");
    rt = transition(rt, { type: "finished", status: "done", seq: 1 });
    expect(transition(rt, { type: "running", at: 1 }).detail).toBeUndefined();
  });
});
