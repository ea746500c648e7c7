// A lake table's or raw dataset's rows in a pane of their own, over the
// open notebook: looking at data is not an edit, so no cell is inserted
// and the notebook stays as saved. "Query this" makes it a cell.
import type { CellOutput } from "../api";
import { ResultGrid } from "../grid/ResultGrid";
import "./preview.css";

export interface LakePreviewProps {
  name: string;
  session: string;
  output: CellOutput;
  onQuery(): void;
  onClose(): void;
}

export function LakePreview({ name, session, output, onQuery, onClose }: LakePreviewProps) {
  return (
    <section className="lake-preview" data-testid="lake-preview-pane" aria-label={`Preview of ${name}`}>
      <header>
        <h3>
          {name}
          {output.result && <span className="note"> · {output.result.rows.toLocaleString()} rows</span>}
        </h3>
        <span className="group">
          <button data-testid="lake-preview-query" title="Add a SQL cell that queries it" onClick={onQuery}>
            Query this
          </button>
          <button className="icon-button" data-testid="lake-preview-close" title="Close the preview" aria-label="Close the preview" onClick={onClose}>
            ✕
          </button>
        </span>
      </header>
      {output.result ? <ResultGrid session={session} result={output.result} height={300} /> : <p className="note">{output.text || "No rows."}</p>}
    </section>
  );
}
