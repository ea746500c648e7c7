// The menu a column header opens: sort, filter and summary. Sorting and
// filtering run in DuckDB; this only says what the user asked for.
import { useEffect, useRef, useState, type FormEvent } from "react";
import type { Column, Filter } from "../api";
import { duckdbTypeClass } from "./format";

export type FilterOp = Filter["op"];

export const FILTER_OPS: { op: FilterOp; label: string }[] = [
  { op: "=", label: "=" },
  { op: "!=", label: "≠" },
  { op: "<", label: "<" },
  { op: "<=", label: "≤" },
  { op: ">", label: ">" },
  { op: ">=", label: "≥" },
  { op: "contains", label: "contains" },
  { op: "is_null", label: "is null" },
  { op: "not_null", label: "is not null" },
];

export const needsValue = (op: FilterOp) => op !== "is_null" && op !== "not_null";

/**
 * The value to send for what the user typed. Numbers go as JSON numbers when
 * that is exact; anything else (a date, a 20-digit id) goes as text, which
 * DuckDB casts to the column's type when it compares.
 */
export function filterValue(column: Column, op: FilterOp, text: string): unknown {
  if (!needsValue(op)) return undefined;
  if (op === "contains" || duckdbTypeClass(column.type) !== "number") return text;
  const t = text.trim();
  const n = Number(t);
  if (t === "" || !Number.isFinite(n)) return text;
  return Number.isInteger(n) && !Number.isSafeInteger(n) ? t : n;
}

/** How a filter reads in a header title: "[> 5]". */
export function filterLabel(f: Filter): string {
  const label = FILTER_OPS.find((o) => o.op === f.op)?.label ?? f.op;
  return needsValue(f.op) ? `[${label} ${String(f.value)}]` : `[${label}]`;
}

export interface HeaderMenuProps {
  column: Column;
  /** Where to open, in viewport pixels (the header's bottom-left corner). */
  at: { x: number; y: number };
  sort?: "asc" | "desc";
  filter?: Filter;
  onSort(dir: "asc" | "desc" | undefined): void;
  onFilter(filter: Filter | undefined): void;
  onSummary(): void;
  onClose(): void;
}

export function HeaderMenu({ column, at, sort, filter, onSort, onFilter, onSummary, onClose }: HeaderMenuProps) {
  const ref = useRef<HTMLDivElement>(null);
  const [editing, setEditing] = useState(false);
  const [op, setOp] = useState<FilterOp>(filter?.op ?? (duckdbTypeClass(column.type) === "text" ? "contains" : "="));
  const [text, setText] = useState(filter?.value === undefined ? "" : String(filter.value));

  useEffect(() => {
    const down = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) onClose();
    };
    const key = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    document.addEventListener("mousedown", down, true);
    document.addEventListener("keydown", key);
    return () => {
      document.removeEventListener("mousedown", down, true);
      document.removeEventListener("keydown", key);
    };
  }, [onClose]);

  // Keep the menu inside the window when the header is near its right edge.
  const left = Math.max(4, Math.min(at.x, window.innerWidth - 236));

  const apply = (e: FormEvent) => {
    e.preventDefault();
    onFilter({ column: column.name, op, value: filterValue(column, op, text) });
  };

  return (
    <div className="sf-menu" role="menu" ref={ref} style={{ left, top: at.y }} data-testid="header-menu">
      <div className="sf-menu-title" title={column.type}>
        {column.name} <span>{column.type}</span>
      </div>
      <button role="menuitem" data-testid="sort-asc" aria-checked={sort === "asc"} onClick={() => onSort("asc")}>
        Sort ascending
      </button>
      <button role="menuitem" data-testid="sort-desc" aria-checked={sort === "desc"} onClick={() => onSort("desc")}>
        Sort descending
      </button>
      <button role="menuitem" data-testid="sort-clear" disabled={!sort} onClick={() => onSort(undefined)}>
        Clear sort
      </button>
      <hr />
      <button role="menuitem" data-testid="filter" aria-expanded={editing} onClick={() => setEditing(!editing)}>
        Filter…
      </button>
      {editing && (
        <form className="sf-menu-filter" onSubmit={apply}>
          <select data-testid="filter-op" value={op} onChange={(e) => setOp(e.target.value as FilterOp)} aria-label="Operator">
            {FILTER_OPS.map((o) => (
              <option key={o.op} value={o.op}>
                {o.label}
              </option>
            ))}
          </select>
          {needsValue(op) && (
            <input data-testid="filter-value" autoFocus value={text} onChange={(e) => setText(e.target.value)} aria-label="Value" />
          )}
          <button type="submit" data-testid="filter-apply">
            Apply
          </button>
        </form>
      )}
      <button role="menuitem" data-testid="filter-clear" disabled={!filter} onClick={() => onFilter(undefined)}>
        Clear filter
      </button>
      <hr />
      <button role="menuitem" data-testid="summary" onClick={onSummary}>
        Summary
      </button>
    </div>
  );
}
