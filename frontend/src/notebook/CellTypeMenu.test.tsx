import { afterEach, describe, expect, it, vi } from "vitest";
import type { CellData } from "../api";
import { byTestId, change, click, mount, type Mounted } from "../grid/testing";
import { CellTypeMenu } from "./CellTypeMenu";
import { OutputControls } from "./OutputControls";

let m: Mounted | undefined;
afterEach(() => m?.unmount());

const menu = () => byTestId(m!.el, "cell-type") as HTMLSelectElement;

describe("CellTypeMenu", () => {
  it.each<[string, CellData, string]>([
    ["a SQL cell", { id: "a", kind: "sql", source: "" }, "sql"],
    ["a Python cell", { id: "a", kind: "python", source: "" }, "python"],
    ["a markdown cell", { id: "a", kind: "markdown", source: "" }, "markdown"],
    ["the parameters cell", { id: "a", kind: "python", source: "n = 1", tags: ["parameters"] }, "parameters"],
  ])("shows %s's type", async (_, cell, want) => {
    m = await mount(<CellTypeMenu cell={cell} readOnly={false} onType={() => undefined} />);
    expect(menu().value).toBe(want);
    expect([...menu().options].map((o) => o.value)).toEqual(["sql", "python", "markdown", "parameters", "raw"]);
  });

  it("keeps another kernel's code type in the list, to be seen", async () => {
    m = await mount(<CellTypeMenu cell={{ id: "a", kind: "code", source: "" }} readOnly={false} onType={() => undefined} />);
    expect(menu().value).toBe("code");
    expect(menu().options[0].textContent).toBe("Code");
  });

  it("asks for the type picked, and names its key", async () => {
    const onType = vi.fn();
    m = await mount(<CellTypeMenu cell={{ id: "c1", kind: "sql", source: "" }} readOnly={false} onType={onType} />);
    expect(menu().options[1].textContent).toBe("Python (Y)");
    await change(menu(), "parameters");
    expect(onType.mock.calls).toEqual([["c1", "parameters"]]);
  });

  it("is shown but not changed in a read-only run", async () => {
    m = await mount(<CellTypeMenu cell={{ id: "a", kind: "sql", source: "" }} readOnly onType={() => undefined} />);
    expect(menu().disabled).toBe(true);
  });
});

describe("OutputControls", () => {
  it("collapses and clears the cell's output", async () => {
    const calls = { onToggle: vi.fn(), onClear: vi.fn() };
    m = await mount(<OutputControls id="c1" collapsed={false} busy={false} {...calls} />);
    expect(byTestId(m.el, "toggle-output").textContent).toBe("Collapse");
    await click(byTestId(m.el, "toggle-output"));
    await click(byTestId(m.el, "clear-output"));
    expect(calls.onToggle.mock.calls).toEqual([["c1"]]);
    expect(calls.onClear.mock.calls).toEqual([["c1"]]);
  });

  it("offers to show a collapsed output, and cannot clear while the cell runs", async () => {
    m = await mount(<OutputControls id="c1" collapsed busy onToggle={() => undefined} onClear={() => undefined} />);
    expect(byTestId(m.el, "toggle-output").textContent).toBe("Show output");
    expect((byTestId(m.el, "clear-output") as HTMLButtonElement).disabled).toBe(true);
  });
});
