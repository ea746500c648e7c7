// The notebook's toolbar: one row at 1024 px and up. The everyday actions
// (run, cancel, add a cell, save, publish) are buttons; the rest (run from
// here, move, duplicate, delete, where Python runs, the palette, the
// shortcuts, the theme) are in the "⋯" menu. A narrow toolbar moves Save
// and Publish into the menu too and shortens the labels. Every action is
// also a command of the palette.
import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from "react";
import type { Runtime } from "../api";
import { openPalette } from "../shell/CommandPalette";
import { useCommands, type Command } from "../shell/commands";
import { openShortcuts } from "../shell/ShortcutSheet";
import { ThemeSwitch } from "../theme/ThemeSwitch";
import { KernelChip } from "./KernelChip";
import { RuntimePicker } from "./RuntimePicker";

export interface ToolbarActions {
  runAll(): void;
  runFromHere(): void;
  cancel(): void;
  add(kind: "sql" | "python" | "markdown"): void;
  move(by: -1 | 1): void;
  duplicate(): void;
  remove(): void;
  save(): void;
  publish?: () => void; // absent once published (the published line has Republish)
}

export interface ToolbarProps {
  title: ReactNode;
  session: string;
  runtime?: Runtime;
  running: boolean;
  dirty: boolean;
  readOnly: boolean;
  actions: ToolbarActions;
  /** Where the notebook's SQL cells run, when the company has clusters (notebook/clusters.tsx). */
  engine?: ReactNode;
  onError(msg: string): void;
  onNotice(msg: string): void;
}

/**
 * Below this width (the full row of buttons and a readable title) the
 * toolbar is compact: labels shortened, Save and Publish in the menu.
 */
const compactBelow = 800;

/** How much the row holds: all of it, compact, or compact with the SQL engine picker in the menu too. */
type Fit = 0 | 1 | 2;

