// The publish dialog's words and values, as pure functions: schedule
// presets and the cron they stand for, parameter lines as `-p` takes them,
// the defaults of a notebook's parameters cell, relative times ("in 5 h")
// and times shown in a schedule's own zone.
import type { PublishState } from "../api";
import { parseTime } from "../history/format";

export type Preset =
  | { kind: "hourly" }
  | { kind: "daily"; time: string }
  | { kind: "weekly"; day: number; time: string }
  | { kind: "manual" }
  | { kind: "custom"; cron: string };

export const weekdayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

const hhmm = /^([01]?\d|2[0-3]):([0-5]\d)$/;

/** "3:05" → "03:05"; undefined when it is not a time of day. */
export function normalTime(time: string): string | undefined {
  const m = hhmm.exec(time.trim());
  return m ? `${m[1].padStart(2, "0")}:${m[2]}` : undefined;
}

/**
 * The five-field cron a preset stands for; "" runs only when asked
 * (Manual only). A time that does not parse gives undefined.
 */
export function cronOf(p: Preset): string | undefined {
  const at = (time: string) => {
    const t = normalTime(time);
    if (!t) return undefined;
    const [h, m] = t.split(":").map(Number);
    return `${m} ${h}`;
  };
  switch (p.kind) {
    case "hourly":
      return "0 * * * *";
    case "daily": {
      const t = at(p.time);
      return t && `${t} * * *`;
    }
    case "weekly": {
      const t = at(p.time);
      return t && `${t} * * ${p.day}`;
    }
    case "manual":
      return "";
    case "custom":
      return p.cron.trim().split(/\s+/).join(" ");
    default: {
      const never: never = p;
      return never;
    }
  }
}

const dayNumbers: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

/** The preset a cron is, so a published schedule reopens as it was picked. */
export function presetOf(cron: string): Preset {
  const expr = cron.trim().split(/\s+/).join(" ");
  if (expr === "") return { kind: "manual" };
  if (expr === "0 * * * *" || expr === "@hourly") return { kind: "hourly" };
  if (expr === "@daily" || expr === "@midnight") return { kind: "daily", time: "00:00" };
  const f = expr.split(" ");
  const num = (s: string, max: number) => (/^\d{1,2}$/.test(s) && Number(s) <= max ? Number(s) : undefined);
  if (f.length === 5) {
    const [m, h, dom, mon, dow] = f;
    const min = num(m, 59);
    const hour = num(h, 23);
    if (min !== undefined && hour !== undefined && dom === "*" && mon === "*") {
      const time = `${String(hour).padStart(2, "0")}:${String(min).padStart(2, "0")}`;
      if (dow === "*") return { kind: "daily", time };
      const day = num(dow, 7) ?? dayNumbers[dow.toLowerCase()];
      if (day !== undefined) return { kind: "weekly", day: day % 7, time };
    }
  }
  return { kind: "custom", cron: expr };
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface ParsedParams {
  /** name=value, as `smallfry run -p` takes them. */
  params: string[];
  /** What is wrong, line by line; nothing may be sent while there is any. */
  errors: string[];
}

/**
 * Reads parameter values typed one `name=value` per line. Blank lines and
 * # comments are skipped; spaces around the name and the value are not
 * part of them (the backend reads `year= 1998` as the text " 1998").
 */
export function parseParams(text: string): ParsedParams {
  const params: string[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const eq = line.indexOf("=");
    const name = eq < 0 ? "" : line.slice(0, eq).trim();
    if (eq < 0 || name === "") {
      errors.push(`line ${i + 1}: “${line}” is not name=value`);
      return;
    }
    if (!identifier.test(name)) {
      errors.push(`line ${i + 1}: “${name}” is not a valid parameter name`);
      return;
    }
    if (seen.has(name)) {
      errors.push(`line ${i + 1}: ${name} is given twice`);
      return;
    }
    seen.add(name);
    params.push(`${name}=${line.slice(eq + 1).trim()}`);
  });
  return { params, errors };
}

/**
 * The defaults of a parameters cell (papermill's `name = literal` lines in
 * Python syntax) as the text `-p` takes: strings unquoted, True/False as
 * true/false, date(1997, 1, 1) as 1997-01-01. Lines it cannot read are left
 * out: they are the check run's to complain about.
 */
export function parameterDefaults(source: string): [string, string][] {
  const out: [string, string][] = [];
  for (const raw of source.split("\n")) {
    const line = stripComment(raw).trim();
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*[A-Za-z_.]+\s*)?=\s*(.+?)\s*$/.exec(line);
    if (!m) continue;
    const value = pyLiteral(m[2]);
    if (value !== undefined) out.push([m[1], value]);
  }
  return out;
}

