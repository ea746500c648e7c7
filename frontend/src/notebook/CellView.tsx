// One cell: its editor (or rendered markdown), status, progress and output.
import { formatBytes } from "../lake/format";
import { memo, useEffect, useMemo, useRef, useState } from "react";
import type { CellData, Completions } from "../api";
import type { CellEditor } from "../editor/editor";
import "../editor/editor.css";
import { ChartEditor, ChartView, editorNow, loadEditor, PreviewGrid, ResultGrid, SavedChart } from "./lazy";
import { Markdown } from "../markdown/Markdown";
import type { CellRuntime } from "./cellstate";
import "./cells.css";
import { CellTypeMenu } from "./CellTypeMenu";
import type { CellType } from "./doc";
import { OutputControls } from "./OutputControls";
import { shown } from "./jupyter";
import { EngineMenu, EngineNotes, EstimateChip, OffloadOffer } from "./clusters";
import type { ClusterInfo } from "../api";
import { resultNameProblem } from "./names";

export interface CellProps {
  cell: CellData;
  runtime: CellRuntime;
  session: string;
  index: number;
  selected: boolean;
  editing: boolean;
  stale: boolean;
  readOnly: boolean;
  /** The output is collapsed (O): the header says so, the output is not drawn. */
  collapsed: boolean;
  completions?: Completions;
  onSelect(id: string, edit: boolean): void;
  onSource(id: string, source: string): void;
  onName(id: string, name: string): void;
  /** The number of an earlier cell whose result has this cell's name (ignoring case, as DuckDB compares names). */
  nameTakenBy?: number;
  onChart(id: string, chart: Record<string, unknown> | undefined): void;
  onRun(id: string, mode: "advance" | "stay"): void;
  onCommandMode(): void;
  onCancel(): void;
  onType(id: string, to: CellType): void;
  onToggleOutput(id: string): void;
  onClearOutput(id: string): void;
  registerFocus(id: string, focus: (() => void) | undefined, insert?: (text: string) => void): void;
  /** The company's clusters, the notebook's engine, and the cell's engine hooks (clusters.tsx). */
  clusters?: ClusterInfo[];
  notebookEngine?: string;
  onEngine?(id: string, engine: string): void;
  onOffload?(id: string, choice: { cluster: string } | "download"): void;
}

/** Small results get a grid that fits them; large ones scroll inside 420 px. */
function gridHeight(rows: number): number {
  return Math.max(110, Math.min(420, 36 + rows * 34 + 4));
}

