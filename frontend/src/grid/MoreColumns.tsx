// A grid wider than its cell says so at its right edge ("more columns →",
// over a fade), so clipped columns are never a mystery; the grid's own
// scrollbar is at its bottom, often out of view. Clicking scrolls right.
import { useEffect, useState, type RefObject } from "react";

export function MoreColumns({ box, deps }: { box: RefObject<HTMLDivElement | null>; deps?: unknown }) {
  const [more, setMore] = useState(false);
  useEffect(() => {
    const scroller = box.current?.querySelector<HTMLElement>(".dvn-scroller");
    if (!scroller) return;
    const check = () => setMore(scroller.scrollLeft + scroller.clientWidth < scroller.scrollWidth - 2);
    check();
    scroller.addEventListener("scroll", check, { passive: true });
    const ro = new ResizeObserver(check);
    ro.observe(scroller);
    const inner = scroller.firstElementChild;
    if (inner) ro.observe(inner);
    return () => {
      scroller.removeEventListener("scroll", check);
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
