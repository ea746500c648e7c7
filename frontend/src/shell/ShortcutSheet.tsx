// The keyboard shortcuts, as Jupyter's H shows them: H in command mode (a
// cell selected, no editor focused), or from the palette and the ⋯ menu.
import { useEffect, useState } from "react";
import { SHORTCUTS } from "../notebook/doc";
import { typingIn } from "./commands";

export const shortcuts: { group: string; keys: [string, string][] }[] = [
  {
    group: "Anywhere",
    keys: [
      ["Ctrl/Cmd+Shift+P", "Command palette"],
      ["Ctrl/Cmd+S", "Save"],
      ["Ctrl/Cmd+Shift+Enter", "Run all"],
    ],
  },
  {
    group: "Editing a cell",
    keys: [
      ["Shift+Enter", "Run the cell, select the next"],
      ["Ctrl/Cmd+Enter", "Run the cell"],
      ["Esc", "Command mode"],
    ],
  },
  {
    group: "Command mode",
    // The notebook's own list (notebook/doc.ts), which its key handler follows.
    keys: [...SHORTCUTS.map((k): [string, string] => [k.key, k.does.charAt(0).toUpperCase() + k.does.slice(1)]), ["H", "This sheet"]],
  },
];

/** Whether the notebook on screen is in command mode (NotebookView marks it). */
function commandMode() {
  return document.querySelector("[data-testid=notebook]")?.getAttribute("data-mode") === "command";
}

export const openShortcuts = () => window.dispatchEvent(new Event("smallfry:shortcuts"));

export function ShortcutSheet() {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && open) {
        setOpen(false);
        return;
      }
      if ((e.key !== "h" && e.key !== "H") || e.ctrlKey || e.metaKey || e.altKey) return;
      const target = e.target as HTMLElement | null;
      if (target?.closest?.("[role=dialog], [data-testid=result-grid]")) return;
      // After Escape the editor may keep the focus, but the notebook is in command mode: H is not typed.
      const inEditor = !!target?.closest?.(".cm-editor");
      if (!open && (!commandMode() || (typingIn(target) && !inEditor))) return;
      e.preventDefault();
      setOpen((o) => !o);
    };
    const onOpen = () => setOpen(true);
    window.addEventListener("keydown", onKey);
    window.addEventListener("smallfry:shortcuts", onOpen);
    return () => {
      window.removeEventListener("keydown", onKey);
      window.removeEventListener("smallfry:shortcuts", onOpen);
    };
  }, [open]);
  if (!open) return null;
  return (
    <div className="sf-overlay" onMouseDown={() => setOpen(false)}>
      <div className="sf-shortcuts" role="dialog" aria-label="Keyboard shortcuts" data-testid="shortcut-sheet" onMouseDown={(e) => e.stopPropagation()}>
        <header>
          <h3>Keyboard shortcuts</h3>
          <button className="link" data-testid="shortcuts-close" onClick={() => setOpen(false)}>
            Close
          </button>
        </header>
        <div className="sf-shortcut-groups">
          {shortcuts.map((g) => (
            <section key={g.group}>
              <h4>{g.group}</h4>
              <table>
                <tbody>
                  {g.keys.map(([k, what]) => (
                    <tr key={k + what}>
                      <td>
                        <kbd>{k}</kbd>
                      </td>
                      <td>{what}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          ))}
        </div>
      </div>
    </div>
  );
}