function pyLiteral(text: string): string | undefined {
  if (text === "True") return "true";
  if (text === "False") return "false";
  const date = /^(?:datetime\.)?date\(\s*(\d{4})\s*,\s*(\d{1,2})\s*,\s*(\d{1,2})\s*\)$/.exec(text);
  if (date) return `${date[1]}-${date[2].padStart(2, "0")}-${date[3].padStart(2, "0")}`;
  const q = text[0];
  if ((q === '"' || q === "'") && text.length >= 2 && text.endsWith(q)) {
    return text.slice(1, -1).replace(/\\(.)/g, (_, c: string) => ({ n: "\n", t: "\t", r: "\r" })[c] ?? c);
  }
  if (/^[-+]?[\d_]+(\.[\d_]*)?([eE][-+]?\d+)?$/.test(text)) return text.replace(/_/g, "");
  return undefined;
}

function stripComment(line: string): string {
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#") return line.slice(0, i);
  }
  return line;
}

/**
 * The parameter lines the dialog starts with: the notebook's defaults,
 * with the values it was last published with over them (and any of those
 * the cell no longer declares, for the check run to refuse).
 */
export function initialParams(defaults: [string, string][], published: Record<string, string> | undefined): string {
  const values = new Map(defaults);
  for (const [k, v] of Object.entries(published ?? {})) values.set(k, v);
  return [...values].map(([k, v]) => `${k}=${v}`).join("\n");
}

/** Email addresses typed with commas, semicolons or spaces between them. */
export function parseEmails(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The first address that does not look like one, if any. */
export function badEmail(emails: string[]): string | undefined {
  return emails.find((e) => !/^[^\s@]+@[^\s@]+$/.test(e));
}

/**
 * "in 5 h", "in 12 min", "in 3 days", "now"; in the past "5 min ago",
 * "just now".
 * Rounded to the nearest unit, as people say it.
 */
export function relativeTime(iso: string, now: Date = new Date()): string {
  const t = parseTime(iso);
  if (Number.isNaN(t)) return iso;
  const diff = t - now.getTime();
  const abs = Math.abs(diff);
  let text: string;
  if (abs < 45_000) return diff > 0 ? "now" : "just now";
  if (abs < 59.5 * 60_000) text = `${Math.max(1, Math.round(abs / 60_000))} min`;
  else if (abs < 36 * 3_600_000) text = `${Math.round(abs / 3_600_000)} h`;
  else {
    const days = Math.round(abs / 86_400_000);
    text = `${days} ${days === 1 ? "day" : "days"}`;
  }
  return diff > 0 ? `in ${text}` : `${text} ago`;
}

/**
 * A time in the schedule's zone, the same in every locale:
 * "Wed 3 Jun 2026 03:00". An unknown zone falls back to UTC.
 */
export function formatInZone(iso: string, timeZone: string): string {
  const t = parseTime(iso);
  if (Number.isNaN(t)) return iso;
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-GB", {
      timeZone: timeZone || "UTC",
      weekday: "short",
      day: "numeric",
      month: "short",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).formatToParts(new Date(t));
  } catch {
    return formatInZone(iso, "UTC");
  }
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("weekday")} ${get("day")} ${get("month")} ${get("year")} ${get("hour")}:${get("minute")}`;
}

/** The browser's own time zone, the dialog's default. */
export function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/** Every IANA zone the browser knows, for the time-zone field's suggestions. */
export function knownZones(): string[] {
  const intl = Intl as { supportedValuesOf?: (key: string) => string[] };
  try {
    return intl.supportedValuesOf?.("timeZone") ?? [];
  } catch {
    return [];
  }
}

export type Tone = "ok" | "paused" | "failed" | "problem" | "running";

/**
 * How a published notebook's line reads: "Published · daily 03:00 · next run
 * in 5 h", "… · paused", or the problem; tone colours it, a failed last run red.
 */
export function publishedLine(st: PublishState, now: Date = new Date()): { text: string; tone: Tone; last?: string } {
  const parts = ["Published", st.label || st.cron || "manual"];
  let tone: Tone = "ok";
  if (st.problem) {
    parts.push(st.problem);
    tone = "problem";
  } else if (st.paused) {
    parts.push("paused");
    tone = "paused";
  } else if (st.nextRun) {
    const when = relativeTime(st.nextRun, now);
    parts.push(when.startsWith("in ") ? `next run ${when}` : "next run due now");
  } else if (!st.cron) {
    parts.push("runs when you click Run now");
  }
  let last: string | undefined;
  switch (st.lastState) {
    case "failed":
      last = st.lastRunAt ? `last run failed ${relativeTime(st.lastRunAt, now)}` : "last run failed";
      if (tone === "ok" || tone === "paused") tone = "failed";
      break;
    case "running":
    case "queued":
      last = st.lastState === "queued" ? "a run is queued" : "a run is running";
      if (tone === "ok") tone = "running";
      break;
    case "success":
      last = st.lastRunAt ? `last run succeeded ${relativeTime(st.lastRunAt, now)}` : "last run succeeded";
      break;
  }
  return { text: parts.join(" · "), tone, last };
}
