import { describe, expect, it } from "vitest";
import type { PublishState } from "../api";
import {
  badEmail,
  cronOf,
  formatInZone,
  initialParams,
  normalTime,
  parameterDefaults,
  parseEmails,
  parseParams,
  presetOf,
  publishedLine,
  relativeTime,
  type Preset,
} from "./schedule";

describe("presets and cron", () => {
  it.each<[string, Preset, string | undefined]>([
    ["hourly", { kind: "hourly" }, "0 * * * *"],
    ["daily at 03:00", { kind: "daily", time: "03:00" }, "0 3 * * *"],
    ["daily at 3:05 (unpadded)", { kind: "daily", time: "3:05" }, "5 3 * * *"],
    ["daily at 23:59", { kind: "daily", time: "23:59" }, "59 23 * * *"],
    ["weekly on Monday at 07:30", { kind: "weekly", day: 1, time: "07:30" }, "30 7 * * 1"],
    ["weekly on Sunday at 00:00", { kind: "weekly", day: 0, time: "00:00" }, "0 0 * * 0"],
    ["manual only", { kind: "manual" }, ""],
    ["a cron typed with extra spaces", { kind: "custom", cron: "  */15  9-17 * *   1-5 " }, "*/15 9-17 * * 1-5"],
    ["a time that is not one", { kind: "daily", time: "25:00" }, undefined],
    ["an empty time", { kind: "weekly", day: 3, time: "" }, undefined],
  ])("%s", (_name, preset, want) => expect(cronOf(preset)).toBe(want));

  it.each<[string, Preset]>([
    ["", { kind: "manual" }],
    ["0 * * * *", { kind: "hourly" }],
    ["@hourly", { kind: "hourly" }],
    ["0 3 * * *", { kind: "daily", time: "03:00" }],
    ["@daily", { kind: "daily", time: "00:00" }],
    ["30 7 * * 1", { kind: "weekly", day: 1, time: "07:30" }],
    ["30 7 * * 7", { kind: "weekly", day: 0, time: "07:30" }],
    ["0 9 * * fri", { kind: "weekly", day: 5, time: "09:00" }],
    ["0 9 * * 1-5", { kind: "custom", cron: "0 9 * * 1-5" }],
    ["*/15 * * * *", { kind: "custom", cron: "*/15 * * * *" }],
    ["0 3 1 * *", { kind: "custom", cron: "0 3 1 * *" }],
  ])("%j reopens as its preset", (cron, want) => expect(presetOf(cron)).toEqual(want));

  it("round-trips every preset through its cron", () => {
    const presets: Preset[] = [{ kind: "hourly" }, { kind: "daily", time: "03:00" }, { kind: "weekly", day: 6, time: "18:45" }, { kind: "manual" }];
    for (const p of presets) expect(presetOf(cronOf(p)!)).toEqual(p);
  });

  it.each([
    ["03:00", "03:00"],
    ["3:00", "03:00"],
    [" 12:30 ", "12:30"],
    ["24:00", undefined],
    ["12:60", undefined],
    ["noon", undefined],
  ])("normalTime(%j) is %j", (t, want) => expect(normalTime(t)).toBe(want));
});

describe("parameter values", () => {
  it("reads one name=value per line as -p takes them", () => {
    expect(parseParams("year=1998\n category = laptop \n\n# a comment\nnote=a=b")).toEqual({
      params: ["year=1998", "category=laptop", "note=a=b"],
      errors: [],
    });
  });

  it("keeps an empty value (an empty string)", () => {
    expect(parseParams("category=")).toEqual({ params: ["category="], errors: [] });
  });

  it("says what is wrong, by line", () => {
    expect(parseParams("year 1998\n=5\n2x=1\nyear=1\nyear=2").errors).toEqual([
      "line 1: “year 1998” is not name=value",
      "line 2: “=5” is not name=value",
      "line 3: “2x” is not a valid parameter name",
      "line 5: year is given twice",
    ]);
  });

  it("takes the parameters cell's defaults in -p form", () => {
    const cell = [
      "year = 1997",
      'category = "tv"',
      "rate: float = 3  # a hint and a comment",
      "flag = True",
      "off = False",
      "start = date(2024, 3, 1)",
      "quote = 'it\\'s # not a comment'",
      "big = 1_000_000",
      "items = [1, 2]", // not a literal smallfry reads: left to the check run
      "",
    ].join("\n");
    expect(parameterDefaults(cell)).toEqual([
      ["year", "1997"],
      ["category", "tv"],
      ["rate", "3"],
      ["flag", "true"],
      ["off", "false"],
      ["start", "2024-03-01"],
      ["quote", "it's # not a comment"],
      ["big", "1000000"],
    ]);
  });

  it("starts from the defaults with the last published values over them", () => {
    const defaults: [string, string][] = [
      ["year", "1997"],
      ["category", "tv"],
    ];
    expect(initialParams(defaults, undefined)).toBe("year=1997\ncategory=tv");
    expect(initialParams(defaults, { year: "1998", gone: "x" })).toBe("year=1998\ncategory=tv\ngone=x");
    expect(initialParams([], {})).toBe("");
  });

  it("reads email addresses and finds one that is not", () => {
    expect(parseEmails(" a@example.com, b@example.com;c@example.com\n")).toEqual(["a@example.com", "b@example.com", "c@example.com"]);
    expect(parseEmails("")).toEqual([]);
    expect(badEmail(["a@example.com", "nobody"])).toBe("nobody");
    expect(badEmail(["a@example.com"])).toBeUndefined();
  });
});

