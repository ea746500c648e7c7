// Code the first screen can do without, loaded when first needed: the grid
// (glide-data-grid), Arrow and Vega once a notebook has results or charts,
// the editor beside the first notebook's opening (docs/architecture.md,
// "Start-up").
// Each view waits in a box of the size it will take, so nothing below it
// moves when it arrives.
import { lazy, Suspense, type ComponentType } from "react";

function later<P extends object>(load: () => Promise<ComponentType<P>>, height: (p: P) => number | undefined = () => undefined) {
  const Inner = lazy(async () => ({ default: await load() })) as unknown as ComponentType<P>;
  return function Later(props: P) {
    return (
      <Suspense fallback={<div className="output-loading" data-testid="output-loading" style={{ height: height(props) }} />}>
        <Inner {...props} />
      </Suspense>
    );
  };
}

let gridCode: Promise<typeof import("../grid/ResultGrid")> | undefined;
/** The result grid's code (glide-data-grid), fetched once. */
export function loadGrid() {
  if (!gridCode) {
    gridCode = import("../grid/ResultGrid");
    void import("../grid/PreviewCells");
  }
  return gridCode;
}

export const ResultGrid = later(
  () => loadGrid().then((m) => m.ResultGrid),
  (p) => p.height ?? 420,
);
// Its frame is drawn at once; its cells come lazily (grid/PreviewGrid.tsx).
export { PreviewGrid } from "../grid/PreviewGrid";
export const ChartView = later(() => import("../chart/ChartView").then((m) => m.ChartView));
export const SavedChart = later(() => import("../chart/SavedChart").then((m) => m.SavedChart));
export const ChartEditor = later(() => import("../chart/ChartEditor").then((m) => m.ChartEditor));
export const LakePreview = later(() => import("../lake/LakePreview").then((m) => m.LakePreview));

// The cell editor (CodeMirror, its languages, completion): fetched by
// main.tsx while the first notebook opens; cells wait for it here.
let editorCode: Promise<typeof import("../editor/editor")> | undefined;
export function loadEditor() {
  editorCode ??= import("../editor/editor");
  return editorCode;
}
