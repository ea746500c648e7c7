// @vitest-environment node
import { insertNewlineAndIndent } from "@codemirror/commands";
import { EditorState, type Transaction } from "@codemirror/state";
import { describe, expect, it } from "vitest";
import { python, pythonLanguage } from "./python";

function tokens(src: string): [string, string][] {
  const out: [string, string][] = [];
  pythonLanguage.parser.parse(src).iterate({
    enter(node) {
      if (node.node.firstChild === null && node.from < node.to) out.push([src.slice(node.from, node.to), node.name]);
    },
  });
  return out;
}

describe("python highlighting", () => {
  it("marks keywords, definitions, strings, comments, numbers and decorators", () => {
    const src = '@cache\ndef total(df, n=1.5e3):  # sum it\n    return len(df) + None or "x\\"y"';
    expect(tokens(src)).toEqual([
      ["@cache", "meta"],
      ["def", "keyword"],
      ["total", "variableName.definition"],
      ["df", "variableName"],
      ["n", "variableName"],
      ["=", "operator"],
      ["1.5e3", "number"],
      ["# sum it", "comment"],
      ["return", "keyword"],
      ["len", "variableName.standard"],
      ["df", "variableName"],
      ["+", "operator"],
      ["None", "atom"],
      ["or", "keyword"],
      ['"x\\"y"', "string"],
    ]);
  });

  it("keeps a triple-quoted string open across lines", () => {
    const src = 'q = f"""\nSELECT 1\n"""\nx = 2';
    expect(tokens(src).filter(([, kind]) => kind === "string").map(([text]) => text)).toEqual(['f"""', "SELECT 1", '"""']);
    expect(tokens(src).at(-1)).toEqual(["2", "number"]);
  });

  it("ends an unclosed single-quoted string with its line", () => {
    expect(tokens("s = 'abc\ny = 1").slice(-3)).toEqual([
      ["y", "variableName"],
      ["=", "operator"],
      ["1", "number"],
    ]);
  });
});

describe("python indentation", () => {
  // The document after pressing Enter at the end of `doc`.
  function enter(doc: string): string {
    let state = EditorState.create({ doc, selection: { anchor: doc.length }, extensions: python() });
    insertNewlineAndIndent({ state, dispatch: (tr: Transaction) => (state = tr.state) });
    return state.doc.toString();
  }

  it.each([
    ["after a colon", "for x in xs:", "for x in xs:\n    "],
    ["after a colon and a comment", "if ok:  # yes", "if ok:  # yes\n    "],
    ["inside a block", "def f():\n    a = 1", "def f():\n    a = 1\n    "],
    ["after return", "def f():\n    return 1", "def f():\n    return 1\n"],
    ["at top level", "a = 1", "a = 1\n"],
    ["skipping blank lines", "if a:\n    b = 1\n", "if a:\n    b = 1\n\n    "],
  ])("%s", (_name, doc, want) => {
    expect(enter(doc)).toBe(want);
  });
});
