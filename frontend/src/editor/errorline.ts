// The failing line of a cell, marked in its editor: the line an error
// names (DuckDB's statement line, a Python traceback's cell frame) gets a
// red background until the text or the error changes.
import { StateEffect, StateField, type Extension } from "@codemirror/state";
import { Decoration, EditorView, type DecorationSet } from "@codemirror/view";

/** Sets the failing line (1-based), or clears it with undefined. */
export const setErrorLine = StateEffect.define<number | undefined>();

const mark = Decoration.line({ class: "cm-error-line", attributes: { "data-testid": "error-line" } });

function decorate(doc: { lines: number; line(n: number): { from: number } }, line: number | undefined): DecorationSet {
  if (line === undefined || line < 1 || line > doc.lines) return Decoration.none;
  return Decoration.set([mark.range(doc.line(line).from)]);
}

const field = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    for (const e of tr.effects) if (e.is(setErrorLine)) return decorate(tr.state.doc, e.value);
    // An edit makes the mark a guess: it goes, and the next run says again.
    return tr.docChanged ? Decoration.none : marks;
  },
  provide: (f) => EditorView.decorations.from(f),
});

const theme = EditorView.baseTheme({
  ".cm-error-line": { backgroundColor: "#ffebe9", boxShadow: "inset 3px 0 0 #cf222e" },
});

export function errorLine(): Extension {
  return [field, theme];
}
