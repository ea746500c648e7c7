// The workspace's published notebooks with their state in Airflow (the
// sidebar's Published tab), and the marks the notebook list gives them.
import { useEffect, useState } from "react";
import type { PublishState } from "../api";
import { publishedLine } from "./schedule";
import "./publish.css";

/** A notebook's marks in the list: "scheduled", and a red flag when its last scheduled run failed. */
export function PublishedMarks({ state }: { state?: PublishState }) {
  if (!state?.published) return null;
  const failed = state.lastState === "failed";
  return (
    <span className="sf-nb-marks">
      <span className="sf-nb-scheduled" data-testid="scheduled-mark" title={`Published: runs ${state.sentence || state.label || "when asked"}${state.paused ? " (paused)" : ""}`}>
        {state.paused ? "paused" : "scheduled"}
      </span>
      {failed && (
        <span className="sf-nb-failed" data-testid="scheduled-failed" title="Its last scheduled run failed">
          failed
        </span>
      )}
      {!failed && state.problem && (
        <span className="sf-nb-problem" data-testid="scheduled-problem" title={state.problem}>
          !
        </span>
      )}
    </span>
  );
}

export interface PublishedListProps {
  /** undefined while loading. */
  notebooks: PublishState[] | undefined;
  error?: string;
  active?: string;
  onOpen(path: string): void;
}

export function PublishedList(props: PublishedListProps) {
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 30_000); // relative times move on
    return () => clearInterval(t);
  }, []);
  const list = props.notebooks;
  return (
    <div className="sf-published-list" data-testid="published-panel">
      {props.error && (
        <p className="sf-published-error" role="alert">
          {props.error}
        </p>
      )}
      {!list && !props.error && <p className="sf-publish-muted">Loading…</p>}
      {list && list.length === 0 && <p className="sf-publish-muted">No notebook is published yet. Publish… on a notebook puts it on a schedule on Airflow.</p>}
      {list && list.length > 0 && (
        <ul>
          {list.map((st) => {
            const line = publishedLine(st);
            return (
              <li key={st.path}>
                <a
                  href={`#nb=${encodeURIComponent(st.path)}`}
                  data-testid="published-item"
                  data-path={st.path}
                  data-tone={line.tone}
                  className={`sf-published-item sf-published-${line.tone}${props.active === st.path ? " active" : ""}`}
                  onClick={(e) => {
                    e.preventDefault();
                    props.onOpen(st.path);
                  }}
                  title={st.dagId}
                >
                  <span className="sf-published-item-name">
                    <span className="sf-published-dot" aria-hidden="true" />
                    {st.path.replace(/\.ipynb$/, "")}
                  </span>
                  <span className="sf-published-item-line">{line.text.replace(/^Published · /, "")}</span>
                  {line.last && <span className={`sf-published-item-last${st.lastState === "failed" ? " failed" : ""}`}>{line.last}</span>}
                </a>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
