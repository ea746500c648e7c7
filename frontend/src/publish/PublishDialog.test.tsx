import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, ApiError, type AirflowAccount, type PublishCheck, type PublishState } from "../api";
import { initialForm, PublishDialog, type PublishDialogProps } from "./PublishDialog";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let host: HTMLElement;
let root: Root;
beforeEach(() => {
  host = document.body.appendChild(document.createElement("div"));
  root = createRoot(host);
});
afterEach(() => {
  act(() => root.unmount());
  host.remove();
  vi.restoreAllMocks();
});

const $ = (id: string) => host.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const all = (id: string) => [...host.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)];
const step = () => $("publish-dialog")?.dataset.step;
const wait = (ms: number) => act(() => new Promise<void>((ok) => setTimeout(ok, ms)));

/** Types into an input or textarea as React sees it (the native setter, then an input event). */
function type(el: HTMLElement, value: string) {
  const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  act(() => {
    Object.getOwnPropertyDescriptor(proto, "value")!.set!.call(el, value);
    el.dispatchEvent(new Event("input", { bubbles: true }));
  });
}
function choose(el: HTMLElement, value: string) {
  act(() => {
    (el as HTMLSelectElement).value = value;
    el.dispatchEvent(new Event("change", { bubbles: true }));
  });
}

const account: AirflowAccount = { configured: true, url: "http://127.0.0.1:8080", user: "admin", hasPassword: true };
const berlin = {
  sentence: "every day at 03:00 Europe/Berlin",
  label: "daily 03:00",
  next: ["2026-06-03T03:00:00+02:00", "2026-06-04T03:00:00+02:00", "2026-06-05T03:00:00+02:00", "2026-06-06T03:00:00+02:00", "2026-06-07T03:00:00+02:00"],
};
const passed: PublishCheck = {
  token: "tok-1",
  dagId: "smallfry__analyst__sales",
  firstPublish: false,
  changes: [
    { cellId: "sales", label: "sales", what: "source", before: "SELECT 1", after: "SELECT 2" },
    { cellId: "top", label: "[5]", what: "outputs", before: "3 rows", after: "4 rows" },
  ],
  durationMs: 4200,
};

function mockApi(a: AirflowAccount = account) {
  return {
    account: vi.spyOn(api, "airflowAccount").mockResolvedValue(a),
    describe: vi.spyOn(api, "describeSchedule").mockResolvedValue(berlin),
  };
}

const props = (more: Partial<PublishDialogProps> = {}): PublishDialogProps => ({
  path: "sales.ipynb",
  defaults: [
    ["year", "1997"],
    ["category", "tv"],
  ],
  form: { ...initialForm([["year", "1997"], ["category", "tv"]]), timezone: "Europe/Berlin" },
  onClose: vi.fn(),
  onPublished: vi.fn(),
  onShowCell: vi.fn(),
  ...more,
});

async function show(p: PublishDialogProps) {
  await act(async () => root.render(<PublishDialog {...p} />));
}

