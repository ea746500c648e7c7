// The lake browser: what tables and raw datasets exist, how big they are,
// what is wrong with them, and one click to preview, insert or query one.
import { useCallback, useEffect, useRef, useState } from "react";
import { api, toApiError, type Dataset, type S3Lake } from "../api";
import { formatBytes, formatFiles, formatPartitions, formatRows } from "./format";
import "./lake.css";

export interface LakePanelProps {
  /** Changes when the sign-in does: the S3 lake is listed again. */
  accountKey?: unknown;
  onPreview(name: string): void;
  onInsert(name: string): void;
  onQuery(name: string): void;
}

const groups: { kind: Dataset["kind"]; title: string }[] = [
  { kind: "table", title: "Tables" },
  { kind: "raw", title: "Raw datasets" },
];

export function LakePanel(props: LakePanelProps) {
  const [datasets, setDatasets] = useState<Dataset[]>();
  const [s3, setS3] = useState<S3Lake | null>(null);
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(false);
  const [filter, setFilter] = useState("");
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  // Only the latest request may update the panel: a slow first load must
  // not overwrite the answer to a later Refresh.
  const latest = useRef(0);

  const load = useCallback(async () => {
    const request = ++latest.current;
    setLoading(true);
    try {
      const [found, remote] = await Promise.all([api.lake(), api.s3Lake().catch((e) => ({ location: "", datasets: [], offline: true, problem: toApiError(e).message }))]);
      if (request !== latest.current) return;
      setDatasets([...(found ?? [])].sort((a, b) => a.name.localeCompare(b.name))); // Go sends a nil slice as null
      setS3(remote);
      setError(undefined);
    } catch (e) {
      if (request === latest.current) setError(toApiError(e).message);
    } finally {
      if (request === latest.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load();
    return () => {
      latest.current++; // drop answers that arrive after unmount
    };
  }, [load, props.accountKey]);

  const toggle = (name: string) =>
    setExpanded((prev) => {
      const next = new Set(prev);
      if (!next.delete(name)) next.add(name);
      return next;
    });

  const needle = filter.trim().toLowerCase();
  const shown = datasets?.filter((d) => d.name.toLowerCase().includes(needle));
  // S3 datasets are named in SQL as s3.Name and s3.raw.name.
  const remote = (s3?.datasets ?? []).map((d) => ({ ...d, name: "s3." + d.name })).filter((d) => d.name.toLowerCase().includes(needle));

  return (
    <section className="sf-lake" data-testid="lake-panel">
      <div className="sf-lake-bar">
        <input
          className="sf-lake-filter"
          type="search"
          placeholder="Filter datasets"
          aria-label="Filter datasets"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
        {/* Stays clickable while loading: a hung S3 listing must be retryable. */}
        <button data-testid="lake-refresh" onClick={() => void load()} aria-busy={loading} title="Read the lake again">
          {loading ? "Loading…" : "Refresh"}
        </button>
      </div>
      {error && (
        <p className="sf-lake-error" role="alert">
          {error}
        </p>
      )}
      {s3 && <h2 className="sf-lake-source">Local lake</h2>}
      {shown && shown.length === 0 && (
        <p className="sf-lake-empty">{needle ? `No dataset matches “${filter.trim()}”.` : "The lake has no datasets yet."}</p>
      )}
      {shown &&
        groups.map(({ kind, title }) => {
          const items = shown.filter((d) => d.kind === kind);
          if (items.length === 0) return null;
          return (
            <div className="sf-lake-group" key={kind}>
              <h3>
                {title} <span className="sf-lake-count">{items.length}</span>
              </h3>
              <ul>
                {items.map((d) => (
                  <LakeItem key={d.name} dataset={d} expanded={expanded.has(d.name)} onToggle={() => toggle(d.name)} {...props} />
                ))}
              </ul>
            </div>
          );
        })}
      {s3 && (
        <div className="sf-lake-s3" data-testid="s3-lake">
          <h2 className="sf-lake-source" title={s3.location}>
            Company lake <span className="sf-lake-location">{s3.location}</span>
            {s3.offline && (
              <span className="sf-lake-offline" data-testid="s3-offline">
                offline
              </span>
            )}
          </h2>
          {s3.problem && (
            <p className="sf-lake-error" role="alert" data-testid="s3-problem">
              {s3.problem}
            </p>
          )}
          {remote.length === 0 && !s3.problem && <p className="sf-lake-empty">No datasets in the company lake.</p>}
          <ul>
            {remote.map((d) => (
              <LakeItem key={d.name} dataset={d} cachedAt={s3.cachedAt?.[d.name.slice(3)]} partial={s3.partial?.[d.name.slice(3)]} expanded={expanded.has(d.name)} onToggle={() => toggle(d.name)} {...props} />
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

function LakeItem(props: LakePanelProps & { dataset: Dataset; cachedAt?: string; partial?: boolean; expanded: boolean; onToggle(): void }) {
  const d = props.dataset;
  const problems = d.problems ?? [];
  const columns = d.columns ?? [];
  const partitions = formatPartitions(d.partitions, d.partitionCount);
  return (
    <li className="sf-lake-item" data-testid="lake-item" data-name={d.name}>
      <button className="sf-lake-name" aria-expanded={props.expanded} onClick={props.onToggle} title={d.path}>
        <span className="sf-lake-chevron" aria-hidden="true">
          {props.expanded ? "▾" : "▸"}
        </span>
        {d.name}
        {problems.length > 0 && (
          <span className="sf-lake-warning" data-testid="lake-problem" title={problems.join("\n")} aria-label={problems.length === 1 ? "1 problem" : `${problems.length} problems`}>
            ⚠
          </span>
        )}
      </button>
      <div className="sf-lake-meta">
        {formatRows(d.rows)} · {formatBytes(d.bytes)} · {formatFiles(d.files)}
      </div>
      {partitions && <div className="sf-lake-meta">{partitions}</div>}
      {props.cachedAt && (
        <div className="sf-lake-meta" data-testid="lake-cached">
          {props.partial ? "some partitions cached" : "cached"} {new Date(props.cachedAt).toLocaleString()}
        </div>
      )}
      <div className="sf-lake-actions">
        <button data-testid="lake-preview" onClick={() => props.onPreview(d.name)}>
          Preview
        </button>
        <button data-testid="lake-insert" onClick={() => props.onInsert(d.name)} title="Insert the name into the editor">
          Insert
        </button>
        <button data-testid="lake-query" onClick={() => props.onQuery(d.name)}>
          Query this
        </button>
      </div>
      {props.expanded && (
        <div className="sf-lake-details">
          {problems.length > 0 && (
            <ul className="sf-lake-problems">
              {problems.map((p, i) => (
                <li key={i}>{p}</li>
              ))}
            </ul>
          )}
          <ul className="sf-lake-schema" data-testid="lake-schema">
            {columns.map((c, i) => (
              <li key={i}>
                <span className="sf-lake-column">{c.name}</span>
                <span className="sf-lake-type">{c.type}</span>
              </li>
            ))}
            {columns.length === 0 && <li className="sf-lake-empty">No columns known</li>}
          </ul>
          <div className="sf-lake-path">
            {d.format} · {d.path}
          </div>
        </div>
      )}
    </li>
  );
}
