import { describe, expect, it } from "vitest";
import { fillWidth } from "../chart/width";
import { fitText } from "../grid/ellipsis";
import { resolveTheme } from "../theme/theme";
import { filterCommands } from "./CommandPalette";
import type { Command } from "./commands";

const cmd = (id: string, title: string, group = "Cell"): Command => ({ id, title, group, run: () => undefined });
const commands = [cmd("run-all", "Run all cells", "Notebook"), cmd("add-python", "Add a Python cell below"), cmd("add-sql", "Add a SQL cell below"), cmd("theme-dark", "Theme: dark", "View")];

describe("filterCommands", () => {
  it.each([
    ["", ["run-all", "add-python", "add-sql", "theme-dark"]],
    ["ad pyth", ["add-python"]],
    ["rn al", ["run-all"]],
    ["dark", ["theme-dark"]],
    ["zzqx", []],
  ])("%j → %j first", (q, want) => {
    const got = filterCommands(commands, q).map((c) => c.id);
    if (q === "" || want.length === 0) expect(got).toEqual(want);
    else expect(got[0]).toBe(want[0]);
  });
});

describe("fitText", () => {
  const measure = (s: string) => s.length * 10; // 10 px a character
  it.each([
    ["short", 100, "short", false],
    ["exactly ten", 110, "exactly ten", false],
    ["a longer text than fits", 100, "a longer …", true],
    ["abc", 5, "…", true],
  ])("%j in %d px", (text, width, want, cut) => {
    expect(fitText(text, width, measure)).toEqual({ text: want, cut });
  });
});

describe("resolveTheme", () => {
  it.each([
    ["system", true, "dark"],
    ["system", false, "light"],
    ["light", true, "light"],
    ["dark", false, "dark"],
  ] as const)("%s with the OS dark=%s is %s", (choice, osDark, want) => {
    expect(resolveTheme(choice, osDark)).toBe(want);
  });
});

describe("fillWidth", () => {
  it("gives a single view the container's width", () => {
    expect(fillWidth({ mark: "bar" })).toMatchObject({ width: "container", autosize: { type: "fit-x" } });
  });
  it.each([{ mark: "bar", width: 300 }, { facet: { field: "a" }, spec: { mark: "bar" } }, { hconcat: [] }, { repeat: ["a"], spec: {} }])("keeps %j", (spec) => {
    expect(fillWidth(spec)).toBe(spec);
  });
});
