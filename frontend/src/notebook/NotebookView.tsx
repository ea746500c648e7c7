// An open notebook: toolbar, cells, keyboard habits, runs, saving and
// autosave. Saved cell data lives in `doc`, runtime state in `runtime`.
import { useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState } from "react";
import { flushSync } from "react-dom";
import { api, type ApiError, type CellOutput, type Completions, type FailedCell, type OpenedNotebook, type PublishState, type PullEvent, type Recovery } from "../api";
import type { PublishForm } from "../publish/dialog";
import { PublishDialog } from "../publish/PublishDialog";
import { PublishLine, usePublishState } from "../publish/PublishLine";
import { parameterDefaults } from "../publish/schedule";
import { CellView } from "./CellView";
import { idle, staleCells, transition, type CellMessage, type CellRuntime } from "./cellstate";
import { firstScreenCells } from "./firstscreen";
import { loadGrid } from "./lazy";
import { earlyKey, take } from "../shell/early";
import { showsGrid } from "../shell/firstnotebook";
import { commandKey, emptyDoc, reduce, type CellType } from "./doc";
import { takenNames } from "./names";
import { reopenedNotice, SessionCallContext, sessionCaller, type SessionCall } from "./reopen";
import { NotebookEngine, useClusters } from "./clusters";
import { PythonSetupOffer, setupHint } from "./PythonSetup";
import { Toolbar } from "./Toolbar";

export interface NotebookHandle {
  /** Inserts text at the cursor of the selected cell's editor. */
  insert(text: string): void;
  /** Adds a SQL cell after the selection and runs it. */
  query(sql: string): void;
}

export interface NotebookViewProps {
  path: string;
  /** A run's output notebook: shown read-only, nothing runs. */
  runId?: string;
  onRan(): void;
  onRenamed(path: string): void;
  /** The notebook's session, and how to call with it so that a gone session is reopened. */
  onSession(session: string | undefined, call?: SessionCall): void;
  /** Opening the notebook failed (the error is shown too). */
  onOpenFailed?(path: string, e: ApiError): void;
  /** The notebook was published, republished, paused or unpublished. */
  onPublished?(st: PublishState): void;
  handle?: (h: NotebookHandle | undefined) => void;
}

type RuntimeAction = { id: string; msg: CellMessage } | { reset: Record<string, CellRuntime> };

function runtimeReducer(state: Record<string, CellRuntime>, a: RuntimeAction): Record<string, CellRuntime> {
  if ("reset" in a) return a.reset;
  return { ...state, [a.id]: transition(state[a.id] ?? idle, a.msg) };
}

// Autosave waits for a pause in typing, but never longer than maxWait, so a
// crash loses at most about two seconds of work.
const autosaveDelay = 400;
const autosaveMaxWait = 1500;

