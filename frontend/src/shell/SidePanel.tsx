// The right-hand panel: the notebook's runs, or its session's variables.
// It collapses to a strip, and remembers that and its tab (localStorage);
// without a remembered choice it starts collapsed on narrow windows.
import { useState, type ReactNode } from "react";
import type { SessionCall } from "../notebook/reopen";
import { useCommands } from "./commands";
import { VariablesPanel } from "./VariablesPanel";

type Tab = "runs" | "variables";
const key = "smallfry.sidePanel";

interface Remembered {
  open: boolean;
  tab: Tab;
}

function remembered(): Remembered {
  try {
    const v = JSON.parse(localStorage.getItem(key) ?? "null") as Partial<Remembered> | null;
    if (v && typeof v.open === "boolean") return { open: v.open, tab: v.tab === "variables" ? "variables" : "runs" };
  } catch {
    // unreadable: the default
  }
  return { open: typeof window === "undefined" || window.innerWidth >= 1200, tab: "runs" };
}

export function SidePanel(props: { runs: ReactNode; footer?: ReactNode; session?: string; call: SessionCall; refreshKey: number }) {
  const [state, setState] = useState(remembered);
  const change = (next: Partial<Remembered>) => {
    const v = { ...state, ...next };
    setState(v);
    try {
      localStorage.setItem(key, JSON.stringify(v));
    } catch {
      // a browser without storage still toggles, for this page
    }
  };
  useCommands("side-panel", [
    { id: "toggle-side-panel", group: "View", title: state.open ? "Hide the side panel" : "Show the side panel", run: () => change({ open: !state.open }) },
    { id: "show-runs", group: "View", title: "Show the runs", run: () => change({ open: true, tab: "runs" }) },
    { id: "show-variables", group: "View", title: "Show the variables", run: () => change({ open: true, tab: "variables" }) },
  ]);
  if (!state.open) {
    return (
      <aside className="history collapsed" data-testid="side-panel" data-open="false">
        <button className="sf-strip" data-testid="toggle-history" title="Show the runs" onClick={() => change({ open: true, tab: "runs" })}>
          Runs
        </button>
        <button className="sf-strip" data-testid="show-variables" title="Show the variables" onClick={() => change({ open: true, tab: "variables" })}>
          Variables
        </button>
        {props.footer}
      </aside>
    );
  }
  return (
    <aside className="history" data-testid="side-panel" data-open="true" data-tab={state.tab}>
      <div className="sf-side-tabs">
        <nav className="tabs">
          <button className={state.tab === "runs" ? "active" : ""} data-testid="side-tab-runs" onClick={() => change({ tab: "runs" })}>
            Runs
          </button>
          <button className={state.tab === "variables" ? "active" : ""} data-testid="side-tab-variables" onClick={() => change({ tab: "variables" })}>
            Variables
          </button>
        </nav>
        <button className="link" data-testid="toggle-history" title="Hide this panel" aria-label="Hide this panel" onClick={() => change({ open: false })}>
          »
        </button>
      </div>
      {state.tab === "runs" ? props.runs : <VariablesPanel session={props.session} call={props.call} refreshKey={props.refreshKey} />}
      {props.footer}
    </aside>
  );
}
