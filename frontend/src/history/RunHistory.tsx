// A notebook's past runs, newest first; opening one shows its executed
// output read-only (the lead's onOpen).
import { useEffect, useState } from "react";
import { api, toApiError, type RunRecord } from "../api";
import { firstLine, formatDuration, formatParameters, formatStart, newestFirst, statusLabel } from "./format";
import "./history.css";

export interface RunHistoryProps {
  path: string;
  /** Bumped by the notebook after each run to reload the list. */
  refreshKey: number;
  onOpen(runId: string): void;
}

export function RunHistory(props: RunHistoryProps) {
  const { path, refreshKey } = props;
  // Runs are kept with the path they belong to, so switching notebooks
  // never shows the previous notebook's runs while the new ones load.
  const [loaded, setLoaded] = useState<{ path: string; runs: RunRecord[] }>();
  const [failure, setFailure] = useState<{ path: string; message: string }>();

  useEffect(() => {
    let current = true;
    api.runs(path).then(
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
  }, [path, refreshKey]);

  const runs = loaded?.path === path ? loaded.runs : undefined;
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

function RunItem({ run, onOpen }: { run: RunRecord; onOpen(id: string): void }) {
  const about = [run.mode, formatParameters(run.parameters)].filter(Boolean).join(" · ");
  const error = run.status === "ok" ? "" : firstLine(run.error);
  return (
    <button
      className="sf-runs-item"
      data-testid="run-item"
      data-status={run.status}
      data-mode={run.mode}
      onClick={() => onOpen(run.id)}
      title={`${statusLabel[run.status]} · open this run's output`}
    >
      <span className="sf-runs-head">
        <span className={`sf-runs-dot sf-runs-${run.status}`} role="img" aria-label={statusLabel[run.status]} />
        <span className="sf-runs-when">{formatStart(run.startedAt)}</span>
        <span className="sf-runs-duration">{run.status === "running" ? "running…" : formatDuration(run.durationMs)}</span>
      </span>
      <span className="sf-runs-about">{about}</span>
      {error && <span className="sf-runs-error">{error}</span>}
    </button>
  );
}
