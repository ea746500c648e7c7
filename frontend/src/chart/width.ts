// Charts fill their cell's width: a single-view spec that sets no width
// gets Vega-Lite's "container" width (a facet, concat or repeat keeps its
// own layout, where "container" is not allowed).
export function fillWidth<T extends object>(spec: T): T {
  const layered = "mark" in spec || "layer" in spec;
  if (!layered || "width" in spec || "facet" in spec || "repeat" in spec) return spec;
  return { ...spec, width: "container", autosize: (spec as { autosize?: unknown }).autosize ?? { type: "fit-x", contains: "padding" } };
}