describe("PublishDialog", () => {
  it("explains that the company settings must name an Airflow", async () => {
    mockApi({ configured: false, hasPassword: false });
    await show(props());
    expect(step()).toBe("unconfigured");
    expect($("publish-unconfigured")!.textContent).toContain("File ▸ Import company settings…");
    expect($("publish-check")).toBeNull();
  });

  it("asks for the Airflow user and password first, with the error inline", async () => {
    mockApi({ ...account, hasPassword: false, user: "" });
    const signIn = vi
      .spyOn(api, "airflowSignIn")
      .mockRejectedValueOnce(new ApiError("invalid", "Airflow at http://127.0.0.1:8080 refused user admin: 401 Unauthorized"))
      .mockResolvedValueOnce(account);
    await show(props());
    expect(step()).toBe("sign-in");
    type($("airflow-user")!, "admin");
    type($("airflow-password")!, "wrong");
    await act(async () => $("airflow-sign-in")!.click());
    expect(signIn).toHaveBeenLastCalledWith({ user: "admin", password: "wrong" });
    expect($("airflow-sign-in-error")!.textContent).toBe("Airflow at http://127.0.0.1:8080 refused user admin: 401 Unauthorized");
    type($("airflow-password")!, "right");
    await act(async () => $("airflow-sign-in")!.click());
    expect(step()).toBe("edit");
  });

  it("shows a fixed user instead of asking for one", async () => {
    mockApi({ ...account, hasPassword: false, fixedUser: true, user: "smallfry" });
    await show(props());
    expect($("airflow-user")).toBeNull();
    expect($("airflow-fixed-user")!.textContent).toBe("smallfry");
  });

  it("turns the presets into a cron and a typed cron into its preset, previewed in words", async () => {
    const { describe: describeSchedule } = mockApi();
    await show(props());
    const cron = $("publish-cron") as HTMLInputElement;
    expect(cron.value).toBe("0 3 * * *");
    await wait(350);
    expect(describeSchedule).toHaveBeenLastCalledWith({ cron: "0 3 * * *", timezone: "Europe/Berlin" });
    expect($("schedule-sentence")!.textContent).toBe("Runs every day at 03:00 Europe/Berlin.");
    expect(all("schedule-next").map((e) => e.textContent)).toEqual([
      "Wed 3 Jun 2026 03:00",
      "Thu 4 Jun 2026 03:00",
      "Fri 5 Jun 2026 03:00",
      "Sat 6 Jun 2026 03:00",
      "Sun 7 Jun 2026 03:00",
    ]);

    act(() => $("preset-weekly")!.click());
    choose($("weekly-day")!, "5");
    type($("weekly-time")!, "18:30");
    expect(cron.value).toBe("30 18 * * 5");
    act(() => $("preset-hourly")!.click());
    expect(cron.value).toBe("0 * * * *");
    act(() => $("preset-manual")!.click());
    expect(cron.value).toBe("");
    expect($("schedule-sentence")!.textContent).toMatch(/only when you click Run now/);

    type(cron, "0 7 * * *");
    expect(($("preset-daily") as HTMLInputElement).checked).toBe(true);
    expect(($("daily-time") as HTMLInputElement).value).toBe("07:00");
    type(cron, "*/15 9-17 * * 1-5");
    // No preset is that cron: none is picked, the field holds it.
    expect([...host.querySelectorAll<HTMLInputElement>("input[name=preset]")].filter((r) => r.checked)).toEqual([]);
    expect(cron.value).toBe("*/15 9-17 * * 1-5");
  });

  it("debounces the preview and shows the backend's words for a bad cron", async () => {
    const { describe: describeSchedule } = mockApi();
    describeSchedule.mockRejectedValue(new ApiError("invalid", 'the schedule "0 3 * *" is not a valid cron (minute hour day month weekday)'));
    await show(props());
    const cron = $("publish-cron")!;
    type(cron, "0");
    type(cron, "0 3");
    type(cron, "0 3 * *");
    await wait(350);
    expect(describeSchedule).toHaveBeenCalledTimes(1);
    expect(describeSchedule).toHaveBeenCalledWith({ cron: "0 3 * *", timezone: "Europe/Berlin" });
    expect($("schedule-error")!.textContent).toMatch(/is not a valid cron/);
  });

  it("says what is wrong with the form and will not check it", async () => {
    mockApi();
    const check = vi.spyOn(api, "checkPublish");
    await show(props());
    type($("publish-params")!, "year 1998");
    expect($("publish-form-errors")!.textContent).toContain("“year 1998” is not name=value");
    expect(($("publish-check") as HTMLButtonElement).disabled).toBe(true);
    act(() => $("publish-check")!.click());
    expect(check).not.toHaveBeenCalled();
  });

  it("check → failed: shows the failing cell, publishes nothing, and jumps to it", async () => {
    mockApi();
    const failed = { id: "sales", label: "cell 3 (sales)", message: "Catalog Error: Table with name Fact_Sale does not exist!" };
    let answer!: (c: PublishCheck) => void;
    const check = vi.spyOn(api, "checkPublish").mockImplementation(() => new Promise((ok) => (answer = ok)));
    const publish = vi.spyOn(api, "publish");
    const p = props();
    await show(p);
    type($("publish-params")!, "year=1998");
    await act(async () => $("publish-check")!.click());
    expect(check).toHaveBeenCalledWith({ path: "sales.ipynb", cron: "0 3 * * *", timezone: "Europe/Berlin", params: ["year=1998"], retries: 0, timeoutMinutes: 60 });
    expect(step()).toBe("checking");
    expect($("check-progress")).not.toBeNull();
    expect(($("publish-params") as HTMLTextAreaElement).closest("fieldset")!.disabled).toBe(true);
    await act(async () => answer({ dagId: "d", failed, firstPublish: true, changes: [], durationMs: 2500 }));
    expect(step()).toBe("failed");
    expect($("failed-cell-label")!.textContent).toBe("cell 3 (sales)");
    expect($("failed-cell-message")!.textContent).toBe(failed.message);
    expect($("publish-confirm")).toBeNull();
    act(() => $("show-failed-cell")!.click());
    expect(p.onShowCell).toHaveBeenCalledWith(failed);
    expect(publish).not.toHaveBeenCalled();
  });

  it("check → changes (collapsed) → publish with the check's token", async () => {
    mockApi();
    vi.spyOn(api, "checkPublish").mockResolvedValue(passed);
    const live: PublishState = { path: "sales.ipynb", published: true, dagId: passed.dagId, label: "daily 03:00", sentence: berlin.sentence, paused: false };
    const publish = vi.spyOn(api, "publish").mockResolvedValue(live);
    const p = props();
    await show(p);
    await act(async () => $("publish-check")!.click());
    expect(step()).toBe("checked");
    const changes = all("publish-change") as HTMLDetailsElement[];
    expect(changes.map((c) => [c.dataset.what, c.open])).toEqual([
      ["source", false],
      ["outputs", false],
    ]);
    expect(changes[0].textContent).toContain("SELECT 1");
    expect(changes[0].textContent).toContain("SELECT 2");
    expect($("publish-changes")!.textContent).toContain("2 changes since the published version");
    await act(async () => $("publish-confirm")!.click());
    expect(publish).toHaveBeenCalledWith({
      path: "sales.ipynb",
      cron: "0 3 * * *",
      timezone: "Europe/Berlin",
      params: ["year=1997", "category=tv"],
      retries: 0,
      timeoutMinutes: 60,
      token: "tok-1",
    });
    expect(p.onPublished).toHaveBeenCalledWith(live);
    expect(step()).toBe("published");
  });

  it("says first publish, and shows a refused publish as the backend words it", async () => {
    mockApi();
    vi.spyOn(api, "checkPublish").mockResolvedValue({ ...passed, firstPublish: true, changes: [] });
    vi.spyOn(api, "publish").mockRejectedValue(new ApiError("invalid", "publish sales to Airflow at http://127.0.0.1:8080: Airflow lists an import error"));
    await show(props());
    await act(async () => $("publish-check")!.click());
    expect($("first-publish")!.textContent).toContain("smallfry__analyst__sales");
    await act(async () => $("publish-confirm")!.click());
    expect(step()).toBe("checked");
    expect($("publish-error")!.textContent).toBe("publish sales to Airflow at http://127.0.0.1:8080: Airflow lists an import error");
  });

  it("an edit after the check takes Publish away until it is checked again", async () => {
    mockApi();
    vi.spyOn(api, "checkPublish").mockResolvedValue(passed);
    await show(props());
    await act(async () => $("publish-check")!.click());
    expect($("publish-confirm")).not.toBeNull();
    type($("publish-params")!, "year=1999");
    expect(step()).toBe("edit");
    expect($("publish-confirm")).toBeNull();
  });

  it("shows a check that could not run (Airflow unreachable) as the backend words it", async () => {
    mockApi();
    vi.spyOn(api, "checkPublish").mockRejectedValue(new ApiError("internal", "Airflow at http://127.0.0.1:8080 is unreachable"));
    await show(props());
    await act(async () => $("publish-check")!.click());
    expect(step()).toBe("edit");
    expect($("publish-error")!.textContent).toBe("Airflow at http://127.0.0.1:8080 is unreachable");
  });

  it("republishes from the published schedule, zone, values and emails", async () => {
    mockApi();
    const published: PublishState = {
      path: "sales.ipynb",
      published: true,
      cron: "30 6 * * 1",
      timezone: "America/New_York",
      params: { year: "1998" },
      email: ["a@example.com"],
      webhook: true,
      paused: false,
    };
    await show(props({ form: undefined, published }));
    expect(($("preset-weekly") as HTMLInputElement).checked).toBe(true);
    expect(($("weekly-time") as HTMLInputElement).value).toBe("06:30");
    expect(($("weekly-day") as HTMLSelectElement).value).toBe("1");
    expect(($("publish-timezone") as HTMLInputElement).value).toBe("America/New_York");
    expect(($("publish-params") as HTMLTextAreaElement).value).toBe("year=1998\ncategory=tv");
    expect(($("publish-email") as HTMLInputElement).value).toBe("a@example.com");
    expect($("publish-webhook-kept")).not.toBeNull(); // Airflow keeps the URL: say that it must be typed again
    expect($("publish-check")!.textContent).toBe("Check");
  });

  it("starts in the browser's time zone", () => {
    expect(initialForm([]).timezone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });
});
