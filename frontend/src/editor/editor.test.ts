import { completionStatus } from "@codemirror/autocomplete";
import { redo, undo } from "@codemirror/commands";
import { language } from "@codemirror/language";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { CellKind } from "../api";
import { createCellEditor, runKeymap, type CellEditor } from "./editor";

let editor: CellEditor | undefined;
let host: HTMLElement | undefined;
afterEach(() => {
  editor?.destroy();
  host?.remove();
  editor = host = undefined;
});

function make(doc: string, kind: CellKind = "sql", readOnly = false) {
  const calls = { onChange: vi.fn(), onRun: vi.fn(), onEscape: vi.fn(), onFocus: vi.fn() };
  host = document.body.appendChild(document.createElement("div"));
  editor = createCellEditor(host, { doc, kind, readOnly, ...calls });
  return { editor, ...calls };
}

// A key press as the browser delivers it to the editor's content.
function press(ed: CellEditor, key: string, mods: KeyboardEventInit = {}) {
  const event = new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...mods });
  ed.view.contentDOM.dispatchEvent(event);
  return event.defaultPrevented;
}

// Typing: a user transaction, as the input handler would dispatch it.
function type(ed: CellEditor, text: string) {
  const end = ed.view.state.doc.length;
  ed.view.dispatch({ changes: { from: end, insert: text }, selection: { anchor: end + text.length }, userEvent: "input.type" });
}

describe("keys in a cell", () => {
  it.each<[string, string, KeyboardEventInit, "advance" | "stay"]>([
    ["Shift+Enter runs and advances", "Enter", { shiftKey: true }, "advance"],
    ["Ctrl+Enter runs in place", "Enter", { ctrlKey: true }, "stay"],
    ["Cmd+Enter runs in place", "Enter", { metaKey: true }, "stay"],
  ])("%s", (_name, key, mods, mode) => {
    const { editor, onRun, onChange } = make("SELECT 1");
    expect(press(editor, key, mods)).toBe(true);
    expect(onRun.mock.calls).toEqual([[mode]]);
    // Running must not also insert a line break.
    expect(editor.view.state.doc.toString()).toBe("SELECT 1");
    expect(onChange).not.toHaveBeenCalled();
  });

  it("Escape leaves edit mode", () => {
    const { editor, onEscape, onRun } = make("SELECT 1");
    expect(press(editor, "Escape")).toBe(true);
    expect(onEscape).toHaveBeenCalledTimes(1);
    expect(onRun).not.toHaveBeenCalled();
  });

  it("Escape right after typing leaves edit mode, though completion has not answered yet", () => {
    const { editor, onEscape } = make("");
    type(editor, "SELECT * FROM Fa"); // completion is now pending; no popup shows
    expect(press(editor, "Escape")).toBe(true);
    expect(onEscape).toHaveBeenCalledTimes(1);
  });

  it("Enter accepts an open completion", async () => {
    vi.useFakeTimers(); // CodeMirror opens completion after a pause in typing and ignores Enter for 75 ms after
    // jsdom lays nothing out; CodeMirror measures text ranges to place the popup.
    const range = Range.prototype as Partial<Range>;
    const stubbed = !range.getClientRects;
    if (stubbed) range.getClientRects = () => [] as unknown as DOMRectList;
    try {
      const { editor, onRun } = make("", "sql");
      editor.setCompletions({ tables: [{ name: "Fact_Sales", kind: "lake", columns: ["Units"] }] });
      type(editor, "SELECT * FROM Fact_S");
      for (let i = 0; i < 10; i++) await vi.advanceTimersByTimeAsync(100); // query, answer, open, and the 75 ms
      expect(completionStatus(editor.view.state)).toBe("active");
      expect(press(editor, "Enter")).toBe(true);
      expect(editor.view.state.doc.toString()).toBe("SELECT * FROM Fact_Sales");
      expect(onRun).not.toHaveBeenCalled();
    } finally {
      if (stubbed) delete range.getClientRects;
      vi.useRealTimers();
    }
  });

  it("plain Enter still breaks the line", () => {
    const { editor, onRun, onChange } = make("SELECT 1");
    editor.view.dispatch({ selection: { anchor: 8 } });
    press(editor, "Enter");
    expect(onRun).not.toHaveBeenCalled();
    expect(editor.view.state.doc.toString()).toBe("SELECT 1\n");
    expect(onChange).toHaveBeenLastCalledWith("SELECT 1\n");
  });

  it("runKeymap's commands call the handlers", () => {
    const h = { onRun: vi.fn(), onEscape: vi.fn() };
    const byKey = Object.fromEntries(runKeymap(h).map((b) => [b.key, b.run!]));
    const { editor } = make("");
    expect(Object.keys(byKey)).toEqual(["Shift-Enter", "Ctrl-Enter", "Meta-Enter", "Escape"]);
    byKey["Shift-Enter"](editor.view);
    byKey["Meta-Enter"](editor.view);
    byKey["Escape"](editor.view);
    expect(h.onRun.mock.calls).toEqual([["advance"], ["stay"]]);
    expect(h.onEscape).toHaveBeenCalledTimes(1);
  });
});

