// A cell's type, shown in its header and changed from there, as
// JupyterLab's cell-type menu does; the keys (S, Y, M, P, R in command
// mode) do the same.
import type { CellData } from "../api";
import { cellType, type CellType } from "./doc";

const LABELS: Record<CellType, string> = { sql: "SQL", python: "Python", markdown: "Markdown", parameters: "Parameters", raw: "Raw", code: "Code" };
const KEYS: Partial<Record<CellType, string>> = { sql: "S", python: "Y", markdown: "M", parameters: "P", raw: "R" };
const OFFERED: CellType[] = ["sql", "python", "markdown", "parameters", "raw"];

export interface CellTypeMenuProps {
  cell: CellData;
  readOnly: boolean;
  onType(id: string, to: CellType): void;
}

export function CellTypeMenu({ cell, readOnly, onType }: CellTypeMenuProps) {
  const now = cellType(cell);
  // Another kernel's code cell keeps its type in the list, to be seen.
  const types = OFFERED.includes(now) ? OFFERED : [now, ...OFFERED];
  return (
    <select
      className="cell-type"
      data-testid="cell-type"
      aria-label="Cell type"
      title="Cell type (command mode: S SQL, Y Python, M Markdown, P Parameters, R Raw)"
      value={now}
      disabled={readOnly}
      onChange={(e) => onType(cell.id, e.target.value as CellType)}
      // The menu takes its own keys; the notebook's command keys must not fire.
      onKeyDown={(e) => e.stopPropagation()}
    >
      {types.map((t) => (
        <option key={t} value={t}>
          {LABELS[t]}
          {KEYS[t] ? ` (${KEYS[t]})` : ""}
        </option>
      ))}
    </select>
  );
}
