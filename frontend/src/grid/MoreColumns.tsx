// A grid wider than its cell says so at its right edge ("more columns →",
// over a fade), so clipped columns are never a mystery; the grid's own
// scrollbar is at its bottom, often out of view. Clicking scrolls right.
import { useEffect, useState, type RefObject } from "react";

export function MoreColumns({ box, deps }: { box: RefObject<HTMLDivElement | null>; deps?: unknown }) {
  const [more, setMore] = useState(false);
  useEffect(() => {
    let scroller: HTMLElement | null | undefined;
    let frame = 0;
    const ro = new ResizeObserver(() => check());
    const check = () => {
      if (scroller) setMore(scroller.scrollLeft + scroller.clientWidth < scroller.scrollWidth - 2);
    };
    // Glide makes its scroll area once it has measured its box: wait for it.
    const attach = () => {
      scroller = box.current?.querySelector<HTMLElement>(".dvn-scroller");
      if (!scroller) {
        frame = requestAnimationFrame(attach);
        return;
      }
      scroller.addEventListener("scroll", check, { passive: true });
      ro.observe(scroller);
      for (const el of scroller.querySelectorAll(".dvn-scroll-inner, .dvn-scroll-inner > *")) ro.observe(el);
      check();
      frame = requestAnimationFrame(check); // and once more after it has drawn
    };
    attach();
    return () => {
      cancelAnimationFrame(frame);
      scroller?.removeEventListener("scroll", check);
      ro.disconnect();
    };
  }, [box, deps]);
  if (!more) return null;
  return (
    <button
      type="button"
      className="sf-more-columns"
      data-testid="grid-more-columns"
      title="More columns to the right (Shift+wheel or this button scrolls)"
      onClick={() => {
        const s = box.current?.querySelector<HTMLElement>(".dvn-scroller");
        s?.scrollBy({ left: s.clientWidth * 0.8, behavior: "instant" as ScrollBehavior });
      }}
    >
      more columns →
    </button>
  );
}
