// @vitest-environment node
import { describe, expect, it } from "vitest";
import { formatBytes, formatFiles, formatPartitions, formatRows } from "./format";

describe("formatRows", () => {
  it.each([
    [1_200_000, "1,200,000 rows"],
    [1, "1 row"],
    [0, "0 rows"],
    [999, "999 rows"],
    [-1, "— rows"],
  ])("%d → %s", (n, want) => expect(formatRows(n)).toBe(want));
});

describe("formatFiles", () => {
  it.each([
    [1, "1 file"],
    [14, "14 files"],
    [12_000, "12,000 files"],
    [0, "0 files"],
  ])("%d → %s", (n, want) => expect(formatFiles(n)).toBe(want));
});

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [512, "512 B"],
    [999, "999 B"],
    [1000, "1.0 KB"],
    [1500, "1.5 KB"],
    [31_200_000, "31.2 MB"],
    [31_249_999, "31.2 MB"],
    [99_960, "100 KB"],
    [312_400_000, "312 MB"],
    [999_499, "999 KB"],
    [999_500, "1.0 MB"],
    [4_700_000_000, "4.7 GB"],
    [2e15, "2.0 PB"],
    [3e18, "3000 PB"],
    [-1, "— B"],
    [Number.NaN, "— B"],
  ])("%d → %s", (n, want) => expect(formatBytes(n)).toBe(want));
});

describe("formatPartitions", () => {
  it.each<[string[] | undefined, number | undefined, string]>([
    [["event_date"], 14, "partitioned by event_date · 14 partitions"],
    [["year", "month"], 36, "partitioned by year, month · 36 partitions"],
    [["event_date"], 1, "partitioned by event_date · 1 partition"],
    [["event_date"], 1200, "partitioned by event_date · 1,200 partitions"],
    [["event_date"], undefined, "partitioned by event_date"],
    [["event_date"], -1, "partitioned by event_date"],
    [[], 0, ""],
    [undefined, undefined, ""],
  ])("%j, %s → %j", (keys, count, want) => expect(formatPartitions(keys, count)).toBe(want));
});