function elapsed(ms: number | undefined): string {
  if (ms === undefined) return "";
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Ticks while a cell runs, so the elapsed time moves without events. */
function useElapsed(rt: CellRuntime): number | undefined {
  const [now, setNow] = useState(performance.now());
  useEffect(() => {
    if (rt.status !== "running") return;
    const t = setInterval(() => setNow(performance.now()), 100);
    return () => clearInterval(t);
  }, [rt.status]);
  if (rt.status === "running" && rt.startedAt !== undefined) return Math.round(now - rt.startedAt);
  return rt.elapsedMs;
}

function Editor(props: CellProps) {
  const host = useRef<HTMLDivElement>(null);
  const placeholder = useRef<HTMLPreElement>(null);
  const ed = useRef<CellEditor>();
  // A cell shows its text, highlighted as its editor would (StaticCode),
  // until the user edits it: clicks the text, presses Enter on the cell,
  // or something is typed or inserted into it, or its run failed (the
  // editor marks the failing line). The editor (CodeMirror) then replaces
  // the text in place and stays. A notebook so opens without building an
  // editor per cell, which was a large part of its first screen's time and
  // memory (docs/architecture.md, "Start-up").
  const [wanted, setWanted] = useState(false);
  const [ready, setReady] = useState(false);
  const clicked = useRef<{ x: number; y: number }>(); // where the text was clicked, before the editor came
  // Asked before the editor is there (and kept across the effect's rerun that makes it): done once it is.
  const pending = useRef({ focus: false, inserts: "" });
  const latest = useRef(props);
  latest.current = props;
  const completions = useRef(props.completions);
  completions.current = props.completions;
  // The failing line, as the error places it, until the next run or edit.
  const errorLine = props.runtime.status === "error" ? props.runtime.output?.error?.line : undefined;
  const errorNow = useRef(errorLine);
  errorNow.current = errorLine;
  // Once wanted, the editor stays.
  const wantRef = useRef(false);
  wantRef.current ||= wanted || props.editing || !!errorLine;
  const want = wantRef.current;
  useEffect(() => {
    let editor: CellEditor | undefined;
    let gone = false;
    const insert = (text: string) => {
      if (!editor) {
        pending.current.inserts += text;
        pending.current.focus = true;
        setWanted(true);
        return;
      }
      const view = editor.view;
      const { from, to } = view.state.selection.main;
      view.dispatch({ changes: { from, to, insert: text }, selection: { anchor: from + text.length } });
      view.focus();
    };
    props.registerFocus(
      props.cell.id,
      () => {
        if (editor) editor.focus();
        else {
          pending.current.focus = true;
          setWanted(true);
        }
      },
      insert,
    );
    if (!wantRef.current) {
      return () => {
        gone = true;
        props.registerFocus(props.cell.id, undefined);
      };
    }
    void loadEditor().then(({ createCellEditor }) => {
      if (gone || !host.current) return;
      editor = createCellEditor(host.current, {
        doc: latest.current.cell.source,
        kind: props.cell.kind,
        readOnly: props.readOnly,
        onChange: (doc) => latest.current.onSource(latest.current.cell.id, doc),
        onRun: (mode) => latest.current.onRun(latest.current.cell.id, mode),
        // Command mode, as in Jupyter: the editor lets go of the keys, so A, B,
        // D D and the type keys reach the notebook at once.
        onEscape: () => {
          ed.current?.view.contentDOM.blur();
          latest.current.onCommandMode();
        },
        onFocus: () => latest.current.onSelect(latest.current.cell.id, true),
        completions: () => completions.current,
      });
      ed.current = editor;
      // Hidden in the same frame the editor appears; React removes it next.
      if (placeholder.current) placeholder.current.style.display = "none";
      setReady(true);
      if (errorNow.current) editor.markError(errorNow.current);
      const at = clicked.current;
      clicked.current = undefined; // once: an editor made again (a new kind) does not take the focus back
      if (at) {
        // The caret where the text was clicked, as if the editor had been there.
        const view = editor.view;
        const pos = view.posAtCoords(at, false);
        view.dispatch({ selection: { anchor: pos } });
      }
      const { focus, inserts } = pending.current;
      pending.current = { focus: false, inserts: "" };
      if (inserts) insert(inserts);
      else if (focus || at || latest.current.editing) editor.focus();
    });
    return () => {
      gone = true;
      props.registerFocus(props.cell.id, undefined);
      editor?.destroy();
      ed.current = undefined;
    };
    // The editor is made once per cell and kind, once wanted; later text comes from typing.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.cell.id, props.cell.kind, props.readOnly, want]);
  useEffect(() => {
    // Outside changes (undo of a cell operation, recovery) reach the editor.
    if (ed.current && ed.current.view.state.doc.toString() !== props.cell.source) ed.current.setDoc(props.cell.source);
  }, [props.cell.source]);
  useEffect(() => {
    if (props.editing && ed.current && !ed.current.view.hasFocus) ed.current.focus();
  }, [props.editing]);
  useEffect(() => {
    ed.current?.markError(errorLine || undefined);
  }, [errorLine, props.cell.kind, props.readOnly]);
  return (
    <div className="cell-editor" ref={host}>
      {!ready && (
        <StaticCode
          source={props.cell.source}
          kind={props.cell.kind}
          placeholder={placeholder}
          onClick={(at) => {
            clicked.current = at;
            setWanted(true);
            props.onSelect(props.cell.id, true);
          }}
        />
      )}
    </div>
  );
}

/** The cell's text laid out and coloured as the editor does (line numbers, wrapping, tokens), until the editor is there. */
function StaticCode(props: { source: string; kind: CellData["kind"]; placeholder: React.RefObject<HTMLPreElement>; onClick(at: { x: number; y: number }): void }) {
  // The colours need the editor's code (its parsers), which main.tsx fetches
  // with the first notebook: plain text until it has come.
  const [code, setCode] = useState(editorNow);
  useEffect(() => {
    if (!code) void loadEditor().then(setCode);
  }, [code]);
  const lines = useMemo(
    () => (code ? code.highlightLines(props.kind, props.source) : props.source.split("\n").map((l): [string, string][] => [[l, ""]])),
    [code, props.kind, props.source],
  );
  return (
    <pre
      className="sf-editor sf-static"
      data-testid="static-code"
      ref={props.placeholder}
      onMouseDown={(e) => {
        e.stopPropagation(); // the cell's own handler would leave edit mode
        // The editor may take the focus before this event's default action,
        // which would move the focus off it again (to the page).
        e.preventDefault();
        props.onClick({ x: e.clientX, y: e.clientY });
      }}
    >
      {lines.map((spans, i) => (
        <span key={i} className="sf-static-line">
          <span className="sf-static-n" aria-hidden>
            {i + 1}
          </span>
          <span className="sf-static-text">
            {spans.length === 0 || (spans.length === 1 && !spans[0][0])
              ? "\u200b"
              : spans.map(([text, cls], j) => (cls ? <span key={j} className={cls}>{text}</span> : text))}
          </span>
        </span>
      ))}
    </pre>
  );
}

function Output(props: CellProps & { charting: boolean; setCharting(v: boolean): void }) {
  const { runtime: rt, cell, session } = props;
  const out = rt.output;
  if (!out) return null;
  return (
    <div className="cell-output" data-testid="cell-output">
      {out.error && !out.error.offload && !out.jupyter?.some((o) => (o as { output_type?: string }).output_type === "error") && (
        <pre className="cell-error" data-testid="cell-error">
          {out.error.message}
        </pre>
      )}
      {out.error?.offload && (
        <OffloadOffer
          offer={out.error.offload}
          message={out.error.message}
          readOnly={props.readOnly}
          onCluster={(name) => props.onOffload?.(cell.id, { cluster: name })}
          onDownload={() => props.onOffload?.(cell.id, "download")}
        />
      )}
      <EngineNotes output={out} />
      {out.text && <pre className="cell-text">{out.text}</pre>}
      {out.jupyter && <JupyterOutputs outputs={out.jupyter} />}
      {out.result && (
        <>
          <ResultGrid
            session={session}
            result={out.result}
            height={gridHeight(out.result.rows)}
            chartOpen={props.charting}
            onChart={() => props.setCharting(!props.charting)}
          />
          {props.charting && !props.readOnly && (
            <ChartEditor
              session={session}
              result={out.result}
              spec={cell.chart}
              onSave={(spec) => {
                // A chart is saved over the cell's named result: a cell without
                // a name gets one, so the notebook file says what is drawn.
                const name = cell.name || `cell_${cell.id.replace(/[^A-Za-z0-9_]/g, "_")}`;
                if (!cell.name) props.onName(cell.id, name);
                props.onChart(cell.id, { ...(spec as Record<string, unknown>), data: { name } });
                props.setCharting(false);
              }}
              onRemove={() => {
                props.onChart(cell.id, undefined);
                props.setCharting(false);
              }}
            />
          )}
          {cell.chart && !props.charting && <ChartView session={session} result={out.result} spec={cell.chart} />}
        </>
      )}
      {!out.result && out.preview && <PreviewGrid preview={out.preview} />}
      {!out.result && out.chart != null && <SavedChart spec={out.chart} />}
      {!out.result && out.preview && cell.chart && out.chart == null && <p className="note">Run the cell to draw its chart.</p>}
    </div>
  );
}

/** A Python cell's outputs: text, images, sanitized HTML, tracebacks. */
function JupyterOutputs({ outputs }: { outputs: unknown[] }) {
  return (
    <div className="jupyter-outputs" data-testid="python-output">
      {shown(outputs).map((o, i) => {
        switch (o.kind) {
          case "text":
            return (
              <pre key={i} className={o.stream === "stderr" ? "stream stderr" : "stream"}>
                {o.text}
              </pre>
            );
          case "image":
            return <img key={i} src={o.src} alt={o.alt} data-testid="output-image" />;
          case "html":
            return <div key={i} className="output-html" dangerouslySetInnerHTML={{ __html: o.html }} />;
          case "error":
            return (
              <pre key={i} className="cell-error" data-testid="cell-error">
                {o.traceback || `${o.ename}: ${o.evalue}`}
              </pre>
            );
        }
      })}
    </div>
  );
}

export const CellView = memo(function CellView(props: CellProps) {
  const { cell, runtime: rt } = props;
  const [charting, setCharting] = useState(false);
  const ms = useElapsed(rt);
  const params = cell.tags?.includes("parameters");
  const nameProblem = cell.kind === "sql" ? resultNameProblem(cell.name ?? "") : undefined;
  const runnable = cell.kind !== "markdown" && cell.kind !== "raw" && !params;
  const showEditor = cell.kind !== "markdown" || props.editing || !cell.source.trim();
  const status = props.stale && rt.status === "done" ? "stale" : rt.status;
  const hasOutput = !!rt.output || !!rt.live;
  return (
    <div
      className={`cell cell-${cell.kind}${props.selected ? " selected" : ""}${props.editing ? " editing" : ""}`}
      data-testid="cell"
      data-cell-id={cell.id}
      data-kind={cell.kind}
      data-status={status}
      onMouseDown={() => !props.selected && props.onSelect(cell.id, false)}
    >
      <div className="cell-gutter">
        {/* Jupyter's In [n]: the run's number in the session, * while it runs. */}
        <span className="cell-index" data-testid="execution-count" title={`Cell ${props.index + 1}`}>
          {cell.kind === "markdown" || cell.kind === "raw" || params ? "" : `[${status === "running" || status === "queued" ? "*" : (rt.executionCount ?? " ")}]`}
        </span>
        {runnable && !props.readOnly && (
          <button className="icon" title="Run cell (Shift+Enter)" data-testid="cell-run" onClick={() => props.onRun(cell.id, "stay")}>
            ▶
          </button>
        )}
      </div>
      <div className="cell-body">
        <div className="cell-head">
          <CellTypeMenu cell={cell} readOnly={props.readOnly} onType={props.onType} />
          {cell.tags?.includes("injected-parameters") && (
            <span className="badge" title="The values this run was given, after the parameters cell (papermill's injected-parameters)">
              injected parameters
            </span>
          )}
          {cell.kind === "sql" && !params && (
            <input
              className="cell-name"
              data-testid="cell-name"
              placeholder="name this result"
              value={cell.name ?? ""}
              readOnly={props.readOnly}
              onChange={(e) => props.onName(cell.id, e.target.value)}
              aria-invalid={props.nameTakenBy !== undefined || nameProblem !== undefined || undefined}
              title={
                nameProblem ??
                (props.nameTakenBy !== undefined
                  ? `Cell ${props.nameTakenBy} already has this name (names are compared ignoring case): saving names this result ${cell.name}_2`
                  : "A named result is a table later cells can query by this name")
              }
            />
          )}
          {nameProblem && cell.kind === "sql" && !params && (
            <span className="cell-name-error" role="alert" data-testid="cell-name-error">
              {nameProblem}
            </span>
          )}
          {cell.kind === "sql" && !params && props.onEngine && (
            <EngineMenu cell={cell} clusters={props.clusters ?? []} notebookEngine={props.notebookEngine} readOnly={props.readOnly} onEngine={props.onEngine} />
          )}
          {cell.kind === "sql" && !params && !props.readOnly && rt.status !== "running" && (
            <EstimateChip session={props.session} cell={cell} notebookEngine={props.notebookEngine} />
          )}
          <span className={`cell-status status-${status}`} data-testid="cell-status">
            {status === "running"
              ? `running ${elapsed(ms)}`
              : status === "idle"
                ? ""
                : status === "skipped"
                  ? "not run"
                  : `${status}${ms !== undefined ? " · " + elapsed(ms) : ""}`}
          </span>
          {runnable && hasOutput && (
            <OutputControls id={cell.id} collapsed={props.collapsed} busy={props.readOnly || rt.status === "running" || rt.status === "queued"} onToggle={props.onToggleOutput} onClear={props.onClearOutput} />
          )}
          {rt.status === "running" && (
            <>
              <progress
                data-testid="progress"
                data-percent={rt.percent} // set once the backend reported progress: the query is under way
                max={100}
                value={rt.download ? (100 * rt.download.done) / rt.download.total : rt.percent !== undefined && rt.percent >= 0 ? rt.percent : undefined}
              />
              {rt.detail && (
                <span className="cell-download" data-testid="cell-cluster-progress">
                  {rt.detail}
                </span>
              )}
              {rt.download && (
                <span className="cell-download" data-testid="cell-download">
                  fetching from S3 {formatBytes(rt.download.done)} of {formatBytes(rt.download.total)}
                </span>
              )}
              <button className="link" data-testid="cell-cancel" onClick={props.onCancel}>
                Cancel
              </button>
            </>
          )}
        </div>
        {showEditor ? (
          <Editor {...props} />
        ) : (
          <div className="markdown-view" onDoubleClick={() => props.onSelect(cell.id, true)}>
            <Markdown source={cell.source} />
          </div>
        )}
        {props.collapsed && hasOutput ? (
          <button className="output-collapsed link" data-testid="output-collapsed" onClick={() => props.onToggleOutput(cell.id)}>
            Output collapsed: show it
          </button>
        ) : rt.status === "running" && rt.live ? (
          <div className="cell-output" data-testid="cell-output">
            <JupyterOutputs outputs={rt.live} />
          </div>
        ) : (
          runnable && <Output {...props} charting={charting} setCharting={setCharting} />
        )}
      </div>
    </div>
  );
});
