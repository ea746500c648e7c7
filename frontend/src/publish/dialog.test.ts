import { describe, expect, it } from "vitest";
import type { AirflowAccount, PublishCheck, PublishState } from "../api";
import { loading, requestOf, transition, type PublishForm, type Step, type StepMessage } from "./dialog";

const account: AirflowAccount = { configured: true, url: "http://127.0.0.1:8080", user: "admin", hasPassword: true };
const passed: PublishCheck = { token: "t1", dagId: "smallfry__analyst__sales", firstPublish: true, changes: [], durationMs: 4200 };
const failing: PublishCheck = {
  dagId: "smallfry__analyst__sales",
  failed: { id: "sales", label: "cell 3 (sales)", message: "Catalog Error: Table with name Fact_Sale does not exist!" },
  firstPublish: true,
  changes: [],
  durationMs: 3100,
};
const live: PublishState = { path: "sales.ipynb", published: true, label: "daily 03:00", paused: false };

const run = (s: Step, ...msgs: StepMessage[]) => msgs.reduce(transition, s);

describe("the dialog's steps", () => {
  it("explains a missing Airflow, asks for a password, or goes to the form", () => {
    expect(transition(loading, { type: "account", account: { configured: false, hasPassword: false } })).toEqual({ step: "unconfigured" });
    expect(transition(loading, { type: "account", account: { ...account, hasPassword: false } })).toEqual({
      step: "sign-in",
      account: { ...account, hasPassword: false },
      busy: false,
    });
    expect(transition(loading, { type: "account", account })).toEqual({ step: "edit", account });
    expect(transition(loading, { type: "account-failed", message: "boom" })).toEqual({ step: "unavailable", message: "boom" });
  });

  it("signs in: busy, then the form; or the error inline, in the sign-in step", () => {
    const signIn = transition(loading, { type: "account", account: { ...account, hasPassword: false } });
    const busy = transition(signIn, { type: "sign-in" });
    expect(busy).toMatchObject({ step: "sign-in", busy: true });
    const refused = transition(busy, { type: "sign-in-failed", message: "Airflow refused the user admin and its password (401)" });
    expect(refused).toMatchObject({ step: "sign-in", busy: false, error: "Airflow refused the user admin and its password (401)" });
    expect(transition(transition(refused, { type: "sign-in" }), { type: "account", account })).toEqual({ step: "edit", account });
    // A failed account read while signing in stays in the sign-in step.
    expect(transition(busy, { type: "account-failed", message: "x" })).toMatchObject({ step: "sign-in", error: "x" });
  });

  it("check → failed: shows the failing cell; an edit goes back to the form", () => {
    const checking = run(loading, { type: "account", account }, { type: "check", at: 100 });
    expect(checking).toEqual({ step: "checking", account, since: 100 });
    const failed = transition(checking, { type: "check-done", check: failing });
    expect(failed).toEqual({ step: "failed", account, check: failing });
    expect(transition(failed, { type: "publish" })).toBe(failed); // nothing may be published
    expect(transition(failed, { type: "edited" })).toEqual({ step: "edit", account });
    expect(transition(failed, { type: "check", at: 200 })).toEqual({ step: "checking", account, since: 200 });
  });

  it("check → changes → publish → published", () => {
    const checked = run(loading, { type: "account", account }, { type: "check", at: 1 }, { type: "check-done", check: passed });
    expect(checked).toEqual({ step: "checked", account, check: passed });
    const publishing = transition(checked, { type: "publish" });
    expect(publishing).toEqual({ step: "publishing", account, check: passed });
    expect(transition(publishing, { type: "edited" })).toBe(publishing); // the fields are locked meanwhile
    expect(transition(publishing, { type: "publish-done", state: live })).toEqual({ step: "published", account, state: live });
  });

  it("a refused publish keeps the check, with the backend's words", () => {
    const publishing = run(loading, { type: "account", account }, { type: "check", at: 1 }, { type: "check-done", check: passed }, { type: "publish" });
    const msg = "publish sales to Airflow at http://127.0.0.1:8080: Airflow lists an import error for smallfry_dags.py";
    expect(transition(publishing, { type: "publish-failed", message: msg })).toEqual({ step: "checked", account, check: passed, error: msg });
  });

  it("an edit after a check drops it: Publish sends only what was checked", () => {
    const checked = run(loading, { type: "account", account }, { type: "check", at: 1 }, { type: "check-done", check: passed });
    expect(transition(checked, { type: "edited" })).toEqual({ step: "edit", account });
  });

  it("a check that errors goes back to the form with the error; a later edit clears it", () => {
    const edit = run(loading, { type: "account", account }, { type: "check", at: 1 }, { type: "check-failed", message: "cannot reach Airflow" });
    expect(edit).toEqual({ step: "edit", account, error: "cannot reach Airflow" });
    expect(transition(edit, { type: "edited" })).toEqual({ step: "edit", account });
  });

  it("ignores late answers and out-of-place clicks", () => {
    const edit = transition(loading, { type: "account", account });
    expect(transition(edit, { type: "check-done", check: passed })).toBe(edit);
    expect(transition(edit, { type: "publish" })).toBe(edit);
    expect(transition(edit, { type: "publish-done", state: live })).toBe(edit);
    expect(transition(edit, { type: "sign-in" })).toBe(edit);
    const checking = transition(edit, { type: "check", at: 1 });
    expect(transition(checking, { type: "check", at: 2 })).toBe(checking);
    expect(transition(checking, { type: "change-sign-in" })).toBe(checking);
  });

  it("can sign in again from the form (another user, a new password)", () => {
    const edit = transition(loading, { type: "account", account });
    expect(transition(edit, { type: "change-sign-in" })).toEqual({ step: "sign-in", account, busy: false });
    expect(transition(loading, { type: "change-sign-in" })).toBe(loading);
  });
});

