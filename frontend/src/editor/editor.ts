// One CodeMirror 6 editor per notebook cell, with Jupyter's keys: the
// notebook owns cell state and run order, the editor only reports edits,
// run requests and the wish to leave edit mode.
import {
  autocompletion,
  closeBrackets,
  closeBracketsKeymap,
  closeCompletion,
  completionKeymap,
  currentCompletions,
  type Completion,
} from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { sql } from "@codemirror/lang-sql";
import { bracketMatching, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { Annotation, Compartment, EditorState, Prec, Transaction, type Extension } from "@codemirror/state";
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  type KeyBinding,
} from "@codemirror/view";
import { highlightCode, tagHighlighter, tags } from "@lezer/highlight";
import type { CellKind, Completions } from "../api";
import { DuckDB } from "./duckdb";
import { errorLine, setErrorLine } from "./errorline";
import { python, pythonLanguage } from "./python";
import { lazySchemaSource } from "./schema";
// editor.css comes with the first screen (notebook/CellView.tsx): a cell shows its text in it before any editor.

export type RunMode = "advance" | "stay";

export interface CellEditorOptions {
  doc: string;
  kind: CellKind;
  readOnly?: boolean;
  onChange(doc: string): void;
  onRun(mode: RunMode): void;
  onEscape(): void;
  onFocus?(): void;
  /** Asked each time SQL completion runs, so new results appear without a reconfigure. */
  completions?: () => Completions | undefined;
}

export interface CellEditor {
  view: EditorView;
  /** Replaces the text without calling onChange and without an undo step. */
  setDoc(doc: string): void;
  focus(): void;
  destroy(): void;
  /** Switches the language when a cell changes kind (Jupyter's Y/M keys). */
  setKind(kind: CellKind): void;
  /** Completions to use when none were given as a function in the options. */
  setCompletions(c: Completions | undefined): void;
  /** Marks the line an error names (1-based); undefined clears the mark. */
  markError(line: number | undefined): void;
}

/** Marks changes that came from the notebook, not the user. */
const external = Annotation.define<boolean>();

/**
 * Shift+Enter runs and moves on, Ctrl+Enter or Cmd+Enter runs in place,
 * Escape leaves edit mode. Installed above the default keymap, which would
 * otherwise insert lines on these keys; an open completion popup still
 * takes Escape (and Enter) first.
 */
export function runKeymap(h: Pick<CellEditorOptions, "onRun" | "onEscape">): KeyBinding[] {
  const run = (mode: RunMode) => () => {
    h.onRun(mode);
    return true;
  };
  return [
    { key: "Shift-Enter", run: run("advance") },
    // Named keys rather than Mod-Enter: Jupyter takes both Ctrl+Enter and
    // Cmd+Enter on a Mac, and Cmd must work even where CodeMirror's
    // platform guess says otherwise.
    { key: "Ctrl-Enter", run: run("stay") },
    { key: "Meta-Enter", run: run("stay") },
    {
      key: "Escape",
      run: () => {
        h.onEscape();
        return true;
      },
    },
  ];
}

// Keywords, types and literals in capitals, as analysts write them;
// functions in lower case, as DuckDB's documentation does. lang-sql calls
// literals and functions both "variable", hence the list.
const literals = new Set(["true", "false", "null", "unknown"]);
function keywordCompletion(label: string, type: string): Completion {
  const upper = type === "keyword" || type === "type" || literals.has(label);
  return { label: upper ? label.toUpperCase() : label, type, boost: -1 };
}

// Markdown's language brings HTML's and CSS's (for HTML in markdown): about
// 200 KB, loaded with the first markdown cell edited, not with the app.
let markdownSupport: Extension | undefined;
let markdownLoading: Promise<void> | undefined;
function loadMarkdown(): Promise<void> {
  markdownLoading ??= import("@codemirror/lang-markdown").then((m) => {
    markdownSupport = m.markdown();
  });
  return markdownLoading;
}

function languageFor(kind: CellKind, completions: () => Completions | undefined): Extension {
  const label = EditorView.contentAttributes.of({ "aria-label": `${kind} cell` });
  switch (kind) {
    case "sql":
      return [
        label,
        sql({ dialect: DuckDB, keywordCompletion }),
        DuckDB.language.data.of({ autocomplete: lazySchemaSource(completions) }),
      ];
    case "python":
      return [label, python()];
    case "markdown":
      return markdownSupport ? [label, markdownSupport] : [label];
    case "raw":
    case "code": // another kernel's language (R, Julia...): plain text
      return [label];
  }
}

// Token classes, coloured by editor.css from the theme's --syn-* colours
// (style.css, theme/dark.css), so the editors follow the light or dark
// theme, and a cell's text shown without an editor (highlightLines) reads
// the same. Built-in functions (DuckDB's and Python's) and `$name`
// parameters stand out in a query.
const cellHighlighter = tagHighlighter([
  { tag: [tags.keyword, tags.operatorKeyword, tags.modifier, tags.controlKeyword, tags.definitionKeyword, tags.moduleKeyword], class: "sf-tok-keyword" },
  { tag: [tags.string, tags.special(tags.string), tags.regexp], class: "sf-tok-string" },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], class: "sf-tok-number" },
  { tag: [tags.comment, tags.lineComment, tags.blockComment], class: "sf-tok-comment" },
  { tag: [tags.function(tags.variableName), tags.function(tags.propertyName), tags.standard(tags.name)], class: "sf-tok-function" },
  { tag: tags.special(tags.name), class: "sf-tok-param" },
  { tag: [tags.typeName, tags.className], class: "sf-tok-type" },
  { tag: [tags.operator, tags.punctuation], class: "sf-tok-operator" },
  { tag: tags.heading, class: "sf-tok-heading" },
  { tag: tags.emphasis, class: "sf-tok-emphasis" },
  { tag: tags.strong, class: "sf-tok-strong" },
  { tag: tags.link, class: "sf-tok-link" },
  { tag: tags.invalid, class: "sf-tok-invalid" },
]);

