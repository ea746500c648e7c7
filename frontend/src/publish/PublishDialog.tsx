// The publish dialog: sign in to the company's Airflow if need be, pick a
// schedule (presets or a cron, in a time zone, previewed in words with the
// next run times), the parameter values and whom to tell of failures; then
// Check (the notebook as saved runs headless in a fresh process, for
// seconds) and Publish exactly what was checked.
import { useEffect, useMemo, useReducer, useRef, useState, type ReactNode } from "react";
import { api, toApiError, type Change, type FailedCell, type PublishState, type ScheduleInfo } from "../api";
import { formatDuration } from "../history/format";
import { formCron, loading, requestOf, transition, type PublishForm } from "./dialog";
import { browserZone, formatInZone, initialParams, knownZones, presetOf, weekdayNames } from "./schedule";
import "./publish.css";

export interface PublishDialogProps {
  /** The notebook, as ListNotebooks names it. */
  path: string;
  /** The parameters cell's defaults, in -p form. */
  defaults: [string, string][];
  /** The notebook's current place on the schedule (Republish starts from it). */
  published?: PublishState;
  /** What was typed when the dialog was last open, to start from again. */
  form?: PublishForm;
  onForm?(f: PublishForm): void;
  onClose(): void;
  onPublished(st: PublishState): void;
  /** Selects the cell the check run failed in (the dialog closes). */
  onShowCell(cell: FailedCell): void;
  /** A check run ended (it is a headless run of the notebook: the history has it). */
  onChecked?(): void;
}

/** The form a dialog starts with: as last typed, else as last published, else the defaults. */
export function initialForm(defaults: [string, string][], published?: PublishState): PublishForm {
  const form: PublishForm = {
    preset: "daily",
    time: "03:00",
    day: 1,
    cron: "",
    timezone: browserZone(),
    params: initialParams(defaults, published?.published ? published.params : undefined),
    webhook: "",
    email: "",
    retries: 0,
    timeoutMinutes: 60,
  };
  if (!published?.published) return form;
  const p = presetOf(published.cron ?? "");
  form.preset = p.kind;
  if (p.kind === "daily" || p.kind === "weekly") form.time = p.time;
  if (p.kind === "weekly") form.day = p.day;
  if (p.kind === "custom") form.cron = p.cron;
  form.timezone = published.timezone || form.timezone;
  form.email = (published.email ?? []).join(", ");
  return form;
}

const whatWords: Record<string, string> = {
  added: "cell added",
  removed: "cell removed",
  source: "code changed",
  outputs: "output changed",
};

