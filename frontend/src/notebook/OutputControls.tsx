// A cell's output controls in its header: collapse or show the output
// (O in command mode) and clear it (in the session, and for the next time
// the notebook opens).
export interface OutputControlsProps {
  id: string;
  collapsed: boolean;
  /** Clearing waits while the cell runs. */
  busy: boolean;
  onToggle(id: string): void;
  onClear(id: string): void;
}

export function OutputControls({ id, collapsed, busy, onToggle, onClear }: OutputControlsProps) {
  return (
    <span className="output-controls">
      <button className="link" data-testid="toggle-output" title="Collapse or show the output (O)" aria-expanded={!collapsed} onClick={() => onToggle(id)}>
        {collapsed ? "Show output" : "Collapse"}
      </button>
      <button className="link" data-testid="clear-output" title="Clear the output" disabled={busy} onClick={() => onClear(id)}>
        Clear
      </button>
    </span>
  );
}
