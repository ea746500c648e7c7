import { describe, expect, it } from "vitest";
import type { RunRecord } from "../api";
import { firstLine, formatDuration, formatParameters, formatStart, newestFirst, parseTime } from "./format";

describe("formatStart", () => {
  // Built from local times, so the cases hold in any time zone.
  const local = (y: number, mo: number, d: number, h: number, mi: number, s: number) => new Date(y, mo - 1, d, h, mi, s).toISOString();
  const now = new Date(2024, 10, 30, 9, 0, 0);
  it.each([
    ["this year", local(2024, 11, 22, 14, 3, 12), "22 Nov 14:03:12"],
    ["padded time", local(2024, 1, 5, 7, 8, 9), "5 Jan 07:08:09"],
    ["midnight", local(2024, 3, 1, 0, 0, 0), "1 Mar 00:00:00"],
    ["another year", local(2023, 12, 31, 23, 59, 59), "31 Dec 2023 23:59:59"],
    ["not a date", "yesterday", "yesterday"],
  ])("%s", (_name, iso, want) => expect(formatStart(iso, now)).toBe(want));

  it("reads Go's RFC 3339 times with nanoseconds and an offset", () => {
    expect(formatStart("2024-11-22T14:03:12.123456789+01:00", now)).toBe(formatStart("2024-11-22T13:03:12Z", now));
    expect(formatStart("2024-11-22T14:03:12.123456789+01:00", now)).toMatch(/^2[23] Nov \d\d:\d\d:12$/);
  });
});

describe("parseTime", () => {
  it.each([
    ["2024-11-22T13:03:12Z", Date.UTC(2024, 10, 22, 13, 3, 12)],
    ["2024-11-22T14:03:12.123456789+01:00", Date.UTC(2024, 10, 22, 13, 3, 12, 123)],
    ["2024-11-22T13:03:12.5Z", Date.UTC(2024, 10, 22, 13, 3, 12, 500)],
  ])("%s", (iso, want) => expect(parseTime(iso)).toBe(want));
  it("is NaN for text that is not a time", () => expect(parseTime("soon")).toBeNaN());
});

describe("formatDuration", () => {
  it.each([
    [0, "0 ms"],
    [340, "340 ms"],
    [999.4, "999 ms"],
    [999.6, "1.0 s"],
    [1200, "1.2 s"],
    [9940, "9.9 s"],
    [9960, "10 s"],
    [12_300, "12 s"],
    [59_400, "59 s"],
    [59_600, "1 min"],
    [125_000, "2 min 5 s"],
    [3_600_000, "1 h"],
    [3_720_000, "1 h 2 min"],
    [-5, "—"],
    [Number.NaN, "—"],
  ])("%d ms → %s", (ms, want) => expect(formatDuration(ms)).toBe(want));
});

describe("formatParameters", () => {
  it.each<[string, Record<string, unknown> | null | undefined, string]>([
    ["strings and numbers", { year: 1997, category: "tv" }, "year=1997 · category=tv"],
    ["none", {}, ""],
    ["null from Go", null, ""],
    ["booleans, null and lists", { full: true, since: null, ids: [1, 2] }, "full=true · since=null · ids=[1,2]"],
    ["a long value is cut", { q: "x".repeat(50) }, `q=${"x".repeat(39)}…`],
  ])("%s", (_name, params, want) => expect(formatParameters(params)).toBe(want));
});

describe("firstLine", () => {
  it.each<[string | undefined, string]>([
    ["Binder Error: column x not found\nLINE 1: SELECT x", "Binder Error: column x not found"],
    ["\n\n  ZeroDivisionError: division by zero  \nTraceback", "ZeroDivisionError: division by zero"],
    ["", ""],
    [undefined, ""],
  ])("%j → %j", (error, want) => expect(firstLine(error)).toBe(want));
});

describe("newestFirst", () => {
  const run = (id: string, startedAt: string): RunRecord => ({
    id,
    notebook: "sales.ipynb",
    mode: "interactive",
    parameters: {},
    status: "ok",
    startedAt,
    durationMs: 1,
    cells: [],
    reads: [],
    writes: [],
  });
  it("sorts by start time, unparseable last, without touching the input", () => {
    const runs = [
      run("a", "2024-11-22T10:00:00Z"),
      run("b", "garbage"),
      run("c", "2024-11-22T12:00:00+01:00"), // 11:00Z
      run("d", "2024-11-23T09:00:00Z"),
    ];
    expect(newestFirst(runs).map((r) => r.id)).toEqual(["d", "c", "a", "b"]);
    expect(runs.map((r) => r.id)).toEqual(["a", "b", "c", "d"]);
  });
});