describe("requestOf", () => {
  const form: PublishForm = {
    preset: "daily",
    time: "03:00",
    day: 1,
    cron: "",
    timezone: "Europe/Berlin",
    params: "year=1998",
    webhook: "",
    email: "",
    retries: 0,
    timeoutMinutes: 60,
  };

  it("makes the request of a daily schedule with parameters", () => {
    expect(requestOf("sales.ipynb", form)).toEqual({
      request: { path: "sales.ipynb", cron: "0 3 * * *", timezone: "Europe/Berlin", params: ["year=1998"], retries: 0, timeoutMinutes: 60 },
      errors: [],
    });
  });

  it("adds the notification targets when given", () => {
    const r = requestOf("sales.ipynb", { ...form, webhook: " https://hooks.example.com/T1 ", email: "a@example.com, b@example.com" });
    expect(r.request).toMatchObject({ webhook: "https://hooks.example.com/T1", email: ["a@example.com", "b@example.com"] });
  });

  it("sends Manual only as an empty cron, and UTC for an empty zone", () => {
    expect(requestOf("a.ipynb", { ...form, preset: "manual", timezone: " " }).request).toMatchObject({ cron: "", timezone: "UTC" });
  });

  it("says everything that is wrong before anything is sent", () => {
    const r = requestOf("a.ipynb", {
      ...form,
      time: "3 am",
      params: "year 1998",
      webhook: "hooks.example.com",
      email: "nobody",
      retries: -1,
      timeoutMinutes: 0,
    });
    expect(r.request).toBeUndefined();
    expect(r.errors).toEqual([
      "“3 am” is not a time of day (use HH:MM, e.g. 03:00)",
      "line 1: “year 1998” is not name=value",
      "the webhook “hooks.example.com” is not an http(s) URL",
      "“nobody” is not an email address",
      "retries must be a whole number from 0 to 10",
      "the time limit must be a whole number of minutes",
    ]);
  });

  it("wants a cron when the free cron field is picked", () => {
    expect(requestOf("a.ipynb", { ...form, preset: "custom", cron: "  " }).errors).toEqual([
      "type a cron (minute hour day month weekday), or pick Manual only",
    ]);
    expect(requestOf("a.ipynb", { ...form, preset: "custom", cron: "*/15 * * * *" }).request?.cron).toBe("*/15 * * * *");
  });
});
