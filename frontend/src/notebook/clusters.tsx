// Cluster cells: which engine runs a SQL cell (this laptop's DuckDB or a
// company Spark cluster), per cell and for the whole notebook; the offer to
// run a cell on a cluster instead of downloading gigabytes; what a cluster
// reported (progress, operation, bytes returned).
import { useEffect, useState } from "react";
import { api, type ApiError, type CellData, type CellOutput, type ClusterInfo, type OffloadOffer as Offer, type Runtime } from "../api";
import { formatBytes } from "../lake/format";
import { useSessionCall } from "./reopen";

/** The company's clusters, once asked; none when the settings name none. */
export function useClusters(): ClusterInfo[] {
  const [list, setList] = useState<ClusterInfo[]>([]);
  useEffect(() => {
    let live = true;
    api.clusters().then(
      (l) => live && setList(l),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  return list;
}

/** The engine a cell runs on: its own, else the notebook's, else this laptop. */
export function engineOf(cell: CellData, notebookEngine: string | undefined): string {
  return cell.engine || notebookEngine || "duckdb";
}

/** A cell's engine chip: a small menu on the cell's header. */
export function EngineMenu(props: {
  cell: CellData;
  clusters: ClusterInfo[];
  notebookEngine?: string;
  readOnly: boolean;
  onEngine(id: string, engine: string): void;
}) {
  const { cell, clusters } = props;
  const current = engineOf(cell, props.notebookEngine);
  const known = current === "duckdb" || clusters.some((c) => c.name === current);
  if (clusters.length === 0 && current === "duckdb") return null;
  return (
    <select
      className={`engine-chip${current === "duckdb" ? "" : " cluster"}`}
      data-testid="cell-engine"
      data-engine={current}
      title={current === "duckdb" ? "Runs on this laptop (DuckDB SQL)" : `Runs on cluster ${current} (Spark SQL)`}
      value={cell.engine ?? ""}
      disabled={props.readOnly}
      onChange={(e) => props.onEngine(cell.id, e.target.value)}
    >
      <option value="">{props.notebookEngine ? `notebook's: ${props.notebookEngine}` : "notebook's: this laptop"}</option>
      <option value="duckdb">this laptop (DuckDB)</option>
      {clusters.map((c) => (
        <option key={c.name} value={c.name}>
          cluster {c.name} (Spark)
        </option>
      ))}
      {!known && <option value={current}>{current} (not set up here)</option>}
    </select>
  );
}

/** The notebook's default engine for SQL cells, saved in the notebook. */
export function NotebookEngine(props: { runtime?: Runtime; clusters: ClusterInfo[]; disabled: boolean; onRuntime(rt: Runtime): void; onError(msg: string): void }) {
  const [busy, setBusy] = useState(false);
  const call = useSessionCall();
  const engine = props.runtime?.engine ?? "";
  if (props.clusters.length === 0 && !engine) return null;
  const apply = async (engine: string) => {
    setBusy(true);
    try {
      props.onRuntime(await call((s) => api.setEngine(s, engine)));
    } catch (e) {
      props.onError((e as ApiError).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <label className="runtime" title="Where SQL cells run unless a cell says otherwise">
      SQL:{" "}
      <select data-testid="notebook-engine" value={engine} disabled={props.disabled || busy} onChange={(e) => void apply(e.target.value)}>
        <option value="">this laptop</option>
        {props.clusters.map((c) => (
          <option key={c.name} value={c.name}>
            cluster {c.name}
          </option>
        ))}
        {/* A cluster the notebook names that these settings lack, shown as it is (not as this laptop). */}
        {engine && !props.clusters.some((c) => c.name === engine) && <option value={engine}>{engine} (not set up here)</option>}
      </select>
    </label>
  );
}

/** The offer a local cell gets when it would download too much of the S3 lake. */
/**
 * A local cell refused for what it would download: the refusal's message
 * (the tables, the threshold and its setting), said once, and its choices.
 */
export function OffloadOffer(props: { offer: Offer; message: string; readOnly: boolean; onCluster(name: string): void; onDownload(): void }) {
  const { offer } = props;
  return (
    <div className="offload" data-testid="offload-offer" data-to-download={offer.toDownload} data-threshold={offer.threshold}>
      <p data-testid="offload-message">{props.message}</p>
      {!props.readOnly && (
        <p>
          {offer.clusters.map((name) => (
            <button key={name} className="primary" data-testid="offload-run-on-cluster" data-cluster={name} onClick={() => props.onCluster(name)}>
              Run on cluster {name}
            </button>
          ))}{" "}
          <button data-testid="offload-download" onClick={props.onDownload}>
            Download anyway
          </button>
        </p>
      )}
    </div>
  );
}

/**
 * What a finished cell tells of its engine: the S3 estimate, the cluster's
 * operation and bytes. A cell refused for its download read nothing (its
 * offer says what it would).
 */
export function EngineNotes({ output }: { output: CellOutput }) {
  const est = output.error?.offload ? undefined : output.estimate;
  return (
    <>
      {est && (
        <p className="note" data-testid="cell-estimate" data-bytes={est.bytes} data-to-download={est.toDownload}>
          Reads {formatBytes(est.bytes)} of the S3 lake{est.toDownload > 0 ? `, ${formatBytes(est.toDownload)} of it downloaded` : ", all cached here"}.
        </p>
      )}
      {output.engine && output.engine !== "duckdb" && (
        <p className="note" data-testid="cell-engine-note" data-operation={output.operation}>
          Ran on cluster {output.engine} · {formatBytes(output.bytesReturned ?? 0)} returned · operation {output.operation}
        </p>
      )}
    </>
  );
}

/**
 * What a local SQL cell that names the S3 lake would read, asked again a
 * moment after each edit; undefined while unknown or for other cells.
 */
export function useEstimate(session: string, cell: CellData, local: boolean): { bytes: number; toDownload: number } | undefined {
  const [est, setEst] = useState<{ bytes: number; toDownload: number }>();
  const wanted = local && cell.kind === "sql" && !!session && /\bs3\s*\./i.test(cell.source);
  useEffect(() => {
    if (!wanted) {
      setEst(undefined);
      return;
    }
    let live = true;
    const t = setTimeout(() => {
      api.estimate(session, cell.source).then(
        (e) => live && setEst(e.scans.length > 0 ? { bytes: e.bytes, toDownload: e.toDownload } : undefined),
        () => live && setEst(undefined),
      );
    }, 500);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [session, cell.source, wanted]);
  return est;
}

/** The estimate on the cell's header, before it runs. */
export function EstimateChip(props: { session: string; cell: CellData; notebookEngine?: string }) {
  const est = useEstimate(props.session, props.cell, engineOf(props.cell, props.notebookEngine) === "duckdb");
  if (!est) return null;
  return (
    <span className="note" data-testid="cell-estimate-before" data-bytes={est.bytes} data-to-download={est.toDownload} title="What this cell would read of the S3 lake, before it runs">
      reads {formatBytes(est.bytes)} of S3{est.toDownload > 0 ? ` · ${formatBytes(est.toDownload)} to download` : " · cached"}
    </span>
  );
}
