// A scheduled run opened from the history: what Airflow says of it, its
// output notebook (read-only, as for local runs) and its Airflow task log.
// While it is queued or running, both are read again every few seconds.
import { useEffect, useState, type ReactNode } from "react";
import { api, toApiError, type RunRecord } from "../api";
import { formatDuration, formatStart, statusLabel } from "./format";
import { scheduledUnderWay } from "./RunHistory";
import "./history.css";

export interface ScheduledRunProps {
  /** The notebook, as ListNotebooks names it. */
  path: string;
  run: RunRecord;
  /** The output notebook's view (NotebookView on the run id). */
  output(run: RunRecord): ReactNode;
  pollMs?: number;
}

export function ScheduledRun(props: ScheduledRunProps) {
  const { path, pollMs = 3000 } = props;
  const [run, setRun] = useState(props.run);
  const [tab, setTab] = useState<"output" | "log">(props.run.scheduled?.hasOutput ? "output" : "log");
  useEffect(() => {
    setRun(props.run);
    setTab(props.run.scheduled?.hasOutput ? "output" : "log");
  }, [props.run]);

  // The run as the history has it now: its state, and whether its output is there yet.
  const underWay = scheduledUnderWay(run);
  useEffect(() => {
    if (!underWay) return;
    let live = true;
    const t = setTimeout(() => {
      api.runs(path).then(
        (list) => {
          const now = (list ?? []).find((r) => r.id === run.id);
          if (live && now) setRun(now);
        },
        () => live && setRun((r) => ({ ...r })), // try again after the pause
      );
    }, pollMs);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [path, run, underWay, pollMs]);

  const sch = run.scheduled!;
  return (
    <div className="sf-scheduled" data-testid="scheduled-run" data-status={run.status} data-airflow-state={sch.state}>
      <div className="sf-scheduled-head">
        <span className={`sf-runs-dot sf-runs-${run.status}`} role="img" aria-label={statusLabel[run.status]} />
        <span title={`Airflow run ${sch.runId} of ${sch.dagId}`}>
          <b>Scheduled run</b> ·{" "}
          {sch.state ? (
            <>
              Airflow: <span data-testid="scheduled-state">{sch.state}</span>
            </>
          ) : (
            statusLabel[run.status]
          )}
          {sch.try > 1 && <> · try {sch.try}</>} · started {formatStart(run.startedAt)}
          {!underWay && run.durationMs > 0 && <> · took {formatDuration(run.durationMs)}</>}
        </span>
        <nav className="sf-scheduled-tabs">
          <button className={tab === "output" ? "active" : ""} data-testid="scheduled-output-tab" disabled={!sch.hasOutput} onClick={() => setTab("output")}>
            Output notebook
          </button>
          <button className={tab === "log" ? "active" : ""} data-testid="task-log-tab" onClick={() => setTab("log")}>
            Task log
          </button>
        </nav>
      </div>
      {!sch.hasOutput && tab === "output" && <p className="sf-runs-empty">No output notebook yet.</p>}
      {tab === "output" && sch.hasOutput && props.output(run)}
      {tab === "log" && <TaskLog path={path} runId={sch.runId} live={underWay} pollMs={pollMs} hasOutput={sch.hasOutput} />}
    </div>
  );
}

function TaskLog(props: { path: string; runId: string; live: boolean; pollMs: number; hasOutput: boolean }) {
  const { path, runId, live, pollMs } = props;
  const [log, setLog] = useState<{ text?: string; error?: string; at: number }>();
  const [again, setAgain] = useState(0);
  useEffect(() => {
    let current = true;
    api.scheduledLog(path, runId).then(
      (text) => current && setLog({ text: text ?? "", at: Date.now() }),
      (e) => current && setLog({ error: toApiError(e).message, at: Date.now() }),
    );
    return () => {
      current = false;
    };
  }, [path, runId, again]);
  useEffect(() => {
    if (!live || !log) return;
    const t = setTimeout(() => setAgain((n) => n + 1), pollMs);
    return () => clearTimeout(t);
  }, [live, log, pollMs]);
  return (
    <section className="sf-tasklog" data-testid="task-log">
      <div className="sf-tasklog-bar">
        <span>The Airflow task log{live ? ", read again every few seconds while the run goes on" : ""}.</span>
        <button className="link" data-testid="task-log-refresh" onClick={() => setAgain((n) => n + 1)}>
          Refresh
        </button>
      </div>
      {!log && <p className="sf-runs-empty">Loading the task log…</p>}
      {log?.error && (
        <p className="sf-runs-error-text" role="alert" data-testid="task-log-error">
          {log.error}
        </p>
      )}
      {log?.text !== undefined && (
        <pre className="sf-tasklog-text" data-testid="task-log-text">
          {log.text || "(the log is empty so far)"}
        </pre>
      )}
    </section>
  );
}
