// Jumping to a row of a very tall grid. Browsers cap an element's scroll
// height near 33.5 million pixels (Chrome; Firefox less), fewer than a
// 10-million-row grid needs at 34 px a row. Glide then keeps two scales: a
// scroll move of more than 2,000 px (a scroll-bar drag) lands at the same
// fraction of the grid, a smaller one (the wheel) moves pixel for pixel
// from there. Its own scrollTo moves by the distance in grid pixels, which
// in a capped grid lands at the wrong fraction; this plans a jump that
// lands where asked under both scales.

export interface ScrollState {
  rows: number;
  rowHeight: number;
  headerHeight: number;
  /** The scroller element's clientHeight, scrollHeight and scrollTop. */
  clientHeight: number;
  scrollHeight: number;
  scrollTop: number;
  /** The first row in view now. */
  firstRow: number;
}

/** Glide's threshold between its two scales, in DOM pixels. */
export const REMAP_PX = 2000;

export type JumpPlan =
  /** The grid is not capped, or the row is near: Glide's scrollTo is right. */
  | { kind: "glide" }
  /** Set scrollTop once: a far move that Glide maps by fraction. */
  | { kind: "set"; top: number }
  /** The target is too near in DOM pixels for Glide to map it by fraction: go to the far end first, then to top. */
  | { kind: "via"; first: number; top: number };

export function planJump(row: number, s: ScrollState): JumpPlan {
  const virtual = s.headerHeight + s.rows * s.rowHeight;
  if (s.scrollHeight + 5 >= virtual || Math.abs(row - s.firstRow) * s.rowHeight < REMAP_PX * 0.9) return { kind: "glide" };
  const domRange = s.scrollHeight - s.clientHeight;
  const virtualRange = virtual - s.clientHeight;
  const ratio = virtualRange / domRange;
  // Aim a little into the row (less than half of it), so rounding to whole
  // DOM pixels, each worth `ratio` grid pixels, cannot show the row before.
  const y = row === 0 ? 0 : row * s.rowHeight + Math.min(s.rowHeight / 2, Math.ceil(ratio));
  const top = Math.min(domRange, Math.max(0, Math.round(y / ratio)));
  if (Math.abs(top - s.scrollTop) > REMAP_PX || top === 0 || top === domRange) return { kind: "set", top };
  return { kind: "via", first: top > domRange / 2 ? 0 : domRange, top };
}

/** Carries out a plan on the scroller; "via" waits for Glide to see the first move. */
export function runJump(plan: JumpPlan, scroller: HTMLElement, glideScroll: () => void): void {
  if (plan.kind === "glide") {
    glideScroll();
  } else if (plan.kind === "set") {
    scroller.scrollTop = plan.top;
  } else {
    scroller.addEventListener("scroll", () => requestAnimationFrame(() => (scroller.scrollTop = plan.top)), { once: true });
    scroller.scrollTop = plan.first;
  }
}
