// A notebook's past runs, newest first, scheduled ones (Airflow's) beside
// the local ones; opening one shows its executed output read-only (the
// lead's onOpen). While a scheduled run is not finished the list is read
// again every few seconds.
import { useEffect, useRef, useState } from "react";
import { api, toApiError, type RunRecord } from "../api";
import { earlyKey, ready, take } from "../shell/early";
import { firstLine, formatDuration, formatParameters, formatStart, newestFirst, statusLabel } from "./format";
import "./history.css";

export interface RunHistoryProps {
  path: string;
  /** Bumped by the notebook after each run to reload the list. */
  refreshKey: number;
  onOpen(runId: string, run: RunRecord): void;
  /** How often to read the list again while a scheduled run is under way. */
  pollMs?: number;
}

/**
 * Whether a run is Airflow's and not finished yet: queued or running, or
 * its notebook done but Airflow not yet saying so (its record is written
 * a moment before the task ends).
 */
export const scheduledUnderWay = (r: RunRecord) =>
  r.mode === "scheduled" && (r.status === "running" || (!!r.scheduled?.state && r.scheduled.state !== "success" && r.scheduled.state !== "failed"));

export function RunHistory(props: RunHistoryProps) {
  const { path, refreshKey, pollMs = 3000 } = props;
  // Runs are kept with the path they belong to, so switching notebooks
  // never shows the previous notebook's runs while the new ones load.
  // The first notebook's runs may have come before the first render (shell/early.ts).
  const [loaded, setLoaded] = useState<{ path: string; runs: RunRecord[] } | undefined>(() => {
    const runs = ready<RunRecord[] | null>(earlyKey.runs(path));
    return runs === undefined ? undefined : { path, runs: newestFirst(runs ?? []) };
  });
  const fromStart = useRef(loaded !== undefined);
  const [failure, setFailure] = useState<{ path: string; message: string }>();
  const [tick, setTick] = useState(0);

  useEffect(() => {
    if (fromStart.current) {
      fromStart.current = false;
      return;
    }
    let current = true;
    take(earlyKey.runs(path), () => api.runs(path)).then(
      (runs) => {
        if (!current) return;
        setLoaded({ path, runs: newestFirst(runs ?? []) }); // Go sends a nil slice as null
        setFailure(undefined);
      },
      (e: unknown) => {
        if (current) setFailure({ path, message: toApiError(e).message });
      },
    );
    return () => {
      current = false;
    };
  }, [path, refreshKey, tick]);

  const runs = loaded?.path === path ? loaded.runs : undefined;
  const polling = !!runs?.some(scheduledUnderWay);
  useEffect(() => {
    if (!polling) return;
    const t = setTimeout(() => setTick((n) => n + 1), pollMs);
    return () => clearTimeout(t);
  }, [polling, loaded, failure, pollMs]);
  const error = failure?.path === path ? failure.message : undefined;
  return (
    <section className="sf-runs" data-testid="history-panel">
      {error && (
        <p className="sf-runs-error-text" role="alert">
          {error}
        </p>
      )}
      {!runs && !error && <p className="sf-runs-empty">Loading runs…</p>}
      {runs && runs.length === 0 && <p className="sf-runs-empty">No runs yet</p>}
      {runs && runs.length > 0 && (
        <ul>
          {runs.map((r) => (
            <li key={r.id}>
              <RunItem run={r} onOpen={props.onOpen} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function RunItem({ run, onOpen }: { run: RunRecord; onOpen(id: string, run: RunRecord): void }) {
  const sch = run.scheduled;
  // A run of a DAG Airflow no longer has (unpublished) has no state there.
  const airflow = sch && [sch.state ? `Airflow: ${sch.state}` : "", sch.try > 1 ? `try ${sch.try}` : ""].filter(Boolean).join(", ");
  const about = [sch ? "" : run.mode, airflow, formatParameters(run.parameters)].filter(Boolean).join(" · ");
  const error = run.status === "ok" ? "" : firstLine(run.error);
  return (
    <button
      className={`sf-runs-item${sch ? " sf-runs-scheduled" : ""}`}
      data-testid="run-item"
      data-status={run.status}
      data-mode={run.mode}
      data-run-id={run.id}
      data-airflow-state={sch?.state}
      onClick={() => onOpen(run.id, run)}
      title={`${statusLabel[run.status]} · ${sch ? (sch.hasOutput ? "open this scheduled run's output and task log" : "open this scheduled run's task log") : "open this run's output"}`}
    >
      <span className="sf-runs-head">
        <span className={`sf-runs-dot sf-runs-${run.status}`} role="img" aria-label={statusLabel[run.status]} />
        <span className="sf-runs-when">{formatStart(run.startedAt)}</span>
        {sch && (
          <span className="sf-runs-badge" data-testid="run-scheduled">
            scheduled
          </span>
        )}
        <span className="sf-runs-duration">
          {run.status === "running" ? (sch?.state === "queued" ? "queued…" : "running…") : formatDuration(run.durationMs)}
        </span>
      </span>
      <span className="sf-runs-about">{about}</span>
      {error && <span className="sf-runs-error">{error}</span>}
    </button>
  );
}
