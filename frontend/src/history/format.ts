// How the run history words times, durations and parameters.
import type { RunRecord } from "../api";

/**
 * Milliseconds since the epoch, or NaN. Go writes nanoseconds; fractions
 * are cut to milliseconds first, since not every engine (WebKit in the
 * desktop window) promises to read more digits.
 */
export function parseTime(iso: string): number {
  return Date.parse(iso.replace(/(\.\d{3})\d+/, "$1"));
}

const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const two = (n: number) => String(n).padStart(2, "0");

/**
 * Local time as "22 Nov 14:03:12"; the year is added when it is not the
 * current one. Spelled out by hand so it reads the same in every locale.
 */
export function formatStart(iso: string, now: Date = new Date()): string {
  const d = new Date(parseTime(iso));
  if (Number.isNaN(d.getTime())) return iso;
  const year = d.getFullYear() === now.getFullYear() ? "" : ` ${d.getFullYear()}`;
  return `${d.getDate()} ${months[d.getMonth()]}${year} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** "340 ms", "1.2 s", "12 s", "2 min 5 s", "1 h 2 min". */
export function formatDuration(ms: number): string {
  if (!(ms >= 0)) return "—";
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  // Thresholds sit where rounding would show "10.0 s" or "60 s".
  if (s < 9.95) return `${s.toFixed(1)} s`;
  if (s < 59.5) return `${Math.round(s)} s`;
  const total = Math.round(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  return sec > 0 ? `${m} min ${sec} s` : `${m} min`;
}

const maxValue = 40;

/** "year=1997 · category=tv"; long values are cut so one run stays one line. */
export function formatParameters(params: Record<string, unknown> | null | undefined): string {
  return Object.entries(params ?? {})
    .map(([k, v]) => {
      const text = typeof v === "string" ? v : JSON.stringify(v) ?? String(v);
      return `${k}=${text.length > maxValue ? `${text.slice(0, maxValue - 1)}…` : text}`;
    })
    .join(" · ");
}

/** The first non-blank line of an error: the message, not the traceback. */
export function firstLine(error: string | undefined): string {
  return (
    error
      ?.split("\n")
      .find((l) => l.trim() !== "")
      ?.trim() ?? ""
  );
}

/** Newest first; records whose start time does not parse go last. */
export function newestFirst(runs: readonly RunRecord[]): RunRecord[] {
  const time = (r: RunRecord) => {
    const t = parseTime(r.startedAt);
    return Number.isNaN(t) ? -Infinity : t;
  };
  return [...runs].sort((a, b) => time(b) - time(a));
}

export const statusLabel: Record<RunRecord["status"], string> = {
  running: "Running",
  ok: "Succeeded",
  failed: "Failed",
  canceled: "Canceled",
};
