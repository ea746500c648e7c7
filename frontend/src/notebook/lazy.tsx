// Code the first screen can do without, loaded when first needed: the grid
// (glide-data-grid), Arrow and Vega once a notebook has results or charts,
// the editor beside the first notebook's opening (docs/architecture.md,
// "Start-up").
// Each view waits in a box of the size it will take, so nothing below it
// moves when it arrives. A view whose code is already there (fetched ahead,
// as main.tsx does for the first notebook's grid) renders at once, in the
// same frame as the rest, not a frame after its fallback.
import { lazy, Suspense, useState, type ComponentType } from "react";

function later<P extends object>(
  load: () => Promise<ComponentType<P>>,
  height: (p: P) => number | undefined = () => undefined,
  now: () => ComponentType<P> | undefined = () => undefined,
) {
  const Inner = lazy(async () => ({ default: await load() })) as unknown as ComponentType<P>;
  return function Later(props: P) {
    // Chosen once: switching from Inner to Ready would remount the view.
    const [Ready] = useState(now);
    if (Ready) return <Ready {...props} />;
    return (
      <Suspense fallback={<div className="output-loading" data-testid="output-loading" style={{ height: height(props) }} />}>
        <Inner {...props} />
      </Suspense>
    );
  };
}

let gridCode: Promise<typeof import("../grid/ResultGrid")> | undefined;
let gridModule: typeof import("../grid/ResultGrid") | undefined;
/** The result grid's code (glide-data-grid), fetched once. */
export function loadGrid() {
  if (!gridCode) {
    gridCode = import("../grid/ResultGrid").then((m) => (gridModule = m));
    gridCode.catch(() => (gridCode = undefined)); // a failed fetch is tried again on the next need
  }
  return gridCode;
}

export const ResultGrid = later(
  () => loadGrid().then((m) => m.ResultGrid),
  (p) => p.height ?? 420,
  () => gridModule?.ResultGrid,
);
// A plain table, part of the first screen (grid/PreviewGrid.tsx).
export { PreviewGrid } from "../grid/PreviewGrid";
export const ChartView = later(() => import("../chart/ChartView").then((m) => m.ChartView));
export const SavedChart = later(() => import("../chart/SavedChart").then((m) => m.SavedChart));
export const ChartEditor = later(() => import("../chart/ChartEditor").then((m) => m.ChartEditor));
export const LakePreview = later(() => import("../lake/LakePreview").then((m) => m.LakePreview));

// The cell editor (CodeMirror, its languages, completion): fetched by
// main.tsx while the first notebook opens; cells wait for it here.
let editorCode: Promise<typeof import("../editor/editor")> | undefined;
let editorModule: typeof import("../editor/editor") | undefined;
export function loadEditor() {
  if (!editorCode) {
    editorCode = import("../editor/editor").then((m) => (editorModule = m));
    editorCode.catch(() => (editorCode = undefined)); // fetched again on the next need
  }
  return editorCode;
}
/** The editor's code, if it has come. */
export const editorNow = () => editorModule;
