// Import data: a CSV, JSON-lines or Parquet file dropped on the window or
// picked with "Add data…" becomes a lake table. DuckDB's detected columns
// and first rows are shown first; the user names the table and commits.
// The window hands over paths (its file dialog, its file drop); a browser
// uploads the file to the server first.
import { useCallback, useEffect, useRef, useState } from "react";
import { api, toApiError, type Dataset, type ImportPreview, type ImportSource } from "../api";
import { DialogFrame } from "./Dialog";
import "./shell.css";

const accept = ".csv,.tsv,.txt,.json,.jsonl,.ndjson,.parquet";

type Step =
  | { step: "reading"; file: string }
  | { step: "preview"; source: ImportSource; preview: ImportPreview }
  | { step: "importing"; source: ImportSource; preview: ImportPreview }
  | { step: "failed"; file: string; error: string };

export interface ImportDataProps {
  /** A table was committed to the lake. */
  onImported(d: Dataset): void;
}

const sizeText = (b: number) => (b < 1024 ? `${b} B` : b < 1 << 20 ? `${(b / 1024).toFixed(1)} kB` : `${(b / (1 << 20)).toFixed(1)} MB`);
const formatText: Record<string, string> = { csv: "CSV", json: "JSON lines", parquet: "Parquet" };
const cellText = (v: unknown) => (v === null ? "NULL" : typeof v === "string" ? v : JSON.stringify(v));

export function ImportData(props: ImportDataProps) {
  const [step, setStep] = useState<Step>();
  const [dragging, setDragging] = useState(false);
  const [note, setNote] = useState<string>();
  const input = useRef<HTMLInputElement>(null);
  const files = api.files;

  const preview = useCallback(async (file: string, source: () => Promise<ImportSource | null>) => {
    setNote(undefined);
    setStep({ step: "reading", file });
    try {
      const src = await source();
      if (!src) {
        setStep(undefined);
        return;
      }
      const p = await api.previewImport(src);
      setStep({ step: "preview", source: src, preview: p });
    } catch (e) {
      setStep({ step: "failed", file, error: toApiError(e).message });
    }
  }, []);

  const fromFile = useCallback(
    (list: FileList | File[]) => {
      const all = [...list];
      if (!all.length || files?.kind !== "upload") return;
      const f = all[0];
      if (all.length > 1) setNote(`Imports one file at a time: ${f.name} first.`);
      void preview(f.name, () => files.upload(f));
    },
    [files, preview],
  );

  // Drops: the window gives paths (Wails' file drop); a browser gives File
  // objects. In both the page's own handling of a drop (opening the file)
  // is canceled.
  useEffect(() => {
    const offPaths =
      files?.kind === "paths"
        ? files.onDrop((sources) => {
            const first = sources[0];
            if (first?.path) void preview(first.path.replace(/^.*[\\/]/, ""), async () => first);
          })
        : undefined;
    // The window cancels every drop: WebKitGTK may not call a dragged file
    // "Files", and would open it in place of the app.
    const hasFiles = (e: DragEvent) => files?.kind === "paths" || (!!e.dataTransfer && [...e.dataTransfer.types].includes("Files"));
    let depth = 0;
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth++;
      setDragging(true);
    };
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault(); // else the browser opens the file
      if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setDragging(false);
      if (files?.kind === "upload" && e.dataTransfer) fromFile(e.dataTransfer.files);
    };
    window.addEventListener("dragenter", enter);
    window.addEventListener("dragover", over);
    window.addEventListener("dragleave", leave);
    window.addEventListener("drop", drop);
    return () => {
      window.removeEventListener("dragenter", enter);
      window.removeEventListener("dragover", over);
      window.removeEventListener("dragleave", leave);
      window.removeEventListener("drop", drop);
      offPaths?.();
    };
  }, [files, fromFile, preview]);

  const add = () => {
    if (files?.kind === "paths") void preview("the file", () => files.choose());
    else input.current?.click();
  };

  return (
    <div className="sf-import-bar">
      <button data-testid="add-data" onClick={add} title="Import a CSV, JSON-lines or Parquet file into the lake (or drop one on the window)">
        Add data…
      </button>
      {files?.kind === "upload" && (
        <input
          ref={input}
          type="file"
          accept={accept}
          hidden
          data-testid="add-data-input"
          onChange={(e) => {
            if (e.target.files) fromFile(e.target.files);
            e.target.value = "";
          }}
        />
      )}
      {note && !step && (
        <p className="note" data-testid="import-done">
          {note}
        </p>
      )}
      {dragging && <div className="sf-drop-overlay">Drop a CSV, JSON-lines or Parquet file to import it into the lake</div>}
      {step && (
        <ImportDialog
          step={step}
          onCancel={() => setStep(undefined)}
          onImport={async (table, replace) => {
            if (step.step !== "preview") return;
            setStep({ ...step, step: "importing" });
            try {
              const d = await api.importData({ source: step.source, table, replace });
              setStep(undefined);
              setNote(`${d.name}: ${d.rows.toLocaleString()} rows in the lake.`);
              props.onImported(d);
            } catch (e) {
              // Stay on the preview: the name may be what was refused.
              setStep({ ...step, step: "preview" });
              throw e;
            }
          }}
        />
      )}
    </div>
  );
}

