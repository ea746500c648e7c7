import { describe, expect, it } from "vitest";
import type { CellData, CellOutput } from "../api";
import { appendOutput, idle, reads, staleCells, transition, type CellMessage, type CellRuntime } from "./cellstate";

const out: CellOutput = { text: "Done.\n", elapsedMs: 12 };

describe("transition", () => {
  const cases: { name: string; from: CellRuntime; msg: CellMessage; want: Partial<CellRuntime> }[] = [
    { name: "queued from idle", from: idle, msg: { type: "queued" }, want: { status: "queued" } },
    { name: "running records the start", from: { status: "queued" }, msg: { type: "running", at: 100 }, want: { status: "running", startedAt: 100, elapsedMs: 0 } },
    { name: "progress while running", from: { status: "running", startedAt: 1 }, msg: { type: "progress", percent: 40, elapsedMs: 300 }, want: { status: "running", percent: 40, elapsedMs: 300 } },
    { name: "late progress is ignored", from: { status: "done", output: out }, msg: { type: "progress", percent: 90, elapsedMs: 9 }, want: { status: "done", percent: undefined } },
    { name: "done keeps the output", from: { status: "running" }, msg: { type: "finished", status: "done", output: out, elapsedMs: 12, seq: 3 }, want: { status: "done", output: out, finishedSeq: 3, startedAt: undefined } },
    { name: "error", from: { status: "running" }, msg: { type: "finished", status: "error", output: { error: { message: "boom", line: 2 }, elapsedMs: 1 }, elapsedMs: 1, seq: 4 }, want: { status: "error", finishedSeq: 4 } },
    { name: "canceled keeps the old output", from: { status: "running", output: out }, msg: { type: "finished", status: "canceled", elapsedMs: 5, seq: 5 }, want: { status: "canceled", output: out } },
    { name: "skipped is not run, without the output it had", from: { status: "queued", output: out, finishedSeq: 1 }, msg: { type: "finished", status: "skipped", elapsedMs: 0, seq: 6 }, want: { status: "skipped", output: undefined, finishedSeq: undefined } },
    { name: "running takes its execution count", from: { status: "queued", executionCount: 2 }, msg: { type: "running", at: 5, executionCount: 7 }, want: { status: "running", executionCount: 7 } },
    { name: "finished keeps the execution count", from: { status: "running", executionCount: 7 }, msg: { type: "finished", status: "done", output: out, elapsedMs: 3, seq: 8, executionCount: 7 }, want: { executionCount: 7 } },
    { name: "restored from the run history", from: idle, msg: { type: "restored", output: out }, want: { status: "done", output: out, elapsedMs: 12, finishedSeq: 0 } },
    {
      name: "restored with the record's state: its time and count",
      from: idle,
      msg: { type: "restored", output: { ...out, elapsedMs: 0 }, state: { status: "done", elapsedMs: 840, executionCount: 3 } },
      want: { status: "done", elapsedMs: 840, executionCount: 3 },
    },
    { name: "restored with an unknown time shows none", from: idle, msg: { type: "restored", output: out, state: { status: "done", elapsedMs: -1 } }, want: { status: "done", elapsedMs: undefined } },
    { name: "restored as skipped is not run", from: idle, msg: { type: "restored", output: out, state: { status: "skipped", elapsedMs: 0 } }, want: { status: "skipped", output: undefined } },
    { name: "restored as failed", from: idle, msg: { type: "restored", output: out, state: { status: "error", elapsedMs: 4 } }, want: { status: "error", elapsedMs: 4 } },
    { name: "restored while running in the resumed session", from: idle, msg: { type: "restored", state: { status: "running", elapsedMs: 0, executionCount: 4 }, at: 50 }, want: { status: "running", startedAt: 50, executionCount: 4 } },
    { name: "restored with nothing stays idle", from: idle, msg: { type: "restored" }, want: { status: "idle" } },
    { name: "cleared", from: { status: "done", output: out }, msg: { type: "cleared" }, want: { status: "idle", output: undefined } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = transition(c.from, c.msg);
      for (const [k, v] of Object.entries(c.want)) expect(got[k as keyof CellRuntime], k).toEqual(v);
    });
  }
  it("does not mutate its input", () => {
    const from: CellRuntime = { status: "queued" };
    transition(from, { type: "running", at: 1 });
    expect(from).toEqual({ status: "queued" });
  });
});

describe("reads", () => {
  const cases: [string, string, boolean][] = [
    ["SELECT * FROM sales", "sales", true],
    ["select * from SALES s", "sales", true],
    ['SELECT * FROM "sales"', "sales", true],
    ["SELECT * FROM sales_2024", "sales", false],
    ["SELECT presales FROM t", "sales", false],
    ["SELECT 1 -- from sales", "sales", false],
    ["SELECT $sales", "sales", false],
    ["SELECT * FROM a JOIN sales USING (id)", "sales", true],
  ];
  for (const [sql, name, want] of cases) {
    it(`${sql} reads ${name}: ${want}`, () => expect(reads(sql, name)).toBe(want));
  }
});

describe("staleCells", () => {
  const cells: CellData[] = [
    { id: "a", kind: "sql", source: "SELECT 1 AS x", name: "base" },
    { id: "b", kind: "sql", source: "SELECT * FROM base" },
    { id: "c", kind: "sql", source: "SELECT 2" },
  ];
  const done = (seq: number): CellRuntime => ({ status: "done", finishedSeq: seq, output: out });
  it("marks readers of a result that finished after them", () => {
    expect([...staleCells(cells, { a: done(3), b: done(2), c: done(1) })]).toEqual(["b"]);
  });
  it("is clean when readers ran after the result", () => {
    expect(staleCells(cells, { a: done(1), b: done(2), c: done(3) }).size).toBe(0);
  });
  it("ignores readers that have not run", () => {
    expect(staleCells(cells, { a: done(3) }).size).toBe(0);
  });
  it("a failed rerun does not make readers stale", () => {
    expect(staleCells(cells, { a: { status: "error", finishedSeq: 5 }, b: done(2) }).size).toBe(0);
  });
});

describe("live outputs", () => {
  const stream = (name: string, text: string) => ({ output_type: "stream", name, text });
  it("collects outputs while running and drops them when the cell ends", () => {
    let rt = transition({ status: "running" }, { type: "output", output: stream("stdout", "a") });
    rt = transition(rt, { type: "output", output: stream("stdout", "b\n") });
    expect(rt.live).toEqual([stream("stdout", "ab\n")]);
    rt = transition(rt, { type: "finished", status: "done", output: out, elapsedMs: 1, seq: 1 });
    expect(rt.live).toBeUndefined();
  });
  it("ignores outputs of a cell that is not running", () => {
    expect(transition({ status: "done", output: out }, { type: "output", output: stream("stdout", "x") }).live).toBeUndefined();
  });
  it("appends like a notebook: streams of one name join, others do not, clear_output empties", () => {
    const cases: [unknown[], Record<string, unknown>, unknown[]][] = [
      [[], stream("stdout", "a"), [stream("stdout", "a")]],
      [[stream("stdout", "a")], stream("stderr", "b"), [stream("stdout", "a"), stream("stderr", "b")]],
      [[stream("stdout", "a")], { output_type: "display_data", data: {} }, [stream("stdout", "a"), { output_type: "display_data", data: {} }]],
      [[stream("stdout", "a")], { output_type: "clear_output" }, []],
    ];
    for (const [list, o, want] of cases) expect(appendOutput(list, o)).toEqual(want);
  });
});
