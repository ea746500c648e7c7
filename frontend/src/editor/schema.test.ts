import { CompletionContext, type CompletionResult, type CompletionSource } from "@codemirror/autocomplete";
import { ensureSyntaxTree } from "@codemirror/language";
import { afterEach, describe, expect, it } from "vitest";
import type { Completions } from "../api";
import { createCellEditor, type CellEditor } from "./editor";
import { schemaFromCompletions } from "./schema";

const sample: Completions = {
  tables: [
    { name: "Fact_Sales", kind: "lake", columns: ["sale_id", "amount", "sold_at"] },
    { name: "dim_store", kind: "lake", columns: ["store_id", "city"] },
    { schema: "raw", name: "events", kind: "raw", columns: ["event_id", "event_date", "user_id"] },
    { schema: "raw", name: "clicks", kind: "raw", columns: ["url"] },
    { name: "top_cities", kind: "result", columns: ["city", "n"] },
  ],
};

describe("schemaFromCompletions", () => {
  it.each<[string, Completions | undefined, unknown]>([
    ["nothing yet", undefined, {}],
    ["no tables", { tables: [] }, {}],
    [
      "a lake table at the top",
      { tables: [{ name: "Fact_Sales", kind: "lake", columns: ["id", "amount"] }] },
      { Fact_Sales: { self: { label: "Fact_Sales", type: "type", detail: "lake table" }, children: ["id", "amount"] } },
    ],
    [
      "a named result at the top",
      { tables: [{ name: "top_cities", kind: "result", columns: ["city"] }] },
      { top_cities: { self: { label: "top_cities", type: "type", detail: "cell result" }, children: ["city"] } },
    ],
    [
      "raw datasets under their schema",
      {
        tables: [
          { schema: "raw", name: "events", kind: "raw", columns: ["event_id"] },
          { schema: "raw", name: "clicks", kind: "raw", columns: [] },
        ],
      },
      {
        raw: {
          self: { label: "raw", type: "namespace", detail: "schema" },
          children: {
            events: { self: { label: "events", type: "type", detail: "raw dataset" }, children: ["event_id"] },
            clicks: { self: { label: "clicks", type: "type", detail: "raw dataset" }, children: [] },
          },
        },
      },
    ],
    [
      "a name that needs quotes is inserted quoted",
      { tables: [{ name: 'my "big" table', kind: "lake", columns: [] }] },
      { 'my "big" table': { self: { label: 'my "big" table', type: "type", detail: "lake table", apply: '"my ""big"" table"' }, children: [] } },
    ],
    [
      "a dot inside a name is not a schema path",
      { tables: [{ name: "v1.2", kind: "result", columns: [] }] },
      { "v1\\.2": { self: { label: "v1.2", type: "type", detail: "cell result", apply: '"v1.2"' }, children: [] } },
    ],
    [
      "a schema shadows a table of the same name",
      {
        tables: [
          { name: "raw", kind: "result", columns: ["x"] },
          { schema: "raw", name: "events", kind: "raw", columns: [] },
        ],
      },
      {
        raw: {
          self: { label: "raw", type: "namespace", detail: "schema" },
          children: { events: { self: { label: "events", type: "type", detail: "raw dataset" }, children: [] } },
        },
      },
    ],
  ])("%s", (_name, completions, want) => {
    expect(schemaFromCompletions(completions)).toEqual(want);
  });
});

