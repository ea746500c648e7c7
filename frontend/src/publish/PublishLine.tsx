// A published notebook's line under its title: "Published · daily 03:00 ·
// next run in 5 h" (paused, the problem, a failed last run in red), with
// Run now, Pause/Resume, Republish and Unpublish (confirmed in place).
import { useCallback, useEffect, useRef, useState } from "react";
import { api, toApiError, type PublishState } from "../api";
import { publishedLine } from "./schedule";
import "./publish.css";

/** How often the state is read again: often while a run is under way. */
const pollBusy = 5_000;
const pollIdle = 60_000;

/**
 * A notebook's place on the schedule, read when it opens and again every
 * minute (every 5 s while a scheduled run is queued or running). Until the
 * first answer, it is what opening the notebook said (its file's schedule),
 * so a published notebook's first screen has its publish line.
 */
export function usePublishState(path: string, enabled: boolean, opened?: PublishState) {
  const [state, setState] = useState<PublishState>();
  const seq = useRef(0);
  const refresh = useCallback(() => {
    if (!enabled) return;
    const mine = ++seq.current;
    api.publishState(path).then(
      (st) => mine === seq.current && setState(st),
      () => undefined, // the line shows what it knew; the dialog says what is wrong
    );
  }, [path, enabled]);
  useEffect(() => {
    setState(undefined);
    refresh();
  }, [refresh]);
  const busy = state?.lastState === "running" || state?.lastState === "queued";
  useEffect(() => {
    if (!state?.published) return;
    const t = setTimeout(refresh, busy ? pollBusy : pollIdle);
    return () => clearTimeout(t);
  }, [state, busy, refresh]);
  const set = useCallback((st: PublishState) => {
    seq.current++; // an answer already on its way is older than this
    setState(st);
  }, []);
  return { state: state ?? (enabled && opened?.path === path ? opened : undefined), setState: set, refresh };
}

export interface PublishLineProps {
  path: string;
  state: PublishState;
  onState(st: PublishState): void;
  onRepublish(): void;
  /** A run was started (the history reloads). */
  onRan(): void;
  /** Refresh the state later (after Run now). */
  onRefresh(): void;
}

export function PublishLine(props: PublishLineProps) {
  const { state: st } = props;
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<string>();
  const [note, setNote] = useState<{ text: string; runId?: string }>();
  const [confirming, setConfirming] = useState(false);
  useEffect(() => {
    if (!note) return;
    const t = setTimeout(() => setNote(undefined), 15_000);
    return () => clearTimeout(t);
  }, [note]);
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 30_000); // "in 5 h" moves on
    return () => clearInterval(t);
  }, []);

  const act = async (what: string, f: () => Promise<void>) => {
    setBusy(what);
    setError(undefined);
    setNote(undefined);
    try {
      await f();
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      setBusy(undefined);
    }
  };
  const runNow = () =>
    act("run", async () => {
      const rec = await api.runNow(props.path);
      setNote({ text: `Started a scheduled run (${rec.scheduled?.runId ?? rec.id}); it is in the run history.`, runId: rec.id });
      props.onRan();
      props.onRefresh();
    });
  const pause = () => act("pause", async () => props.onState(await api.setPublishedPaused(props.path, !st.paused)));
  const unpublish = () =>
    act("unpublish", async () => {
      props.onState(await api.unpublish(props.path));
      setConfirming(false);
    });

  const line = publishedLine(st);
  return (
    <div className={`sf-published sf-published-${line.tone}`} data-testid="published-line" data-tone={line.tone} data-paused={st.paused}>
      <span className="sf-published-dot" aria-hidden="true" />
      <span className="sf-published-text" data-testid="published-text" title={st.sentence ? `Runs ${st.sentence} · DAG ${st.dagId}` : st.dagId}>
        {line.text}
      </span>
      {line.last && (
        <span className={`sf-published-last${st.lastState === "failed" ? " failed" : ""}`} data-testid="published-last">
          {line.last}
        </span>
      )}
      <span className="sf-published-actions">
        <button className="link" data-testid="run-now" disabled={!!busy} onClick={() => void runNow()} title="Start a scheduled run on Airflow now">
          {busy === "run" ? "Starting…" : "Run now"}
        </button>
        <button className="link" data-testid="pause-schedule" disabled={!!busy} onClick={() => void pause()}>
          {st.paused ? "Resume" : "Pause"}
        </button>
        <button className="link" data-testid="republish" disabled={!!busy} onClick={props.onRepublish}>
          Republish…
        </button>
        <button className="link" data-testid="unpublish" disabled={!!busy} onClick={() => setConfirming(true)}>
          Unpublish…
        </button>
      </span>
      {confirming && (
        <div className="sf-published-confirm" role="alertdialog" aria-label="Unpublish" data-testid="unpublish-confirm">
          <span>Take this notebook off the schedule? Airflow stops running it; its past runs stay in the history.</span>
          <button data-testid="unpublish-yes" className="danger" disabled={!!busy} onClick={() => void unpublish()}>
            {busy === "unpublish" ? "Unpublishing…" : "Unpublish"}
          </button>
          <button data-testid="unpublish-no" disabled={!!busy} onClick={() => setConfirming(false)}>
            Keep it
          </button>
        </div>
      )}
      {note && (
        <span className="sf-published-note" data-testid="published-note" data-run-id={note.runId}>
          {note.text}
        </span>
      )}
      {error && (
        <p className="sf-published-error" role="alert" data-testid="published-error">
          {error}
        </p>
      )}
    </div>
  );
}
