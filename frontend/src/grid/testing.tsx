// Mounting components in vitest's jsdom without a testing library: render,
// let effects and promises settle, and drive inputs the way React sees them.
import { act, type ReactElement } from "react";
import { createRoot, type Root } from "react-dom/client";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

export interface Mounted {
  el: HTMLElement;
  root: Root;
  rerender(ui: ReactElement): Promise<void>;
  unmount(): void;
}

export async function mount(ui: ReactElement): Promise<Mounted> {
  const el = document.createElement("div");
  document.body.appendChild(el);
  const root = createRoot(el);
  await act(async () => root.render(ui));
  return {
    el,
    root,
    rerender: (next) => act(async () => root.render(next)),
    unmount: () => {
      act(() => root.unmount());
      el.remove();
    },
  };
}

/** Waits until check passes (it throws until then), flushing React between tries. */
export async function until<T>(check: () => T, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return check();
    } catch (e) {
      if (Date.now() > end) throw e;
    }
    await act(() => new Promise((r) => setTimeout(r, 10)));
  }
}

export function byTestId(el: ParentNode, id: string): HTMLElement {
  const found = el.querySelector<HTMLElement>(`[data-testid="${id}"]`);
  if (!found) throw new Error(`no element with data-testid="${id}"`);
  return found;
}

export async function click(target: HTMLElement): Promise<void> {
  await act(async () => target.click());
}

// React tracks an input's value itself; setting it through the prototype's
// setter makes the change event report the new value.
export async function change(target: HTMLInputElement | HTMLSelectElement, value: string): Promise<void> {
  const proto = target instanceof HTMLSelectElement ? HTMLSelectElement.prototype : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, "value")!.set!.call(target, value);
  await act(async () => {
    target.dispatchEvent(new Event(target instanceof HTMLSelectElement ? "change" : "input", { bubbles: true }));
  });
}
