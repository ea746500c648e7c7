// The actions the command palette lists. Each part of the UI registers its
// own while it is shown (the notebook's toolbar, the shell), so the palette
// offers exactly what the screen offers, and runs the same functions.
import { useEffect, useRef } from "react";

export interface Command {
  id: string;
  title: string;
  /** What it belongs to, shown beside the title: "Notebook", "Cell", "View". */
  group: string;
  /** The key that does the same, for the palette and the shortcut sheet. */
  keys?: string;
  /** False greys it out in the palette (running, read-only...). */
  enabled?: boolean;
  run(): void;
}

const sources = new Map<string, () => Command[]>();

/** Every registered command, in registration order. */
export function allCommands(): Command[] {
  return [...sources.values()].flatMap((f) => f());
}

/** Registers a component's commands while it is mounted; the latest list is always the one read. */
export function useCommands(source: string, commands: Command[]) {
  const latest = useRef(commands);
  latest.current = commands;
  useEffect(() => {
    sources.set(source, () => latest.current);
    return () => {
      sources.delete(source);
    };
  }, [source]);
}

/** Whether a key event is meant for the page, not for a text field or editor. */
export function typingIn(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el?.closest?.("input, textarea, select, [contenteditable=true], .cm-editor");
}