interface DialogProps {
  step: Step;
  onCancel(): void;
  onImport(table: string, replace: boolean): Promise<void>;
}

function ImportDialog({ step, onCancel, onImport }: DialogProps) {
  const p = step.step === "preview" || step.step === "importing" ? step.preview : undefined;
  const [table, setTable] = useState(p?.table ?? "");
  const [replace, setReplace] = useState(false);
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (p) setTable((t) => t || p.table);
  }, [p]);
  const busy = step.step === "reading" || step.step === "importing";
  const title = step.step === "reading" ? `Reading ${step.file}…` : step.step === "failed" ? `Cannot import ${step.file}` : `Import ${p!.file} into the lake`;
  return (
    <DialogFrame title={title} testId="import-dialog" busy={busy} onCancel={onCancel} wide={!!p}>
      <div data-step={step.step} data-testid="import-step">
        {step.step === "reading" && <p className="note">DuckDB is detecting the columns…</p>}
        {step.step === "failed" && (
          <>
            <p className="sf-dialog-error" role="alert" data-testid="import-error">
              {step.error}
            </p>
            <p className="sf-dialog-hint">Nothing was written to the lake.</p>
            <div className="sf-dialog-buttons">
              <button type="button" className="primary" data-testid="dialog-cancel" onClick={onCancel}>
                Close
              </button>
            </div>
          </>
        )}
        {p && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              setError(undefined);
              onImport(table.trim(), replace).catch((err: unknown) => setError(toApiError(err).message));
            }}
          >
            <p className="sf-import-meta" data-testid="import-meta">
              {formatText[p.format] ?? p.format} · {sizeText(p.bytes)} · {p.columns.length} column{p.columns.length === 1 ? "" : "s"} · first {p.rows.length} row
              {p.rows.length === 1 ? "" : "s"} as DuckDB reads them
            </p>
            <div className="sf-import-table">
              <table data-testid="import-preview">
                <thead>
                  <tr>
                    {p.columns.map((c) => (
                      <th key={c.name} data-testid="import-column" data-type={c.type}>
                        {c.name}
                        <span className="sf-type">{c.type}</span>
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {p.rows.map((r, i) => (
                    <tr key={i}>
                      {r.map((v, j) => (
                        <td key={j} title={cellText(v)}>
                          {cellText(v)}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <label>
              Table name
              <input data-testid="import-name" value={table} onChange={(e) => setTable(e.target.value)} disabled={busy} spellCheck={false} autoFocus />
            </label>
            {(p.exists || replace) && (
              <label className="sf-import-replace">
                <input type="checkbox" data-testid="import-replace" checked={replace} onChange={(e) => setReplace(e.target.checked)} disabled={busy} />
                Replace the lake table of this name
              </label>
            )}
            {error && (
              <p className="sf-dialog-error" role="alert" data-testid="dialog-error">
                {error}
              </p>
            )}
            <div className="sf-dialog-buttons">
              <button type="button" data-testid="dialog-cancel" onClick={onCancel} disabled={busy}>
                Cancel
              </button>
              <button type="submit" className="primary" data-testid="import-ok" disabled={busy}>
                {step.step === "importing" ? "Importing…" : "Import"}
              </button>
            </div>
          </form>
        )}
      </div>
    </DialogFrame>
  );
}