describe("relativeTime", () => {
  const now = new Date("2026-06-02T22:00:00Z");
  it.each([
    ["2026-06-03T03:00:00Z", "in 5 h"],
    ["2026-06-03T01:00:00+02:00", "in 1 h"], // 23:00Z
    ["2026-06-02T22:12:00Z", "in 12 min"],
    ["2026-06-02T22:00:20Z", "now"],
    ["2026-06-02T22:00:50Z", "in 1 min"],
    ["2026-06-02T22:59:00Z", "in 59 min"],
    ["2026-06-02T22:59:50Z", "in 1 h"],
    ["2026-06-04T09:00:00Z", "in 35 h"],
    ["2026-06-04T12:00:00Z", "in 2 days"],
    ["2026-06-09T22:00:00Z", "in 7 days"],
    ["2026-06-02T21:55:00Z", "5 min ago"],
    ["2026-06-02T21:59:30Z", "just now"],
    ["2026-06-01T22:00:00Z", "24 h ago"],
    ["2026-06-02T23:00:00.123456789Z", "in 1 h"], // Go's nanoseconds
    ["soon", "soon"],
  ])("%s → %s", (iso, want) => expect(relativeTime(iso, now)).toBe(want));
});

describe("formatInZone", () => {
  it("shows a time in the schedule's zone, not the browser's", () => {
    expect(formatInZone("2026-06-03T03:00:00+02:00", "Europe/Berlin")).toBe("Wed 3 Jun 2026 03:00");
    expect(formatInZone("2026-06-03T01:00:00Z", "Europe/Berlin")).toBe("Wed 3 Jun 2026 03:00");
    expect(formatInZone("2026-06-03T01:00:00Z", "America/New_York")).toBe("Tue 2 Jun 2026 21:00");
    expect(formatInZone("2026-06-03T01:00:00Z", "UTC")).toBe("Wed 3 Jun 2026 01:00");
  });
  it("falls back to UTC for a zone it does not know", () => {
    expect(formatInZone("2026-06-03T01:00:00Z", "Mars/Olympus")).toBe("Wed 3 Jun 2026 01:00");
  });
});

describe("publishedLine", () => {
  const now = new Date("2026-06-02T22:00:00Z");
  const st: PublishState = { path: "sales.ipynb", published: true, cron: "0 3 * * *", label: "daily 03:00", paused: false };
  it.each<[string, Partial<PublishState>, string, string, string | undefined]>([
    ["next run", { nextRun: "2026-06-03T03:00:00Z" }, "Published · daily 03:00 · next run in 5 h", "ok", undefined],
    ["paused", { paused: true, nextRun: "2026-06-03T03:00:00Z" }, "Published · daily 03:00 · paused", "paused", undefined],
    ["a problem", { problem: "cannot reach Airflow at http://127.0.0.1:9" }, "Published · daily 03:00 · cannot reach Airflow at http://127.0.0.1:9", "problem", undefined],
    [
      "a failed last run",
      { nextRun: "2026-06-03T03:00:00Z", lastState: "failed", lastRunAt: "2026-06-02T21:00:00Z" },
      "Published · daily 03:00 · next run in 5 h",
      "failed",
      "last run failed 1 h ago",
    ],
    ["a run under way", { lastState: "running" }, "Published · daily 03:00", "running", "a run is running"],
    ["a good last run", { lastState: "success", lastRunAt: "2026-06-02T21:50:00Z" }, "Published · daily 03:00", "ok", "last run succeeded 10 min ago"],
    ["a next run already due", { nextRun: "2026-06-02T21:00:00Z" }, "Published · daily 03:00 · next run due now", "ok", undefined],
    ["manual only", { cron: "", label: "manual" }, "Published · manual · runs when you click Run now", "ok", undefined],
  ])("%s", (_name, more, text, tone, last) => expect(publishedLine({ ...st, ...more }, now)).toEqual({ text, tone, last }));
});
