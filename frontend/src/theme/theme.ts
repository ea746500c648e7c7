// The colour theme: the user's choice (System, Light or Dark), remembered
// in localStorage; System follows the OS (prefers-color-scheme). The choice
// is applied as <html data-theme="light|dark">, which style.css's
// variables key on.
import { useSyncExternalStore } from "react";

export type ThemeChoice = "system" | "light" | "dark";
export type Theme = "light" | "dark";

const key = "smallfry.theme";
const listeners = new Set<() => void>();
const media = typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : undefined;

export function themeChoice(): ThemeChoice {
  try {
    const v = localStorage.getItem(key);
    return v === "light" || v === "dark" ? v : "system";
  } catch {
    return "system";
  }
}

/** The theme shown for a choice, given whether the OS prefers dark. */
export function resolveTheme(choice: ThemeChoice, osDark: boolean): Theme {
  return choice === "system" ? (osDark ? "dark" : "light") : choice;
}

export function currentTheme(): Theme {
  return resolveTheme(themeChoice(), !!media?.matches);
}

function apply() {
  if (typeof document !== "undefined") {
    document.documentElement.dataset.theme = currentTheme();
    document.documentElement.dataset.themeChoice = themeChoice();
  }
  listeners.forEach((l) => l());
}

export function setThemeChoice(choice: ThemeChoice) {
  try {
    if (choice === "system") localStorage.removeItem(key);
    else localStorage.setItem(key, choice);
  } catch {
    // a browser without storage still switches, for this page
  }
  apply();
}

media?.addEventListener("change", apply);
apply();

function subscribe(l: () => void) {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** The theme shown now; re-renders when the choice or the OS setting changes. */
export function useTheme(): Theme {
  return useSyncExternalStore(subscribe, currentTheme, () => "light");
}

/** The user's choice; re-renders when it changes. */
export function useThemeChoice(): ThemeChoice {
  return useSyncExternalStore(subscribe, themeChoice, () => "system");
}
