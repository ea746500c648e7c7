// Python cells: a small stream highlighter and block indentation, because
// @codemirror/lang-python is not among our dependencies. It knows keywords,
// strings (triple-quoted ones across lines), comments, numbers, decorators
// and def/class names, which is what makes a notebook cell readable.
import { getIndentUnit, indentService, indentUnit, StreamLanguage, type IndentContext, type StringStream } from "@codemirror/language";
import type { Extension } from "@codemirror/state";

const keywords = new Set(
  "and as assert async await break case class continue def del elif else except finally for from global if import in is lambda match nonlocal not or pass raise return try while with yield".split(
    " ",
  ),
);
const atoms = new Set(["True", "False", "None"]);
const builtins = new Set(
  "abs all any bool dict enumerate filter float format getattr hasattr int isinstance len list map max min next open print range repr reversed round self set sorted str sum super tuple type zip".split(
    " ",
  ),
);

interface PyState {
  /** The quotes of a triple-quoted string still open at the end of a line. */
  triple: string | null;
  /** The next name is being defined (after def or class). */
  defining: boolean;
}

// Consumes string content up to and including `quote`, or to the line end.
function readString(stream: StringStream, quote: string): boolean {
  while (!stream.eol()) {
    if (stream.match(quote)) return true;
    if (stream.next() === "\\") stream.next();
  }
  return false;
}

export const pythonLanguage = StreamLanguage.define<PyState>({
  name: "python",
  startState: () => ({ triple: null, defining: false }),
  token(stream, state) {
    if (state.triple) {
      if (readString(stream, state.triple)) state.triple = null;
      return "string";
    }
    if (stream.eatSpace()) return null;
    if (stream.peek() === "#") {
      stream.skipToEnd();
      return "comment";
    }
    const open = stream.match(/^(?:[rRbBuUfF]{1,2})?("""|'''|"|')/) as RegExpMatchArray | null;
    if (open) {
      const quote = open[1];
      // An unclosed single-quoted string ends with its line, as in Python.
      if (!readString(stream, quote) && quote.length === 3) state.triple = quote;
      return "string";
    }
    if (stream.match(/^(?:0[xob][\da-f_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:e[+-]?\d+)?j?)/i)) return "number";
    if (stream.match(/^@[\w.]+/)) return "meta";
    const word = stream.match(/^[A-Za-z_]\w*/) as RegExpMatchArray | null;
    if (word) {
      const w = word[0];
      if (state.defining) {
        state.defining = false;
        return "def";
      }
      if (keywords.has(w)) {
        state.defining = w === "def" || w === "class";
        return "keyword";
      }
      if (atoms.has(w)) return "atom";
      if (builtins.has(w)) return "builtin";
      return "variable";
    }
    if (stream.match(/^[+\-*/%&|^~<>!=]+/)) return "operator";
    stream.next();
    return null;
  },
  languageData: {
    commentTokens: { line: "#" },
    closeBrackets: { brackets: ["(", "[", "{", "'", '"'] },
  },
});

const dedentAfter = /^(return|pass|raise|break|continue)\b/;

/**
 * Indentation for a line starting at `pos`: one unit deeper after a line
 * ending in ":", one shallower after return/pass/raise, else the same as the
 * previous non-blank line.
 */
export function pythonIndent(cx: IndentContext, pos: number): number {
  let prev = cx.lineAt(pos, -1);
  // Re-indenting an existing line: the line to copy is the one above.
  if (prev.from === pos) {
    if (pos === 0) return 0;
    prev = cx.lineAt(pos - 1, -1);
  }
  while (prev.text.trim() === "" && prev.from > 0) prev = cx.lineAt(prev.from - 1, -1);
  const base = cx.lineIndent(prev.from, -1);
  const code = prev.text.replace(/#.*$/, "").trim();
  const unit = getIndentUnit(cx.state);
  if (code.endsWith(":")) return base + unit;
  if (dedentAfter.test(code)) return Math.max(0, base - unit);
  return base;
}

export function python(): Extension {
  // PEP 8 indents by four spaces; CodeMirror would default to two.
  return [pythonLanguage, indentService.of(pythonIndent), indentUnit.of("    ")];
}
