// The chart a run drew, as its output notebook keeps it: a Vega-Lite spec
// with its rows inline. Shown when the cell's result is not in the session
// (the notebook was reopened), until the cell runs again.
import { useEffect, useRef, useState } from "react";
import { readsURL } from "./ChartView";
import "./chart.css";
import { embedStyle } from "./embed";

export function SavedChart({ spec }: { spec: unknown }) {
  const host = useRef<HTMLDivElement>(null);
  const [rendered, setRendered] = useState(false);
  const [error, setError] = useState<string>();
  const bad = typeof spec !== "object" || spec === null || readsURL(spec);
  useEffect(() => {
    const el = host.current;
    if (!el || bad) return;
    let finalize: (() => void) | undefined;
    let live = true;
    setRendered(false);
    Promise.all([import("vega-embed"), import("vega")])
      .then(async ([{ default: embed }, vega]) => {
        if (!live) return;
        // As ChartView: a saved spec must not reach the network.
        const loader = vega.loader();
        const refuse = () => Promise.reject(new Error("charts only read the notebook's results, not URLs or files"));
        loader.http = refuse;
        loader.file = refuse;
        const res = await embed(el, { width: "container", ...(spec as object) } as never, { ...embedStyle(false), renderer: "canvas", loader, logLevel: vega.Warn, ast: true });
        finalize = () => res.finalize();
        if (!live) finalize();
        else setRendered(true);
      })
      .catch((e: Error) => live && setError(`Could not draw the saved chart: ${e.message}`));
    return () => {
      live = false;
      finalize?.();
      el.replaceChildren();
    };
  }, [spec, bad]);
  if (bad) return <p className="note">This saved chart reads data from a URL; run the cell to draw it.</p>;
  return (
    <div className="sf-chart" data-testid="saved-chart" data-rendered={rendered}>
      {error && <p className="sf-chart-problem">{error}</p>}
      <div ref={host} className="sf-chart-canvas" />
      <p className="sf-chart-note">The chart of the last run; run the cell to draw it over its result.</p>
    </div>
  );
}