const pythonParser = pythonLanguage.parser;

/** A run of a line's text and its token classes ("" for none). */
export type Span = [text: string, cls: string];

/**
 * A cell's text as lines of highlighted spans, as its editor colours them:
 * what a cell shows until it is edited (notebook/CellView.tsx), so that a
 * notebook opens without building an editor per cell.
 */
export function highlightLines(kind: CellKind, source: string): Span[][] {
  const parser = kind === "sql" ? DuckDB.language.parser : kind === "python" ? pythonParser : undefined;
  if (!parser) return source.split("\n").map((l) => [[l, ""]]);
  const lines: Span[][] = [[]];
  highlightCode(
    source,
    parser.parse(source),
    cellHighlighter,
    (text, cls) => lines[lines.length - 1].push([text, cls]),
    () => lines.push([]),
  );
  return lines;
}

// Fonts come from the system: the app must look right offline.
const cellTheme = EditorView.theme({
  "&": { fontSize: "13px", backgroundColor: "#fff" },
  ".cm-scroller": { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace' },
  ".cm-gutters": { backgroundColor: "#f6f8fa", color: "#8c959f", borderRight: "1px solid #e1e4e8" },
});

// The browser server's Content-Security-Policy applies a <style> element
// only with the page's nonce, which index.html carries (backend/server's
// static.go); the desktop window has no such policy and no nonce.
const styleNonce = document.querySelector<HTMLMetaElement>('meta[name="smallfry-style-nonce"]')?.content;

export function createCellEditor(parent: HTMLElement, opts: CellEditorOptions): CellEditor {
  const language = new Compartment();
  let pushed: Completions | undefined;
  const completions = () => (opts.completions ? opts.completions() : pushed);

  const extensions: Extension[] = [
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    history(),
    drawSelection(),
    indentOnInput(),
    bracketMatching(),
    closeBrackets(),
    // Just after typing, completion is pending with no popup shown; its
    // keymap would take Escape only to cancel that, leaving edit mode needing
    // a second press. With nothing shown, Escape cancels it and leaves.
    Prec.highest(
      keymap.of([
        {
          key: "Escape",
          run: (view) => {
            if (currentCompletions(view.state).length > 0 || !closeCompletion(view)) return false;
            opts.onEscape();
            return true;
          },
        },
      ]),
    ),
    autocompletion(),
    highlightActiveLine(),
    syntaxHighlighting(cellHighlighter),
    Prec.high(keymap.of(runKeymap(opts))),
    keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap, indentWithTab]),
    language.of(languageFor(opts.kind, completions)),
    EditorState.readOnly.of(!!opts.readOnly),
    EditorView.editorAttributes.of({ class: "sf-editor" }),
    // Long lines wrap, so their start and end both stay in view.
    EditorView.lineWrapping,
    errorLine(),
    cellTheme,
    styleNonce ? EditorView.cspNonce.of(styleNonce) : [],
    EditorView.updateListener.of((u) => {
      if (u.docChanged && !u.transactions.some((tr) => tr.annotation(external))) opts.onChange(u.state.doc.toString());
    }),
    EditorView.domEventHandlers({
      focus: () => {
        opts.onFocus?.();
      },
      // A completion asked for just before the editor lost the focus (a
      // click on another cell, a toolbar button) can open after the blur and
      // would stay over the cells below: closed once the query has settled.
      blur: (_e, view) => {
        setTimeout(() => {
          if (!view.hasFocus) closeCompletion(view);
        }, 150);
      },
    }),
  ];

  const view = new EditorView({ parent, state: EditorState.create({ doc: opts.doc, extensions }) });
  let kindNow = opts.kind;
  let destroyed = false;
  const reconfigure = () => view.dispatch({ effects: language.reconfigure(languageFor(kindNow, completions)) });
  // Markdown's language, once it has come, replaces the plain text.
  const whenLoaded = () => {
    if (kindNow === "markdown" && !markdownSupport) void loadMarkdown().then(() => !destroyed && kindNow === "markdown" && reconfigure());
  };
  const setLanguage = (kind: CellKind) => {
    kindNow = kind;
    reconfigure();
    whenLoaded();
  };
  whenLoaded();
  return {
    view,
    setDoc(doc) {
      if (doc === view.state.doc.toString()) return;
      view.dispatch({
        changes: { from: 0, to: view.state.doc.length, insert: doc },
        // Undo must not bring back text the notebook replaced (a reload).
        annotations: [external.of(true), Transaction.addToHistory.of(false)],
      });
    },
    focus: () => view.focus(),
    destroy() {
      destroyed = true;
      view.destroy();
    },
    setKind: setLanguage,
    setCompletions(c) {
      pushed = c;
    },
    markError(line) {
      view.dispatch({ effects: setErrorLine.of(line) });
    },
  };
}
