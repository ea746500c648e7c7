// The publish dialog's steps, changed through one pure transition function
// (as cellstate.ts does for cells): find out about the Airflow, sign in,
// fill in the schedule, check (the check run takes seconds), then either the
// failing cell or the changes, then publish. The form's values are kept
// apart (PublishForm), and any edit after a check drops the check: Publish
// must send exactly what was checked.
import type { AirflowAccount, PublishCheck, PublishRequest, PublishState } from "../api";
import { badEmail, cronOf, parseEmails, parseParams, type Preset } from "./schedule";

export type Step =
  | { step: "loading" }
  /** AirflowAccount failed: nothing else can be done. */
  | { step: "unavailable"; message: string }
  /** The company settings name no Airflow. */
  | { step: "unconfigured" }
  | { step: "sign-in"; account: AirflowAccount; busy: boolean; error?: string }
  | { step: "edit"; account: AirflowAccount; error?: string }
  | { step: "checking"; account: AirflowAccount; since: number }
  | { step: "failed"; account: AirflowAccount; check: PublishCheck }
  | { step: "checked"; account: AirflowAccount; check: PublishCheck; error?: string }
  | { step: "publishing"; account: AirflowAccount; check: PublishCheck }
  | { step: "published"; account: AirflowAccount; state: PublishState };

export type StepMessage =
  | { type: "account"; account: AirflowAccount }
  | { type: "account-failed"; message: string }
  /** The user asks to sign in again (another user, a changed password). */
  | { type: "change-sign-in" }
  | { type: "sign-in" }
  | { type: "sign-in-failed"; message: string }
  /** The form changed: a check made before no longer holds. */
  | { type: "edited" }
  | { type: "check"; at: number }
  | { type: "check-done"; check: PublishCheck }
  | { type: "check-failed"; message: string }
  | { type: "publish" }
  | { type: "publish-done"; state: PublishState }
  | { type: "publish-failed"; message: string };

export const loading: Step = { step: "loading" };

/** The next step of the dialog on a message; messages that do not apply leave it as it is. */
export function transition(s: Step, msg: StepMessage): Step {
  const account = "account" in s ? s.account : undefined;
  switch (msg.type) {
    case "account":
      if (!msg.account.configured) return { step: "unconfigured" };
      if (!msg.account.hasPassword) return { step: "sign-in", account: msg.account, busy: false };
      return { step: "edit", account: msg.account };
    case "account-failed":
      return s.step === "sign-in" ? { ...s, busy: false, error: msg.message } : { step: "unavailable", message: msg.message };
    case "change-sign-in":
      if (!account || s.step === "checking" || s.step === "publishing") return s;
      return { step: "sign-in", account, busy: false };
    case "sign-in":
      return s.step === "sign-in" ? { ...s, busy: true, error: undefined } : s;
    case "sign-in-failed":
      return s.step === "sign-in" ? { ...s, busy: false, error: msg.message } : s;
    case "edited":
      // A check or its outcome is for the values it ran with.
      if (s.step === "failed" || s.step === "checked") return { step: "edit", account: s.account };
      if (s.step === "edit" && s.error) return { step: "edit", account: s.account };
      return s;
    case "check":
      if (s.step !== "edit" && s.step !== "failed" && s.step !== "checked") return s;
      return { step: "checking", account: s.account, since: msg.at };
    case "check-done":
      if (s.step !== "checking") return s;
      return msg.check.failed || !msg.check.token
        ? { step: "failed", account: s.account, check: msg.check }
        : { step: "checked", account: s.account, check: msg.check };
    case "check-failed":
      return s.step === "checking" ? { step: "edit", account: s.account, error: msg.message } : s;
    case "publish":
      return s.step === "checked" ? { step: "publishing", account: s.account, check: s.check } : s;
    case "publish-done":
      return s.step === "publishing" ? { step: "published", account: s.account, state: msg.state } : s;
    case "publish-failed":
      return s.step === "publishing" ? { step: "checked", account: s.account, check: s.check, error: msg.message } : s;
    default: {
      const never: never = msg;
      return never;
    }
  }
}

/** What the dialog's fields hold, as typed. */
export interface PublishForm {
  preset: Preset["kind"];
  time: string; // daily and weekly, "03:00"
  day: number; // weekly, 0 = Sunday
  cron: string; // custom
  timezone: string;
  params: string; // name=value lines
  webhook: string;
  email: string;
  retries: number;
  timeoutMinutes: number;
}

export function presetOfForm(f: PublishForm): Preset {
  switch (f.preset) {
    case "hourly":
    case "manual":
      return { kind: f.preset };
    case "daily":
      return { kind: "daily", time: f.time };
    case "weekly":
      return { kind: "weekly", day: f.day, time: f.time };
    case "custom":
      return { kind: "custom", cron: f.cron };
  }
}

/** The form's cron: the preset's, or the one typed; undefined while the time is not a time. */
export function formCron(f: PublishForm): string | undefined {
  return cronOf(presetOfForm(f));
}

/**
 * The request the form makes, or what is wrong with it (said in the
 * dialog, next to the Check button, before anything is sent).
 */
export function requestOf(path: string, f: PublishForm): { request: PublishRequest; errors: [] } | { request?: undefined; errors: string[] } {
  const errors: string[] = [];
  const cron = formCron(f);
  if (cron === undefined) errors.push(`“${f.time}” is not a time of day (use HH:MM, e.g. 03:00)`);
  else if (f.preset === "custom" && cron === "") errors.push("type a cron (minute hour day month weekday), or pick Manual only");
  const params = parseParams(f.params);
  errors.push(...params.errors);
  const webhook = f.webhook.trim();
  if (webhook && !/^https?:\/\/\S+$/i.test(webhook)) errors.push(`the webhook “${webhook}” is not an http(s) URL`);
  const email = parseEmails(f.email);
  const bad = badEmail(email);
  if (bad) errors.push(`“${bad}” is not an email address`);
  if (!Number.isInteger(f.retries) || f.retries < 0 || f.retries > 10) errors.push("retries must be a whole number from 0 to 10");
  if (!Number.isInteger(f.timeoutMinutes) || f.timeoutMinutes < 1) errors.push("the time limit must be a whole number of minutes");
  if (errors.length > 0) return { errors };
  const request: PublishRequest = {
    path,
    cron: cron!,
    timezone: f.timezone.trim() || "UTC",
    params: params.params,
    retries: f.retries,
    timeoutMinutes: f.timeoutMinutes,
  };
  if (webhook) request.webhook = webhook;
  if (email.length > 0) request.email = email;
  return { request, errors: [] };
}