export function NotebookView(props: NotebookViewProps) {
  const [opened, setOpened] = useState<OpenedNotebook>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [doc, dispatch] = useReducer(reduce, undefined, emptyDoc);
  const [runtime, dispatchRt] = useReducer(runtimeReducer, {});
  const [running, setRunning] = useState(false);
  const [savedVersion, setSavedVersion] = useState(0);
  const [completions, setCompletions] = useState<Completions>();
  const [renaming, setRenaming] = useState(false);
  const [pull, setPull] = useState<PullEvent>();
  const [recovered, setRecovered] = useState<Recovery>();
  const clusters = useClusters();
  const seq = useRef(1);
  // Cancel names the run; one asked for before the run has an id waits
  // for its first cell event.
  const currentRun = useRef<string>();
  const cancelAsked = useRef(false);
  const lastKey = useRef<string>();
  const editors = useRef(new Map<string, { focus?: () => void; insert?: (t: string) => void }>());
  const session = opened?.session ?? "";
  // The session calls go to; a transparent reopen changes it before React renders.
  const sessionRef = useRef(session);
  sessionRef.current = session;
  const propsRef = useRef(props);
  propsRef.current = props;
  const withSession = useMemo(
    () =>
      sessionCaller(
        () => sessionRef.current,
        async () => {
          // The editor keeps its cells (the draft has them too): only the session is new.
          const nb = await api.openNotebook(propsRef.current.path);
          sessionRef.current = nb.session;
          setOpened((o) => (o ? { ...o, session: nb.session, runtime: nb.runtime } : nb));
          propsRef.current.onSession(nb.session, withSession);
          setNotice(reopenedNotice);
          return nb.session;
        },
      ),
    [],
  );
  const readOnly = !!opened?.readOnly;
  const docRef = useRef(doc);
  docRef.current = doc;
  const dirtyRef = useRef(false);

  // The cells that fill the window are in the first frame, the rest come a
  // frame after it has been painted (firstscreen.ts); data-complete says so.
  const [rendered, setRendered] = useState(Infinity);
  useEffect(() => {
    if (rendered === Infinity) return;
    let t: ReturnType<typeof setTimeout> | undefined;
    const f = requestAnimationFrame(() => (t = setTimeout(() => setRendered(Infinity), 0)));
    return () => {
      cancelAnimationFrame(f);
      clearTimeout(t);
    };
  }, [rendered]);

  // Open (or reopen) the notebook. Its session stays open when the user
  // leaves it: coming back resumes it with its live results (unsaved edits
  // are autosaved on the way out, and come back with it).
  // A layout effect, and the answer applied at once (flushSync): when the
  // answer is already there (the app's start, shell/early.ts), the
  // notebook is in the frame painted next, not one after an empty one.
  useLayoutEffect(() => {
    let live = true;
    let openedSession: string | undefined;
    setOpened(undefined);
    setError(undefined);
    setNotice(undefined);
    setRecovered(undefined);
    const load = props.runId ? api.openRun(props.runId) : take(earlyKey.open(props.path), () => api.openNotebook(props.path));
    load.then(
      (nb) => {
        if (!live) return;
        flushSync(() => show(nb));
      },
      (e: ApiError) => {
        if (!live) return;
        setError(e.message);
        if (!props.runId) props.onOpenFailed?.(props.path, e);
      },
    );
    function show(nb: OpenedNotebook) {
      openedSession = nb.session || undefined;
      // Outputs with a grid: its code comes while the notebook renders.
      if (showsGrid(nb)) void loadGrid();
      setOpened(nb);
      dispatch({ type: "load", cells: nb.cells });
      setRendered(firstScreenCells(nb.cells, nb.outputs, window.innerHeight));
      const rt: Record<string, CellRuntime> = {};
      const now = performance.now();
      for (const id of new Set([...Object.keys(nb.outputs ?? {}), ...Object.keys(nb.states ?? {})])) {
        rt[id] = transition(idle, { type: "restored", output: nb.outputs?.[id], state: nb.states?.[id], at: now });
      }
      dispatchRt({ reset: rt });
      // A resumed session may still be running; its "run" event ends that.
      setRunning(Object.values(rt).some((r) => r.status === "running" || r.status === "queued"));
      // Edits the file does not have (a draft, or repairs made on opening)
      // are unsaved: -1 is no version.
      setSavedVersion(nb.unsaved || nb.repairs?.length ? -1 : 0);
      props.onSession(openedSession, withSession);
      setRecovered(nb.recovered);
      if (nb.repairs?.length) setNotice(`Opened with repairs, which saving writes to the file: ${nb.repairs.join("; ")}.`);
    }
    return () => {
      live = false;
      if (openedSession && dirtyRef.current) void api.autosave(openedSession, docRef.current.cells).catch(() => undefined);
      props.onSession(undefined);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.path, props.runId]);

  // One router for what the backend pushes about this notebook.
  useEffect(() => {
    if (!session) return;
    const offs = [
      api.on("cell", (e) => {
        if (e.session !== sessionRef.current) return;
        if (e.status === "queued" || e.status === "running") {
          currentRun.current = e.runId;
          if (cancelAsked.current) {
            cancelAsked.current = false;
            void api.cancel(e.runId);
          }
        }
        const msg: CellMessage =
          e.status === "queued"
            ? { type: "queued" }
            : e.status === "running"
              ? { type: "running", at: performance.now(), executionCount: e.executionCount }
              : { type: "finished", status: e.status, output: e.output, elapsedMs: e.elapsedMs, seq: seq.current++, executionCount: e.executionCount };
        dispatchRt({ id: e.cellId, msg });
      }),
      api.on("pull", (e) => setPull(e.percent >= 100 ? undefined : e)),
      api.on("run", (e) => {
        if (e.session === sessionRef.current) setRunning(false);
      }),
      api.on("output", (e) => {
        if (e.session === sessionRef.current) dispatchRt({ id: e.cellId, msg: { type: "output", output: e.output } });
      }),
      api.on("progress", (e) => {
        if (e.session === sessionRef.current) {
          const download = e.downloadTotal ? { done: e.downloaded ?? 0, total: e.downloadTotal } : undefined;
          dispatchRt({ id: e.cellId, msg: { type: "progress", percent: e.percent, elapsedMs: e.elapsedMs, download, detail: e.detail } });
        }
      }),
    ];
    api.completions(session).then(setCompletions, () => undefined);
    return () => offs.forEach((off) => off());
  }, [session]);

  // Autosave the draft after edits: after a pause in typing, and at the
  // latest autosaveMaxWait after the first unsaved edit.
  const dirty = doc.version !== savedVersion;
  dirtyRef.current = dirty && !readOnly;
  // "Saved." is true until the next edit.
  useEffect(() => {
    if (dirty) setNotice((n) => (n === "Saved." ? undefined : n));
  }, [dirty, doc.version]);
  const pendingSince = useRef<number>();
  useEffect(() => {
    if (!session || readOnly || !dirty) return;
    pendingSince.current ??= performance.now();
    const wait = Math.min(autosaveDelay, Math.max(0, autosaveMaxWait - (performance.now() - pendingSince.current)));
    const t = setTimeout(() => {
      pendingSince.current = undefined;
      void withSession((s) => api.autosave(s, docRef.current.cells)).catch(() => undefined);
    }, wait);
    return () => clearTimeout(t);
  }, [doc.version, session, readOnly, dirty]);

  const save = useCallback(async (): Promise<boolean> => {
    if (!session || readOnly) return false;
    const version = docRef.current.version;
    try {
      const saved = await withSession((s) => api.saveNotebook(s, docRef.current.cells));
      // What opening would refuse was repaired in the file: the editor takes
      // the repaired cells unless it was edited meanwhile (the next save
      // repairs those edits the same way).
      if (saved.cells && docRef.current.version === version) dispatch({ type: "saved", cells: saved.cells });
      setSavedVersion(version);
      setRecovered(undefined);
      setNotice(saved.repairs?.length ? `Saved, with repairs so that it opens again: ${saved.repairs.join("; ")}.` : "Saved.");
      return true;
    } catch (e) {
      setError((e as ApiError).message);
      return false;
    }
  }, [session, readOnly]);

  // Publishing: the notebook's place on the schedule, and the dialog. The
  // check run reads the file, so unsaved edits are saved first.
  const publishing = usePublishState(props.path, !props.runId, opened?.publish);
  const [dialog, setDialog] = useState(false);
  const publishForm = useRef<PublishForm>();
  const openPublish = async () => {
    if (dirty && !(await save())) return;
    setError(undefined);
    setDialog(true);
  };
  const published = (st: PublishState) => {
    if (publishing.state?.published && !st.published) setNotice("Unpublished: Airflow no longer runs this notebook; its past scheduled runs stay in the history.");
    publishing.setState(st);
  };
  // Whatever the notebook learns of its state, the shell's list learns too.
  const onPublished = useRef(props.onPublished);
  onPublished.current = props.onPublished;
  useEffect(() => {
    if (publishing.state) onPublished.current?.(publishing.state);
  }, [publishing.state]);
  const showFailedCell = (c: FailedCell) => {
    setDialog(false);
    const here = docRef.current.cells.some((x) => x.id === c.id);
    // The cell shows the message; without the cell (deleted since), the banner does.
    setError(`Not published: the check run failed in ${c.label || "a cell"}.${here ? "" : `\n${c.message}`}`);
    if (!here) return;
    dispatch({ type: "select", id: c.id, mode: "command" });
    // The cell shows the error it had in the check run, as after a run of its own.
    const output: CellOutput = { error: { message: c.message }, elapsedMs: 0 };
    dispatchRt({ id: c.id, msg: { type: "finished", status: "error", output, seq: seq.current++ } });
    setTimeout(() => document.querySelector(`[data-testid=cell][data-cell-id="${CSS.escape(c.id)}"]`)?.scrollIntoView({ block: "center" }), 0);
  };

  // Cells asked to run while a run is going wait for it, as in Jupyter
  // (Shift+Enter, Shift+Enter…): they run next, unless it failed or was
  // canceled, which leaves them not run.
  const inFlight = useRef(false);
  const waiting = useRef<{ ids: string[]; download: string[] }>();
  const run = useCallback(
    async (ids: string[], download?: string[]): Promise<void> => {
      if (!session || readOnly || ids.length === 0) return;
      if (inFlight.current) {
        const w = (waiting.current ??= { ids: [], download: [] });
        for (const id of ids) {
          if (w.ids.includes(id)) continue;
          w.ids.push(id);
          dispatchRt({ id, msg: { type: "queued" } });
        }
        w.download.push(...(download ?? []));
        return;
      }
      inFlight.current = true;
      setRunning(true);
      setError(undefined);
      currentRun.current = undefined;
      cancelAsked.current = false;
      let ok = false;
      try {
        const done = await withSession((s) => api.runCells(s, { cells: docRef.current.cells, run: ids, download }));
        ok = done.status === "ok";
      } catch (e) {
        setError((e as ApiError).message);
      } finally {
        inFlight.current = false;
        const next = waiting.current;
        waiting.current = undefined;
        if (next && ok && !cancelAsked.current) {
          void runRef.current(next.ids, next.download.length > 0 ? next.download : undefined);
        } else {
          for (const id of next?.ids ?? []) dispatchRt({ id, msg: { type: "finished", status: "skipped", seq: seq.current++ } });
          setRunning(false);
        }
        props.onRan();
        api.completions(sessionRef.current).then(setCompletions, () => undefined);
      }
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [session, readOnly],
  );
  const runRef = useRef(run);
  runRef.current = run;

  const runnable = (ids: string[]) =>
    ids.filter((id) => {
      const c = docRef.current.cells.find((x) => x.id === id);
      return c && c.kind !== "markdown" && c.kind !== "raw" && !c.tags?.includes("parameters");
    });
  const runAll = () => run(runnable(docRef.current.cells.map((c) => c.id)));
  const runAllRef = useRef(runAll);
  runAllRef.current = runAll;
  const runFromHere = () => {
    const i = docRef.current.cells.findIndex((c) => c.id === docRef.current.selected);
    run(runnable(docRef.current.cells.slice(Math.max(i, 0)).map((c) => c.id)));
  };
  const runCell = useCallback(
    (id: string, mode: "advance" | "stay") => {
      void run(runnable([id]));
      if (mode === "advance") {
        const cells = docRef.current.cells;
        const i = cells.findIndex((c) => c.id === id);
        if (i === cells.length - 1) dispatch({ type: "insert", where: "below" });
        else dispatch({ type: "select", id: cells[i + 1].id, mode: "command" });
      }
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [run],
  );
  const cancel = useCallback(() => {
    if (currentRun.current) void api.cancel(currentRun.current);
    else cancelAsked.current = true;
  }, []);

  // Parent hooks: insert into the editor, query this, show a preview.
  useEffect(() => {
    props.handle?.({
      insert(text) {
        const ed = docRef.current.selected && editors.current.get(docRef.current.selected);
        if (ed && ed.insert) ed.insert(text);
        else dispatch({ type: "insert", where: "below", source: text });
      },
      query(sql) {
        dispatch({ type: "insert", where: "below", source: sql });
        setTimeout(() => docRef.current.selected && void run([docRef.current.selected]), 0);
      },
    });
    return () => props.handle?.(undefined);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [run]);

  // Jupyter's keys: command mode on the notebook, Ctrl/Cmd+S everywhere.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s") {
        e.preventDefault();
        void save();
        return;
      }
      if ((e.ctrlKey || e.metaKey) && e.shiftKey && e.key === "Enter") {
        e.preventDefault();
        if (!readOnly) runAllRef.current();
        return;
      }
      const d = docRef.current;
      const target = e.target as HTMLElement | null;
      if (d.mode !== "command" || readOnly || target?.closest("input, textarea, select, .cm-editor, [data-testid=result-grid], [role=dialog], [role=alertdialog]")) return;
      const action = commandKey(e, lastKey.current);
      lastKey.current = action === "wait-d" ? "d" : undefined;
      if (action === undefined || action === "wait-d") return;
      e.preventDefault();
      if (!d.selected && typeof action === "string") return;
      if (action === "run-advance" || action === "run-stay") runCell(d.selected!, action === "run-advance" ? "advance" : "stay");
      else if (action === "toggle-output") toggleOutput(d.selected!);
      else if (action === "edit") {
        dispatch({ type: "mode", mode: "edit" });
        editors.current.get(d.selected!)?.focus?.();
      } else dispatch(action);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [save, runCell, readOnly]);

  // Warn before leaving with unsaved edits (the draft has them anyway).
  useEffect(() => {
    const onLeave = (e: BeforeUnloadEvent) => {
      if (dirty && !readOnly) e.preventDefault();
    };
    window.addEventListener("beforeunload", onLeave);
    return () => window.removeEventListener("beforeunload", onLeave);
  }, [dirty, readOnly]);

  const stale = useMemo(() => staleCells(doc.cells, runtime), [doc.cells, runtime]);
  const onSelect = useCallback((id: string, edit: boolean) => dispatch({ type: "select", id, mode: edit ? "edit" : "command" }), []);
  const onSource = useCallback((id: string, source: string) => dispatch({ type: "source", id, source }), []);
  const nameTakenBy = useMemo(() => takenNames(doc.cells), [doc.cells]);
  const onName = useCallback((id: string, name: string) => dispatch({ type: "name", id, name }), []);
  const onChart = useCallback((id: string, chart: Record<string, unknown> | undefined) => dispatch({ type: "chart", id, chart }), []);
  const onCommandMode = useCallback(() => dispatch({ type: "mode", mode: "command" }), []);
  const onType = useCallback((id: string, to: CellType) => dispatch({ type: "cell-type", id, to }), []);
  // Collapsed outputs (O) are saved with the cells, as JupyterLab saves them.
  const collapsed = useMemo(() => new Set(doc.cells.filter((c) => c.collapsed).map((c) => c.id)), [doc.cells]);
  const toggleOutput = useCallback((id: string) => {
    const c = docRef.current.cells.find((x) => x.id === id);
    if (c) dispatch({ type: "collapse", id, collapsed: !c.collapsed });
  }, []);
  const clearOutput = useCallback(
    (id: string) => {
      if (!session) return;
      dispatchRt({ id, msg: { type: "cleared" } });
      withSession((s) => api.clearOutputs(s, [id])).catch((e: ApiError) => setError(e.message));
    },
    [session],
  );
  const discardRecovered = async () => {
    try {
      const cells = await withSession((s) => api.discardDraft(s));
      dispatch({ type: "load", cells });
      setSavedVersion(0);
      setRecovered(undefined);
      setNotice("Discarded the recovered changes: the notebook is as last saved.");
    } catch (e) {
      setError((e as ApiError).message);
    }
  };
  const onEngine = useCallback((id: string, engine: string) => dispatch({ type: "engine", id, engine }), []);
  // The offload offer: run the cell on the cluster (its engine set, saved
  // with the notebook), or download anyway this once.
  const onOffload = useCallback(
    (id: string, choice: { cluster: string } | "download") => {
      if (choice === "download") {
        void run([id], [id]);
        return;
      }
      dispatch({ type: "engine", id, engine: choice.cluster });
      setTimeout(() => void run([id]), 0);
    },
    [run],
  );
  const registerFocus = useCallback((id: string, focus?: () => void, insert?: (t: string) => void) => {
    if (focus) editors.current.set(id, { focus, insert });
    else editors.current.delete(id);
  }, []);

  const rename = async (name: string) => {
    setRenaming(false);
    if (!name.trim() || name === opened?.path.replace(/\.ipynb$/, "")) return;
    try {
      const entry = await api.renameNotebook(props.path, name);
      props.onRenamed(entry.path);
    } catch (e) {
      setError((e as ApiError).message);
    }
  };

  if (error && !opened) {
    return (
      <div className="notebook">
        <p className="banner error" data-testid="error-banner">
          {error}
        </p>
      </div>
    );
  }
  if (!opened) return <div className="notebook loading">Opening {props.path}…</div>;
  return (
    <SessionCallContext.Provider value={withSession}>
      <div className="notebook" data-testid="notebook" data-dirty={dirty} data-mode={doc.mode} data-complete={rendered === Infinity}>
        <div className="toolbar">
          <Toolbar
            session={session}
            runtime={opened.runtime}
            running={running}
            dirty={dirty}
            readOnly={readOnly}
            onError={setError}
            onNotice={setNotice}
            title={
              renaming ? (
                <input
                  autoFocus
                  className="rename"
                  data-testid="rename-input"
                  defaultValue={opened.path.replace(/\.ipynb$/, "")}
                  onBlur={(e) => void rename(e.currentTarget.value)}
                  onKeyDown={(e) => e.key === "Enter" && void rename(e.currentTarget.value)}
                />
              ) : (
                <h2 data-testid="notebook-title" title={readOnly ? opened.path : `${opened.path} · click to rename`} onClick={() => !readOnly && setRenaming(true)}>
                  {opened.path}
                  {dirty && !readOnly && <span className="dirty"> •</span>}
                </h2>
              )
            }
            engine={
              <NotebookEngine
                runtime={opened.runtime}
                clusters={clusters}
                disabled={running}
                onRuntime={(rt) => setOpened((o) => (o ? { ...o, runtime: rt } : o))}
                onError={setError}
              />
            }
            actions={{
              runAll,
              runFromHere,
              cancel,
              add: (kind) => dispatch({ type: "insert", where: "below", ...(kind === "sql" ? {} : { kind }) }),
              move: (by) => dispatch({ type: "move", by }),
              duplicate: () => dispatch({ type: "duplicate" }),
              remove: () => dispatch({ type: "delete" }),
              save: () => void save(),
              publish: publishing.state?.published ? undefined : () => void openPublish(),
            }}
          />
          {!readOnly && publishing.state?.published && (
            <PublishLine
              path={props.path}
              state={publishing.state}
              onState={published}
              onRepublish={() => void openPublish()}
              onRan={props.onRan}
              onRefresh={() => setTimeout(publishing.refresh, 1500)}
            />
          )}
        </div>
        {dialog && (
          <PublishDialog
            path={props.path}
            defaults={parameterDefaults(doc.cells.find((c) => c.tags?.includes("parameters"))?.source ?? "")}
            published={publishing.state}
            form={publishForm.current}
            onForm={(f) => (publishForm.current = f)}
            onClose={() => setDialog(false)}
            onChecked={props.onRan}
            onPublished={(st) => {
              published(st);
              setDialog(false);
              setNotice(`Published to Airflow as ${st.dagId}: it runs ${st.sentence || st.label}.`);
            }}
            onShowCell={showFailedCell}
          />
        )}
        {readOnly && (
          <p className="banner" data-testid="readonly-banner">
            A past run's output notebook, read-only.
          </p>
        )}
        {recovered && !readOnly && (
          <p className="banner" data-testid="recovered-banner">
            Recovered unsaved changes from {new Date(recovered.savedAt).toLocaleString()}: save to keep them.{" "}
            <button className="link" data-testid="discard-recovered" onClick={() => void discardRecovered()}>
              Discard recovered changes
            </button>
          </p>
        )}
        {notice && (
          <p className="banner" data-testid="notice">
            {notice}
          </p>
        )}
        {pull && running && (
          <p className="banner" data-testid="pull-banner">
            Pulling {pull.image}: {pull.percent >= 0 ? `${Math.round(pull.percent)}%` : pull.status}
            {pull.percent >= 0 && <progress max={100} value={pull.percent} />}
          </p>
        )}
        {error && (
          <p className="banner error" data-testid="error-banner">
            {error}
          </p>
        )}
        {!readOnly && Object.values(runtime).some((r) => r.output?.error?.message.includes(setupHint)) && <PythonSetupOffer onDone={() => setError(undefined)} />}
        <div className="cells">
          {doc.cells.slice(0, rendered).map((c, i) => (
            <CellView
              key={c.id}
              cell={c}
              index={i}
              runtime={runtime[c.id] ?? idle}
              session={session}
              selected={doc.selected === c.id}
              editing={doc.selected === c.id && doc.mode === "edit"}
              stale={stale.has(c.id)}
              readOnly={readOnly}
              collapsed={collapsed.has(c.id)}
              completions={completions}
              onSelect={onSelect}
              onSource={onSource}
              onName={onName}
              nameTakenBy={nameTakenBy.get(c.id)}
              onChart={onChart}
              onRun={runCell}
              onCommandMode={onCommandMode}
              onCancel={cancel}
              onType={onType}
              onToggleOutput={toggleOutput}
              onClearOutput={clearOutput}
              registerFocus={registerFocus}
              clusters={clusters}
              notebookEngine={opened.runtime?.engine}
              onEngine={onEngine}
              onOffload={onOffload}
            />
          ))}
        </div>
      </div>
    </SessionCallContext.Provider>
  );
}
