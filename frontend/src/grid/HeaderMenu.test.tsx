import { afterEach, describe, expect, it, vi } from "vitest";
import type { Column, Filter } from "../api";
import { filterLabel, filterValue, HeaderMenu } from "./HeaderMenu";
import { byTestId, change, click, mount, type Mounted } from "./testing";

const units: Column = { name: "units", type: "BIGINT" };
const region: Column = { name: "region", type: "VARCHAR" };

describe("filterValue", () => {
  it.each<[Column, Filter["op"], string, unknown]>([
    [units, ">", "5", 5],
    [units, ">=", " 2.5 ", 2.5],
    [units, "=", "9007199254740993", "9007199254740993"], // past 2^53: sent as text, exact
    [units, "=", "abc", "abc"], // DuckDB answers with its own cast error
    [units, "contains", "12", "12"],
    [units, "is_null", "ignored", undefined],
    [region, "=", "42", "42"],
    [{ name: "day", type: "DATE" }, "<", "2024-01-01", "2024-01-01"],
  ])("%j %s %j sends %j", (column, op, text, want) => {
    expect(filterValue(column, op, text)).toEqual(want);
  });

  it.each<[Filter, string]>([
    [{ column: "u", op: ">", value: 5 }, "[> 5]"],
    [{ column: "u", op: "!=", value: "x" }, "[≠ x]"],
    [{ column: "u", op: "not_null" }, "[is not null]"],
  ])("labels %j as %s", (f, want) => {
    expect(filterLabel(f)).toBe(want);
  });
});

describe("HeaderMenu", () => {
  let m: Mounted | undefined;
  afterEach(() => m?.unmount());

  const open = async (props: Partial<Parameters<typeof HeaderMenu>[0]> = {}) => {
    const calls = { onSort: vi.fn(), onFilter: vi.fn(), onSummary: vi.fn(), onClose: vi.fn() };
    m = await mount(<HeaderMenu column={units} at={{ x: 10, y: 20 }} {...calls} {...props} />);
    return calls;
  };

  it("sorts, clears and asks for a summary", async () => {
    const calls = await open({ sort: "asc" });
    expect(byTestId(m!.el, "sort-asc").getAttribute("aria-checked")).toBe("true");
    await click(byTestId(m!.el, "sort-desc"));
    await click(byTestId(m!.el, "sort-clear"));
    await click(byTestId(m!.el, "summary"));
    expect(calls.onSort.mock.calls).toEqual([["desc"], [undefined]]);
    expect(calls.onSummary).toHaveBeenCalledOnce();
  });

  it("builds a filter from the operator and value", async () => {
    const calls = await open();
    expect((byTestId(m!.el, "filter-clear") as HTMLButtonElement).disabled).toBe(true);
    await click(byTestId(m!.el, "filter"));
    await change(byTestId(m!.el, "filter-op") as HTMLSelectElement, ">=");
    await change(byTestId(m!.el, "filter-value") as HTMLInputElement, "10");
    await click(byTestId(m!.el, "filter-apply"));
    expect(calls.onFilter).toHaveBeenCalledWith({ column: "units", op: ">=", value: 10 });
  });

  it("needs no value for is null, and clears an active filter", async () => {
    const calls = await open({ filter: { column: "units", op: ">", value: 3 } });
    await click(byTestId(m!.el, "filter"));
    expect((byTestId(m!.el, "filter-value") as HTMLInputElement).value).toBe("3");
    await change(byTestId(m!.el, "filter-op") as HTMLSelectElement, "is_null");
    expect(m!.el.querySelector('[data-testid="filter-value"]')).toBeNull();
    await click(byTestId(m!.el, "filter-apply"));
    await click(byTestId(m!.el, "filter-clear"));
    expect(calls.onFilter.mock.calls).toEqual([[{ column: "units", op: "is_null", value: undefined }], [undefined]]);
  });

  it("closes on Escape and on a click outside", async () => {
    const calls = await open();
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    document.body.dispatchEvent(new MouseEvent("mousedown", { bubbles: true }));
    byTestId(m!.el, "sort-asc").dispatchEvent(new MouseEvent("mousedown", { bubbles: true }));
    expect(calls.onClose).toHaveBeenCalledTimes(2);
  });
});