export function PublishDialog(props: PublishDialogProps) {
  const [step, dispatch] = useReducer(transition, loading);
  const [form, setFormState] = useState<PublishForm>(() => props.form ?? initialForm(props.defaults, props.published));
  const [login, setLogin] = useState({ user: "", password: "" });
  const live = useRef(true);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    box.current?.focus(); // keys go to the dialog, not the notebook behind it
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);
  const onForm = useRef(props.onForm);
  onForm.current = props.onForm;

  useEffect(() => {
    api.airflowAccount().then(
      (a) => {
        if (!live.current) return;
        setLogin((l) => ({ ...l, user: a.user ?? "" }));
        dispatch({ type: "account", account: a });
      },
      (e) => live.current && dispatch({ type: "account-failed", message: toApiError(e).message }),
    );
  }, []);

  const setForm = (change: Partial<PublishForm>) => {
    setFormState((f) => {
      const next = { ...f, ...change };
      onForm.current?.(next);
      return next;
    });
    dispatch({ type: "edited" });
  };

  const cron = formCron(form);
  const preview = useSchedulePreview(cron, form.timezone);
  const made = useMemo(() => requestOf(props.path, form), [props.path, form]);
  const zones = useMemo(knownZones, []);

  const signIn = async () => {
    dispatch({ type: "sign-in" });
    try {
      const a = await api.airflowSignIn(login);
      if (!live.current) return;
      setLogin({ user: a.user ?? login.user, password: "" });
      dispatch({ type: "account", account: a });
    } catch (e) {
      if (live.current) dispatch({ type: "sign-in-failed", message: toApiError(e).message });
    }
  };

  const check = async () => {
    if (!made.request) return;
    dispatch({ type: "check", at: performance.now() });
    try {
      const c = await api.checkPublish(made.request);
      props.onChecked?.();
      if (live.current) dispatch({ type: "check-done", check: c });
    } catch (e) {
      if (live.current) dispatch({ type: "check-failed", message: toApiError(e).message });
    }
  };

  const publish = async () => {
    if (step.step !== "checked" || !made.request) return;
    dispatch({ type: "publish" });
    try {
      const st = await api.publish({ ...made.request, token: step.check.token });
      if (!live.current) return;
      dispatch({ type: "publish-done", state: st });
      props.onPublished(st);
    } catch (e) {
      if (live.current) dispatch({ type: "publish-failed", message: toApiError(e).message });
    }
  };

  const busy = step.step === "checking" || step.step === "publishing";
  const name = props.path.replace(/\.ipynb$/, "");
  const republish = !!props.published?.published;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && step.step !== "publishing") props.onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [step.step, props]);

  return (
    <div className="sf-publish-backdrop" onMouseDown={(e) => e.target === e.currentTarget && !busy && props.onClose()}>
      <div ref={box} tabIndex={-1} className="sf-publish" role="dialog" aria-modal="true" aria-label={`Publish ${name}`} data-testid="publish-dialog" data-step={step.step}>
        <header>
          <h3>
            {republish ? "Republish" : "Publish"} <span className="sf-publish-name">{name}</span>
          </h3>
          <button className="link" aria-label="Close" data-testid="publish-close" onClick={props.onClose} disabled={step.step === "publishing"}>
            ✕
          </button>
        </header>

        {step.step === "loading" && <p className="sf-publish-muted">Looking for the company's Airflow…</p>}
        {step.step === "unavailable" && (
          <p className="sf-publish-error" role="alert" data-testid="publish-error">
            {step.message}
          </p>
        )}
        {step.step === "unconfigured" && (
          <div data-testid="publish-unconfigured">
            <p>Publishing puts this notebook on a schedule on the company's Apache Airflow, but no Airflow is set up here.</p>
            <p>
              The company settings file must name one (its <code>airflow</code> section, from your admin). Import it with <b>File ▸ Import company
              settings…</b> in the window, or <b>Import company settings…</b> (or <b>Settings…</b>) in the sidebar.
            </p>
            <footer>
              <button onClick={props.onClose}>Close</button>
            </footer>
          </div>
        )}

        {step.step === "sign-in" && (
          <form
            className="sf-publish-signin"
            data-testid="airflow-sign-in-form"
            onSubmit={(e) => {
              e.preventDefault();
              void signIn();
            }}
          >
            <p>
              Sign in to Airflow at <span className="sf-publish-url">{step.account.url}</span>. The password is checked with Airflow and kept in this
              computer's keychain.
            </p>
            <label>
              <span>User</span>
              {step.account.fixedUser ? (
                <b data-testid="airflow-fixed-user">{step.account.user}</b>
              ) : (
                <input data-testid="airflow-user" autoComplete="username" value={login.user} onChange={(e) => setLogin({ ...login, user: e.target.value })} />
              )}
            </label>
            <label>
              <span>Password</span>
              <input
                data-testid="airflow-password"
                type="password"
                autoComplete="current-password"
                autoFocus
                value={login.password}
                onChange={(e) => setLogin({ ...login, password: e.target.value })}
              />
            </label>
            {step.error && (
              <p className="sf-publish-error" role="alert" data-testid="airflow-sign-in-error">
                {step.error}
              </p>
            )}
            <footer>
              <button type="button" onClick={props.onClose}>
                Cancel
              </button>
              <button className="primary" data-testid="airflow-sign-in" disabled={step.busy || !login.password || (!step.account.fixedUser && !login.user.trim())}>
                {step.busy ? "Signing in…" : "Sign in"}
              </button>
            </footer>
          </form>
        )}

        {(step.step === "edit" ||
          step.step === "checking" ||
          step.step === "failed" ||
          step.step === "checked" ||
          step.step === "publishing" ||
          step.step === "published") && (
          <>
            <p className="sf-publish-muted">
              Runs the notebook as saved on Airflow at <span className="sf-publish-url">{step.account.url}</span>
              {step.account.user && <> as {step.account.user}</>} ·{" "}
              <button className="link" data-testid="airflow-change-sign-in" disabled={busy} onClick={() => dispatch({ type: "change-sign-in" })}>
                sign in again
              </button>
            </p>
            <fieldset className="sf-publish-form" disabled={busy}>
              <ScheduleFields form={form} setForm={setForm} cron={cron} zones={zones} />
              <ScheduleView preview={preview} cron={cron} timezone={form.timezone} />
              <label className="sf-publish-row">
                <span>Parameters</span>
                <span className="sf-publish-field">
                  <textarea
                    data-testid="publish-params"
                    rows={Math.min(6, Math.max(2, form.params.split("\n").length))}
                    spellCheck={false}
                    placeholder={"year=1998\ncategory=tv"}
                    value={form.params}
                    onChange={(e) => setForm({ params: e.target.value })}
                  />
                  <small>One name=value per line, as smallfry run -p takes them; the cell's defaults stand for the rest.</small>
                </span>
              </label>
              <div className="sf-publish-row">
                <span>On failure</span>
                <span className="sf-publish-field sf-publish-notify">
                  <input
                    data-testid="publish-webhook"
                    placeholder="post to a webhook: https://…"
                    value={form.webhook}
                    onChange={(e) => setForm({ webhook: e.target.value })}
                  />
                  <input data-testid="publish-email" placeholder="email: a@example.com, b@…" value={form.email} onChange={(e) => setForm({ email: e.target.value })} />
                  {props.published?.webhook && !form.webhook.trim() && (
                    <small data-testid="publish-webhook-kept">
                      Failures are posted to a webhook now. Airflow keeps its address, not this computer: type it again to keep it.
                    </small>
                  )}
                </span>
              </div>
              <div className="sf-publish-row">
                <span>Runs</span>
                <span className="sf-publish-field sf-publish-inline">
                  <label>
                    retries{" "}
                    <input
                      data-testid="publish-retries"
                      type="number"
                      min={0}
                      max={10}
                      value={form.retries}
                      onChange={(e) => setForm({ retries: e.target.valueAsNumber })}
                    />
                  </label>
                  <label>
                    time limit{" "}
                    <input
                      data-testid="publish-timeout"
                      type="number"
                      min={1}
                      value={form.timeoutMinutes}
                      onChange={(e) => setForm({ timeoutMinutes: e.target.valueAsNumber })}
                    />{" "}
                    min
                  </label>
                </span>
              </div>
            </fieldset>

            {made.errors.length > 0 && (
              <ul className="sf-publish-error" data-testid="publish-form-errors">
                {made.errors.map((e) => (
                  <li key={e}>{e}</li>
                ))}
              </ul>
            )}
            {step.step === "edit" && step.error && (
              <p className="sf-publish-error" role="alert" data-testid="publish-error">
                {step.error}
              </p>
            )}
            {step.step === "checking" && <Checking since={step.since} />}
            {step.step === "failed" && <Failed cell={step.check.failed} durationMs={step.check.durationMs} onShow={props.onShowCell} />}
            {(step.step === "checked" || step.step === "publishing") && (
              <Changes changes={step.check.changes} first={step.check.firstPublish} dagId={step.check.dagId} durationMs={step.check.durationMs} />
            )}
            {step.step === "checked" && step.error && (
              <p className="sf-publish-error" role="alert" data-testid="publish-error">
                {step.error}
              </p>
            )}
            {step.step === "published" && (
              <p className="sf-publish-ok" data-testid="publish-done">
                Published as {step.state.dagId}: {step.state.sentence || step.state.label}.
              </p>
            )}

            <footer>
              <button data-testid="publish-cancel" onClick={props.onClose} disabled={step.step === "publishing"}>
                {step.step === "published" ? "Close" : "Cancel"}
              </button>
              {step.step !== "published" && (
                <button
                  data-testid="publish-check"
                  className={step.step === "checked" || step.step === "publishing" ? "" : "primary"}
                  disabled={busy || !made.request}
                  onClick={() => void check()}
                  title="Runs the saved notebook headless in a fresh process with these values, as Airflow will"
                >
                  {step.step === "checking" ? "Checking…" : step.step === "edit" ? "Check" : "Check again"}
                </button>
              )}
              {(step.step === "checked" || step.step === "publishing") && (
                <button data-testid="publish-confirm" className="primary" disabled={step.step === "publishing"} onClick={() => void publish()}>
                  {step.step === "publishing" ? "Publishing…" : republish ? "Republish" : "Publish"}
                </button>
              )}
            </footer>
          </>
        )}
      </div>
    </div>
  );
}