describe("SQL completion in a cell", () => {
  let editor: CellEditor | undefined;
  afterEach(() => editor?.destroy());

  // What the completion popup would list with the cursor at "|": every
  // source's options, narrowed by the typed word as CodeMirror does.
  // explicit: asked with Ctrl+Space; otherwise as the popup opens while typing.
  function complete(text: string, completions: () => Completions | undefined = () => sample, explicit = true): string[] {
    const pos = text.indexOf("|");
    const doc = text.replace("|", "");
    editor?.destroy();
    editor = createCellEditor(document.createElement("div"), {
      doc,
      kind: "sql",
      onChange() {},
      onRun() {},
      onEscape() {},
      completions,
    });
    const state = editor.view.state;
    ensureSyntaxTree(state, state.doc.length);
    const labels: string[] = [];
    for (const source of state.languageDataAt<CompletionSource>("autocomplete", pos)) {
      const result = source(new CompletionContext(state, pos, explicit)) as CompletionResult | null;
      if (!result) continue;
      const typed = state.sliceDoc(result.from, pos).toLowerCase();
      for (const o of result.options) if (o.label.toLowerCase().startsWith(typed)) labels.push(o.label);
    }
    return labels;
  }

  it("completes a lake table after FROM", () => {
    // FALSE matches the typed "Fa" too, as it would in the popup.
    expect(complete("SELECT * FROM Fa|").sort()).toEqual(["FALSE", "Fact_Sales"]);
  });

  it("offers the raw schema and named results at the top level", () => {
    const top = complete("SELECT * FROM |");
    expect(top).toEqual(expect.arrayContaining(["Fact_Sales", "dim_store", "top_cities", "raw", "SELECT", "read_parquet"]));
    expect(top).not.toContain("events");
  });

  it("completes raw datasets after raw.", () => {
    expect(complete("SELECT * FROM raw.|")).toEqual(["events", "clicks"]);
  });

  it("completes columns after a table name", () => {
    expect(complete("SELECT Fact_Sales.| FROM Fact_Sales")).toEqual(["sale_id", "amount", "sold_at"]);
  });

  it("completes columns after an alias", () => {
    expect(complete("SELECT f.am| FROM Fact_Sales f")).toEqual(["amount"]);
    expect(complete("SELECT e.| FROM raw.events AS e")).toEqual(["event_id", "event_date", "user_id"]);
  });

  it("asks for completions each time, so new results show up", () => {
    let current: Completions | undefined;
    complete("SELECT * FROM t|", () => current);
    const ask = (text: string) => {
      const state = editor!.view.state;
      const pos = state.doc.length;
      const sources = state.languageDataAt<CompletionSource>("autocomplete", pos);
      return sources.flatMap((s) => {
        const r = s(new CompletionContext(state, pos, true)) as CompletionResult | null;
        return r ? r.options.map((o) => o.label).filter((l) => l.startsWith(text)) : [];
      });
    };
    expect(ask("top_")).toEqual([]);
    current = sample;
    expect(ask("top_")).toEqual(["top_cities"]);
  });

  it("completes names that begin with a function's or a type's name while typing", () => {
    const more: Completions = {
      tables: [...sample.tables, { name: "summary", kind: "result", columns: [] }, { schema: "raw", name: "listings", kind: "raw", columns: [] }],
    };
    // "sum" parses as a function, "list" as a type: lang-sql alone completes neither as a name.
    expect(complete("SELECT * FROM sum|", () => more, false)).toEqual(expect.arrayContaining(["summary", "sum"]));
    expect(complete("SELECT * FROM raw.list|", () => more, false)).toEqual(expect.arrayContaining(["listings"]));
    expect(complete("SELECT * FROM raw.list|", () => more, true)).toEqual(expect.arrayContaining(["listings"]));
    expect(complete("SELECT * FROM top_|", () => more, false)).toEqual(["top_cities"]);
  });

  it("completes keywords in capitals and functions in lower case", () => {
    // After GROUP BY, so lang-sql does not take QUAL for a table alias.
    expect(complete("SELECT * FROM t GROUP BY 1 QUAL|")).toEqual(["QUALIFY"]);
    expect(complete("SELECT * FROM t WHERE x IS NU|").sort()).toEqual(["NULL", "NULLS", "NUMERIC", "nullif"]);
    expect(complete("SELECT * FROM read_par|")).toEqual(["read_parquet"]);
  });

  it("takes completions pushed with setCompletions when no function was given", () => {
    const ed = createCellEditor(document.createElement("div"), { doc: "SELECT * FROM di", kind: "sql", onChange() {}, onRun() {}, onEscape() {} });
    try {
      const state = ed.view.state;
      const labelsAt = () =>
        state.languageDataAt<CompletionSource>("autocomplete", 16).flatMap((s) => {
          const r = s(new CompletionContext(state, 16, true)) as CompletionResult | null;
          return r ? r.options.map((o) => o.label).filter((l) => l.startsWith("di")) : [];
        });
      expect(labelsAt()).toEqual([]);
      ed.setCompletions(sample);
      expect(labelsAt()).toEqual(["dim_store"]);
    } finally {
      ed.destroy();
    }
  });
});