describe("editing", () => {
  it("reports each edit with the whole text", () => {
    const { editor, onChange } = make("SELECT");
    type(editor, " 1");
    type(editor, "0");
    expect(onChange.mock.calls).toEqual([["SELECT 1"], ["SELECT 10"]]);
  });

  it("undoes and redoes typing, reporting both", () => {
    const { editor, onChange } = make("SELECT");
    type(editor, " 1");
    expect(undo(editor.view)).toBe(true);
    expect(editor.view.state.doc.toString()).toBe("SELECT");
    expect(redo(editor.view)).toBe(true);
    expect(editor.view.state.doc.toString()).toBe("SELECT 1");
    expect(onChange.mock.calls).toEqual([["SELECT 1"], ["SELECT"], ["SELECT 1"]]);
  });

  it("undoes with Ctrl+Z", () => {
    const { editor } = make("a");
    type(editor, "b");
    press(editor, "z", { ctrlKey: true });
    expect(editor.view.state.doc.toString()).toBe("a");
  });

  it("setDoc replaces the text without reporting it or making an undo step", () => {
    const { editor, onChange } = make("SELECT 1");
    type(editor, "0");
    onChange.mockClear();
    editor.setDoc("SELECT 2");
    expect(editor.view.state.doc.toString()).toBe("SELECT 2");
    expect(onChange).not.toHaveBeenCalled();
    // Setting the same text again dispatches nothing at all.
    const dispatch = vi.spyOn(editor.view, "dispatch");
    editor.setDoc("SELECT 2");
    expect(dispatch).not.toHaveBeenCalled();
    // The replaced text swallowed the earlier edit: undo must not bring
    // back the old text.
    undo(editor.view);
    expect(editor.view.state.doc.toString()).toBe("SELECT 2");
  });

  it("tells the notebook when it gains focus", () => {
    const { editor, onFocus } = make("");
    editor.view.contentDOM.dispatchEvent(new FocusEvent("focus"));
    expect(onFocus).toHaveBeenCalledTimes(1);
  });

  it("refuses edits when read-only but still runs", () => {
    const { editor, onRun } = make("SELECT 1", "sql", true);
    expect(editor.view.state.readOnly).toBe(true);
    press(editor, "Enter", { shiftKey: true });
    expect(onRun).toHaveBeenCalledWith("advance");
  });
});

describe("languages", () => {
  it.each<[CellKind, string | undefined]>([
    ["sql", "sql"],
    ["python", "python"],
    ["markdown", "markdown"],
    ["raw", undefined],
    ["code", undefined],
  ])("a %s cell is edited as %s", async (kind, name) => {
    const { editor } = make("", kind);
    // Markdown's language arrives when first used (about 200 KB with HTML's).
    await vi.waitFor(() => expect(editor.view.state.facet(language)?.name).toBe(name));
    expect(editor.view.contentDOM.getAttribute("aria-label")).toBe(`${kind} cell`);
  });

  it("switches language when the cell changes kind", async () => {
    const { editor } = make("# Title", "sql");
    editor.setKind("markdown");
    await vi.waitFor(() => expect(editor.view.state.facet(language)?.name).toBe("markdown"));
    editor.setKind("python");
    expect(editor.view.state.facet(language)?.name).toBe("python");
    expect(editor.view.state.doc.toString()).toBe("# Title");
  });

  it("colours $parameters apart from keywords, names and functions", () => {
    const { editor } = make("SELECT $year, city FROM read_parquet('x')");
    const classOf = (text: string) =>
      [...editor.view.contentDOM.querySelectorAll("span")].find((s) => s.textContent === text)?.className;
    const param = classOf("$year");
    expect(param).toBeTruthy();
    expect(param).not.toBe(classOf("SELECT"));
    expect(param).not.toBe(classOf("read_parquet"));
    expect(classOf("read_parquet")).toBeTruthy();
    expect(classOf("read_parquet")).not.toBe(classOf("SELECT"));
    // Plain column names are left uncoloured.
    expect(classOf("city")).toBeUndefined();
  });
});

describe("the failing line", () => {
  const marked = (ed: CellEditor) => [...ed.view.dom.querySelectorAll(".cm-error-line")].map((l) => l.textContent);
  it("marks the line an error names, and only it", () => {
    const { editor } = make("SELECT 1;\nSELEC nonsense\nFROM t");
    editor.markError(2);
    expect(marked(editor)).toEqual(["SELEC nonsense"]);
  });
  it("clears with undefined, with a line the text does not have, and on the next edit", () => {
    const { editor } = make("SELECT 1;\nSELEC nonsense");
    editor.markError(2);
    editor.markError(undefined);
    expect(marked(editor)).toEqual([]);
    editor.markError(9);
    expect(marked(editor)).toEqual([]);
    editor.markError(1);
    type(editor, " -- fixed");
    expect(marked(editor)).toEqual([]);
  });
  it("wraps long lines rather than hiding their start", () => {
    const { editor } = make("SELECT " + "a_long_column_name, ".repeat(40));
    expect(editor.view.contentDOM.classList.contains("cm-lineWrapping")).toBe(true);
  });
});