function ScheduleFields(props: { form: PublishForm; setForm(c: Partial<PublishForm>): void; cron: string | undefined; zones: string[] }) {
  const { form, setForm } = props;
  const radio = (kind: PublishForm["preset"], label: string, extra?: ReactNode) => (
    <label className="sf-publish-preset">
      <input type="radio" name="preset" data-testid={`preset-${kind}`} checked={form.preset === kind} onChange={() => setForm({ preset: kind })} />
      {label}
      {extra}
    </label>
  );
  // Typing a cron that is one of the presets picks that preset.
  const typed = (text: string) => {
    const p = presetOf(text);
    if (p.kind === "custom") setForm({ preset: "custom", cron: text });
    else if (p.kind === "daily") setForm({ preset: "daily", time: p.time });
    else if (p.kind === "weekly") setForm({ preset: "weekly", day: p.day, time: p.time });
    else setForm({ preset: p.kind });
  };
  const time = (id: string) => (
    <input
      type="time"
      data-testid={id}
      value={form.time}
      onFocus={() => form.preset !== (id === "daily-time" ? "daily" : "weekly") && setForm({ preset: id === "daily-time" ? "daily" : "weekly" })}
      onChange={(e) => setForm({ time: e.target.value })}
    />
  );
  return (
    <>
      <div className="sf-publish-row">
        <span>Schedule</span>
        <span className="sf-publish-field sf-publish-presets">
          {radio("hourly", "Hourly")}
          {radio("daily", "Daily at", time("daily-time"))}
          {radio(
            "weekly",
            "Weekly on",
            <>
              <select
                data-testid="weekly-day"
                value={form.day}
                onChange={(e) => setForm({ preset: "weekly", day: Number(e.target.value) })}
              >
                {weekdayNames.map((d, i) => (
                  <option key={d} value={i}>
                    {d}
                  </option>
                ))}
              </select>
              at {time("weekly-time")}
            </>,
          )}
          {radio("manual", "Manual only")}
        </span>
      </div>
      <label className="sf-publish-row">
        <span>Cron</span>
        <span className="sf-publish-field">
          <input
            className="sf-publish-cron"
            data-testid="publish-cron"
            spellCheck={false}
            placeholder="minute hour day month weekday"
            value={form.preset === "custom" ? form.cron : (props.cron ?? "")}
            onChange={(e) => typed(e.target.value)}
          />
        </span>
      </label>
      <label className="sf-publish-row">
        <span>Time zone</span>
        <span className="sf-publish-field">
          <input data-testid="publish-timezone" list="sf-publish-zones" spellCheck={false} value={form.timezone} onChange={(e) => setForm({ timezone: e.target.value })} />
          <datalist id="sf-publish-zones">
            {props.zones.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </span>
      </label>
    </>
  );
}

type Preview = { key: string; info?: ScheduleInfo; error?: string };

/** DescribeSchedule as the user types, 300 ms after the last key; a late answer for older text is dropped. */
export function useSchedulePreview(cron: string | undefined, timezone: string, delay = 300): Preview | undefined {
  const [preview, setPreview] = useState<Preview>();
  const key = `${cron}\u0000${timezone}`;
  useEffect(() => {
    if (cron === undefined || cron === "") return;
    let current = true;
    const t = setTimeout(() => {
      api.describeSchedule({ cron, timezone: timezone.trim() || "UTC" }).then(
        (info) => current && setPreview({ key, info }),
        (e) => current && setPreview({ key, error: toApiError(e).message }),
      );
    }, delay);
    return () => {
      current = false;
      clearTimeout(t);
    };
  }, [cron, timezone, key, delay]);
  return preview?.key === key ? preview : undefined;
}

function ScheduleView(props: { preview: Preview | undefined; cron: string | undefined; timezone: string }) {
  const { preview } = props;
  let body: ReactNode;
  if (props.cron === "") body = <p data-testid="schedule-sentence">Runs only when you click Run now (or someone triggers it in Airflow).</p>;
  else if (props.cron === undefined) body = null;
  else if (!preview) body = <p className="sf-publish-muted">…</p>;
  else if (preview.error)
    body = (
      <p className="sf-publish-error" data-testid="schedule-error">
        {preview.error}
      </p>
    );
  else if (preview.info) {
    const zone = props.timezone.trim() || "UTC";
    body = (
      <>
        <p data-testid="schedule-sentence">Runs {preview.info.sentence}.</p>
        <ol className="sf-publish-next" aria-label="Next runs">
          {(preview.info.next ?? []).map((t) => (
            <li key={t} data-testid="schedule-next">
              {formatInZone(t, zone)}
            </li>
          ))}
        </ol>
      </>
    );
  }
  return (
    <div className="sf-publish-row">
      <span />
      <div className="sf-publish-field sf-publish-preview" aria-live="polite">
        {body}
      </div>
    </div>
  );
}

function Checking({ since }: { since: number }) {
  const [now, setNow] = useState(performance.now());
  useEffect(() => {
    const t = setInterval(() => setNow(performance.now()), 200);
    return () => clearInterval(t);
  }, []);
  return (
    <div className="sf-publish-checking" data-testid="check-progress" role="status">
      <progress />
      <span>
        Running the saved notebook headless, as Airflow will… <span className="sf-publish-elapsed">{formatDuration(Math.max(0, now - since))}</span>
      </span>
    </div>
  );
}

function Failed(props: { cell?: FailedCell; durationMs: number; onShow(c: FailedCell): void }) {
  const { cell } = props;
  return (
    <div className="sf-publish-failed" data-testid="check-failed" role="alert">
      {cell ? (
        <>
          <p>
            The check run failed in <b data-testid="failed-cell-label">{cell.label}</b> after {formatDuration(props.durationMs)}. Nothing is published.
          </p>
          <pre data-testid="failed-cell-message">{cell.message}</pre>
          <button data-testid="show-failed-cell" onClick={() => props.onShow(cell)}>
            Show the cell
          </button>
        </>
      ) : (
        <p>The check run did not pass. Nothing is published.</p>
      )}
    </div>
  );
}

function Changes(props: { changes: Change[]; first: boolean; dagId: string; durationMs: number }) {
  const changes = props.changes ?? [];
  return (
    <div className="sf-publish-changes" data-testid="publish-changes">
      <p className="sf-publish-ok">
        The check run passed in {formatDuration(props.durationMs)}.{" "}
        {props.first ? (
          <span data-testid="first-publish">First publish: Airflow has no {props.dagId} yet.</span>
        ) : changes.length === 0 ? (
          <span data-testid="no-changes">Nothing changed since the published version.</span>
        ) : (
          <span>
            {changes.length} {changes.length === 1 ? "change" : "changes"} since the published version:
          </span>
        )}
      </p>
      {changes.length > 0 && (
        <ul>
          {changes.map((c, i) => (
            <li key={`${c.cellId}-${c.what}-${i}`}>
              <details data-testid="publish-change" data-what={c.what} data-cell-id={c.cellId}>
                <summary>
                  <b>{c.label}</b> · {whatWords[c.what] ?? c.what}
                </summary>
                <div className="sf-publish-diff">
                  <div>
                    <h4>Published</h4>
                    <pre>{c.before ?? "—"}</pre>
                  </div>
                  <div>
                    <h4>Now</h4>
                    <pre>{c.after ?? "—"}</pre>
                  </div>
                </div>
              </details>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
