// Ctrl/Cmd+Shift+P: every action of the screen, filtered as one types
// (fuzzy, as in VS Code and JupyterLab), run with Enter.
import fuzzysort from "fuzzysort";
import { useEffect, useMemo, useRef, useState } from "react";
import { allCommands, type Command } from "./commands";

export function isPaletteKey(e: KeyboardEvent) {
  return (e.ctrlKey || e.metaKey) && e.shiftKey && !e.altKey && e.key.toLowerCase() === "p";
}

/** The commands matching a query, best first; all of them for an empty query. */
export function filterCommands(commands: Command[], query: string): Command[] {
  if (!query.trim()) return commands;
  return fuzzysort.go(query, commands, { keys: ["title", "group"], threshold: 0.2 }).map((r) => r.obj);
}

export function CommandPalette() {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!isPaletteKey(e)) return;
      e.preventDefault();
      e.stopPropagation();
      setOpen((o) => !o);
    };
    // Capture: the editor must not take the key first.
    window.addEventListener("keydown", onKey, true);
    const onOpen = () => setOpen(true);
    window.addEventListener("smallfry:palette", onOpen);
    return () => {
      window.removeEventListener("keydown", onKey, true);
      window.removeEventListener("smallfry:palette", onOpen);
    };
  }, []);
  return open ? <Palette onClose={() => setOpen(false)} /> : null;
}

/** Opens the palette (from a menu). */
export const openPalette = () => window.dispatchEvent(new Event("smallfry:palette"));

function Palette({ onClose }: { onClose(): void }) {
  const [query, setQuery] = useState("");
  const [at, setAt] = useState(0);
  const commands = useMemo(() => allCommands(), []);
  const shown = useMemo(() => filterCommands(commands, query), [commands, query]);
  const list = useRef<HTMLUListElement>(null);
  useEffect(() => setAt(0), [query]);
  useEffect(() => {
    list.current?.querySelector(".active")?.scrollIntoView({ block: "nearest" });
  }, [at]);
  const run = (c: Command | undefined) => {
    if (!c || c.enabled === false) return;
    onClose();
    // After the palette is gone, so focus and keys go where the action puts them.
    setTimeout(() => c.run(), 0);
  };
  return (
    <div className="sf-overlay" onMouseDown={onClose}>
      <div className="sf-palette" role="dialog" aria-label="Command palette" data-testid="command-palette" onMouseDown={(e) => e.stopPropagation()}>
        <input
          autoFocus
          data-testid="palette-input"
          placeholder="Type a command…"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape") onClose();
            else if (e.key === "ArrowDown") setAt((i) => Math.min(i + 1, shown.length - 1));
            else if (e.key === "ArrowUp") setAt((i) => Math.max(i - 1, 0));
            else if (e.key === "Enter") run(shown[at]);
            else return;
            e.preventDefault();
            e.stopPropagation();
          }}
        />
        <ul ref={list}>
          {shown.map((c, i) => (
            <li
              key={c.id}
              data-testid="palette-item"
              data-command={c.id}
              className={`${i === at ? "active" : ""}${c.enabled === false ? " disabled" : ""}`}
              aria-disabled={c.enabled === false}
              onMouseEnter={() => setAt(i)}
              onClick={() => run(c)}
            >
              <span className="sf-palette-group">{c.group}</span>
              <span className="sf-palette-title">{c.title}</span>
              {c.keys && <kbd>{c.keys}</kbd>}
            </li>
          ))}
          {shown.length === 0 && <li className="sf-palette-none">No command matches “{query}”.</li>}
        </ul>
      </div>
    </div>
  );
}