export function Toolbar(props: ToolbarProps) {
  const { actions: a, running, dirty, readOnly } = props;
  const [menu, setMenu] = useState(false);
  const [fit, setFit] = useState<Fit>(0);
  const compact = fit > 0;
  const row = useRef<HTMLDivElement>(null);
  const more = useRef<HTMLDivElement>(null);
  // Measured before the first paint, so the toolbar never shows the other
  // row first and then changes under the user's eyes; again when the bar's
  // width or its controls change. A row that does not fit gives way to the
  // next; a row comes back once the bar is as wide as it needed.
  const fitNow = useRef<Fit>(0);
  const needs = useRef([compactBelow, 0]); // the width the full and the compact row last needed
  useLayoutEffect(() => {
    const el = row.current;
    if (!el) return;
    const measure = () => {
      const width = el.clientWidth;
      const now = fitNow.current;
      let next: number = now;
      if (now < 2 && el.scrollWidth > width + 1) {
        needs.current[now] = Math.max(now === 0 ? compactBelow : 0, el.scrollWidth);
        next = now + 1;
      } else if (now === 0 && width < compactBelow) {
        next = 1;
      } else {
        while (next > 0 && width >= needs.current[next - 1]) next--;
      }
      fitNow.current = next as Fit;
      setFit(next as Fit);
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    const mo = new MutationObserver(measure);
    mo.observe(el, { childList: true, subtree: true, characterData: true, attributes: true });
    return () => {
      ro.disconnect();
      mo.disconnect();
    };
  }, []);
  useEffect(() => {
    if (!menu) return;
    const close = (e: MouseEvent | KeyboardEvent) => {
      if (e instanceof KeyboardEvent ? e.key === "Escape" : !more.current?.contains(e.target as Node)) setMenu(false);
    };
    window.addEventListener("mousedown", close);
    window.addEventListener("keydown", close);
    return () => {
      window.removeEventListener("mousedown", close);
      window.removeEventListener("keydown", close);
    };
  }, [menu]);

  const commands: Command[] = readOnly
    ? []
    : [
        { id: "run-all", group: "Notebook", title: "Run all cells", keys: "Ctrl+Shift+Enter", enabled: !running, run: a.runAll },
        { id: "run-from-here", group: "Notebook", title: "Run the selected cell and those below", enabled: !running, run: a.runFromHere },
        { id: "cancel", group: "Notebook", title: "Cancel the run", enabled: running, run: a.cancel },
        { id: "add-sql", group: "Cell", title: "Add a SQL cell below", keys: "B", run: () => a.add("sql") },
        { id: "add-python", group: "Cell", title: "Add a Python cell below", run: () => a.add("python") },
        { id: "add-markdown", group: "Cell", title: "Add a text (Markdown) cell below", run: () => a.add("markdown") },
        { id: "move-up", group: "Cell", title: "Move the cell up", run: () => a.move(-1) },
        { id: "move-down", group: "Cell", title: "Move the cell down", run: () => a.move(1) },
        { id: "duplicate", group: "Cell", title: "Duplicate the cell", run: a.duplicate },
        { id: "delete-cell", group: "Cell", title: "Delete the cell", keys: "D D", run: a.remove },
        { id: "save", group: "Notebook", title: "Save", keys: "Ctrl+S", enabled: dirty, run: a.save },
        ...(a.publish ? [{ id: "publish", group: "Notebook", title: "Publish to a schedule…", enabled: !running, run: a.publish }] : []),
        {
          id: "restart-kernel",
          group: "Kernel",
          title: "Restart the Python kernel",
          run: () => document.querySelector<HTMLButtonElement>("[data-testid=restart-kernel]")?.click(),
        },
        { id: "shortcuts", group: "Help", title: "Keyboard shortcuts", keys: "H", run: openShortcuts },
      ];
  useCommands("toolbar", commands);
  if (readOnly) {
    return (
      <div className="toolbar-row" ref={row} data-testid="toolbar">
        <div className="toolbar-title">{props.title}</div>
      </div>
    );
  }

  const item = (id: string, label: string, run: () => void, opts: { disabled?: boolean; title?: string } = {}) => (
    <button
      role="menuitem"
      data-testid={id}
      title={opts.title}
      disabled={opts.disabled}
      onClick={() => {
        setMenu(false);
        run();
      }}
    >
      {label}
    </button>
  );
  return (
    <div className={`toolbar-row${compact ? " compact" : ""}`} ref={row} data-testid="toolbar" data-compact={compact}>
      <div className="toolbar-title">{props.title}</div>
      {!readOnly && fit < 2 && props.engine}
      <div className="toolbar-actions">
        <span className="group">
          <button data-testid="run-all" title="Run all (Ctrl+Shift+Enter)" onClick={a.runAll} disabled={running}>
            {compact ? "▶▶" : "▶▶ Run all"}
          </button>
          <button className="icon-button" data-testid="cancel" title="Cancel the run" aria-label="Cancel the run" onClick={a.cancel} disabled={!running}>
            ■
          </button>
        </span>
        <span className="group">
          <button data-testid="add-cell" title="Add a SQL cell below (B)" onClick={() => a.add("sql")}>
            + SQL
          </button>
          <button data-testid="add-python" title="Add a Python cell below" onClick={() => a.add("python")}>
            {compact ? "+ Py" : "+ Python"}
          </button>
          <button data-testid="add-markdown" title="Add a text (markdown) cell below" onClick={() => a.add("markdown")}>
            {compact ? "+ Md" : "+ Text"}
          </button>
        </span>
        {!compact && (
          <button data-testid="save" title="Save (Ctrl+S)" onClick={a.save} disabled={!dirty}>
            Save
          </button>
        )}
        {!compact && a.publish && (
          <button className="publish" data-testid="publish" title="Put this notebook on a schedule on the company's Airflow" onClick={a.publish} disabled={running}>
            Publish…
          </button>
        )}
        <KernelChip session={props.session} onError={props.onError} onNotice={props.onNotice} compact={compact} />
        <div className="toolbar-more" ref={more}>
          <button className="icon-button" data-testid="toolbar-more" title="More actions" aria-label="More actions" aria-haspopup="menu" aria-expanded={menu} onClick={() => setMenu(!menu)}>
            ⋯
          </button>
          {menu && (
            <div className="toolbar-menu" role="menu" data-testid="toolbar-menu">
              {item("run-from-here", "▶ Run from here", a.runFromHere, { disabled: running, title: "Run the selected cell and the ones below it" })}
              <hr />
              {item("move-up", "↑ Move cell up", () => a.move(-1))}
              {item("move-down", "↓ Move cell down", () => a.move(1))}
              {item("duplicate", "⧉ Duplicate cell", a.duplicate)}
              {item("delete-cell", "✕ Delete cell (DD)", a.remove)}
              {compact && <hr />}
              {compact && item("save", "Save (Ctrl+S)", a.save, { disabled: !dirty })}
              {compact && a.publish && item("publish", "Publish…", a.publish, { disabled: running })}
              <hr />
              {!readOnly && fit === 2 && props.engine && <div className="toolbar-menu-row">{props.engine}</div>}
              <div className="toolbar-menu-row">
                <RuntimePicker runtime={props.runtime} disabled={running} onError={props.onError} />
              </div>
              <div className="toolbar-menu-row">
                <ThemeSwitch />
              </div>
              <hr />
              {item("open-palette", "Command palette… (Ctrl+Shift+P)", openPalette)}
              {item("open-shortcuts", "Keyboard shortcuts (H)", openShortcuts)}
            </div>
          )}
        </div>
      </div>
    </div>
  );
}
