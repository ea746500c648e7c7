import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, ApiError, type RunRecord } from "../api";
import { formatStart } from "./format";
import { RunHistory } from "./RunHistory";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const base = { notebook: "sales.ipynb", parameters: {}, durationMs: 0, cells: [], reads: [], writes: [] };
const ok: RunRecord = {
  ...base,
  id: "run-ok",
  mode: "headless",
  parameters: { year: 1997, category: "tv" },
  status: "ok",
  startedAt: "2024-11-22T14:03:12Z",
  finishedAt: "2024-11-22T14:03:13.2Z",
  durationMs: 1200,
};
const failed: RunRecord = {
  ...base,
  id: "run-failed",
  mode: "interactive",
  status: "failed",
  error: "Catalog Error: Table with name fact_sale does not exist!\nDid you mean \"fact_sales\"?",
  startedAt: "2024-11-22T15:00:00Z",
  durationMs: 340,
};
const running: RunRecord = { ...base, id: "run-now", mode: "interactive", status: "running", startedAt: "2024-11-22T16:00:00Z" };
const canceled: RunRecord = { ...base, id: "run-canceled", mode: "headless", status: "canceled", startedAt: "2024-11-21T09:00:00Z", durationMs: 125_000 };

let host: HTMLElement;
let root: Root;
const onOpen = vi.fn();
beforeEach(() => {
  host = document.body.appendChild(document.createElement("div"));
  root = createRoot(host);
  onOpen.mockReset();
});
afterEach(() => {
  act(() => root.unmount());
  host.remove();
  vi.restoreAllMocks();
});

async function show(path: string, refreshKey = 0, pollMs?: number) {
  await act(async () => root.render(<RunHistory path={path} refreshKey={refreshKey} onOpen={onOpen} pollMs={pollMs} />));
}
const items = () => [...host.querySelectorAll<HTMLElement>('[data-testid="run-item"]')];
const text = (el: HTMLElement, cls: string) => el.querySelector(`.${cls}`)?.textContent;

describe("RunHistory", () => {
  it("lists a notebook's runs newest first with status and mode", async () => {
    const runs = vi.spyOn(api, "runs").mockResolvedValue([canceled, ok, running, failed]);
    await show("sales.ipynb");
    expect(runs).toHaveBeenCalledWith("sales.ipynb");
    expect(items().map((e) => [e.dataset.status, e.dataset.mode])).toEqual([
      ["running", "interactive"],
      ["failed", "interactive"],
      ["ok", "headless"],
      ["canceled", "headless"],
    ]);
    expect(items().map((e) => e.querySelector(".sf-runs-dot")!.getAttribute("aria-label"))).toEqual([
      "Running",
      "Failed",
      "Succeeded",
      "Canceled",
    ]);
  });

  it("shows start time, duration, parameters and the error's first line", async () => {
    // Only Date is faked ("today" is in 2024, so no year is shown); promises stay real.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date(2024, 10, 30));
    vi.spyOn(api, "runs").mockResolvedValue([canceled, ok, running, failed]);
    await show("sales.ipynb");
    vi.useRealTimers();
    const [now, bad, good, stopped] = items();
    expect(text(good, "sf-runs-when")).toBe(formatStart(ok.startedAt, new Date(2024, 10, 30)));
    expect(text(good, "sf-runs-when")).toMatch(/^2[23] Nov \d\d:\d\d:12$/);
    expect(text(good, "sf-runs-duration")).toBe("1.2 s");
    expect(text(good, "sf-runs-about")).toBe("headless · year=1997 · category=tv");
    expect(text(good, "sf-runs-error")).toBeUndefined();
    expect(text(bad, "sf-runs-duration")).toBe("340 ms");
    expect(text(bad, "sf-runs-about")).toBe("interactive");
    expect(text(bad, "sf-runs-error")).toBe("Catalog Error: Table with name fact_sale does not exist!");
    expect(text(now, "sf-runs-duration")).toBe("running…");
    expect(text(stopped, "sf-runs-duration")).toBe("2 min 5 s");
  });

  it("opens a run on click", async () => {
    vi.spyOn(api, "runs").mockResolvedValue([ok, failed]);
    await show("sales.ipynb");
    act(() => items()[1].click());
    expect(onOpen.mock.calls).toEqual([["run-ok", ok]]);
  });

  it("says No runs yet for a notebook never run", async () => {
    vi.spyOn(api, "runs").mockResolvedValue(null as unknown as RunRecord[]);
    await show("new.ipynb");
    expect(host.querySelector('[data-testid="history-panel"]')!.textContent).toBe("No runs yet");
  });

  it("reloads when refreshKey changes", async () => {
    const runs = vi.spyOn(api, "runs").mockResolvedValueOnce([ok]).mockResolvedValueOnce([ok, failed]);
    await show("sales.ipynb", 0);
    expect(items()).toHaveLength(1);
    await show("sales.ipynb", 1);
    expect(runs).toHaveBeenCalledTimes(2);
    expect(items().map((e) => e.dataset.status)).toEqual(["failed", "ok"]);
  });

  it("never shows another notebook's runs, even when answers cross", async () => {
    let answerSales!: (r: RunRecord[]) => void;
    vi.spyOn(api, "runs").mockImplementation((path) =>
      path === "sales.ipynb" ? new Promise((resolve) => (answerSales = resolve)) : Promise.resolve([failed]),
    );
    await show("sales.ipynb");
    expect(host.textContent).toBe("Loading runs…");
    await show("other.ipynb");
    await act(async () => answerSales([ok]));
    expect(items().map((e) => e.dataset.status)).toEqual(["failed"]);
  });

  it("shows a failed load inline", async () => {
    vi.spyOn(api, "runs").mockRejectedValue(new ApiError("internal", "run history is unreadable: bad json"));
    await show("sales.ipynb");
    expect(host.querySelector('[role="alert"]')!.textContent).toBe("run history is unreadable: bad json");
    expect(items()).toEqual([]);
  });
});

describe("RunHistory with scheduled runs", () => {
  const scheduled = (id: string, state: string, status: RunRecord["status"], more: Partial<RunRecord> = {}): RunRecord => ({
    ...base,
    id: `scheduled:smallfry__analyst__sales/${id}`,
    mode: "scheduled",
    status,
    startedAt: "2024-11-22T17:00:00Z",
    scheduled: { dagId: "smallfry__analyst__sales", runId: id, try: 1, state, hasOutput: status !== "running" },
    ...more,
  });

  it("marks scheduled runs beside local ones, with their Airflow state", async () => {
    const done = scheduled("scheduled__2024-11-22T17:00:00+00:00", "success", "ok", { parameters: { year: 1998 }, durationMs: 5200 });
    const retried = scheduled("manual__1", "failed", "failed", {
      startedAt: "2024-11-22T16:30:00Z",
      error: "cell sales failed",
      scheduled: { dagId: "d", runId: "manual__1", try: 2, state: "failed", hasOutput: true },
    });
    vi.spyOn(api, "runs").mockResolvedValue([ok, done, retried]);
    await show("sales.ipynb");
    expect(items().map((e) => [e.dataset.mode, e.dataset.status, e.dataset.airflowState])).toEqual([
      ["scheduled", "ok", "success"],
      ["scheduled", "failed", "failed"],
      ["headless", "ok", undefined],
    ]);
    const [good, bad, local] = items();
    expect(good.querySelector('[data-testid="run-scheduled"]')!.textContent).toBe("scheduled");
    expect(text(good, "sf-runs-about")).toBe("Airflow: success · year=1998");
    expect(text(bad, "sf-runs-about")).toBe("Airflow: failed, try 2");
    expect(text(bad, "sf-runs-error")).toBe("cell sales failed");
    expect(local.querySelector('[data-testid="run-scheduled"]')).toBeNull();
    act(() => good.click());
    expect(onOpen).toHaveBeenCalledWith(done.id, done);
    // A run of a DAG since removed has no Airflow state: none is claimed.
    vi.spyOn(api, "runs").mockResolvedValue([scheduled("manual__0", "", "ok", { parameters: { year: 1998 } })]);
    await show("sales.ipynb", 1);
    expect(text(items()[0], "sf-runs-about")).toBe("year=1998");
  });

  it("reads the list again while a scheduled run is queued or running, and stops when it is done", async () => {
    const queued = scheduled("manual__2", "queued", "running");
    const running = scheduled("manual__2", "running", "running");
    const recorded = scheduled("manual__2", "running", "ok"); // the record is written, Airflow not done yet
    const finished = scheduled("manual__2", "success", "ok");
    const answers: ((r: RunRecord[]) => void)[] = [];
    vi.spyOn(api, "runs").mockImplementation(() => new Promise((ok) => answers.push(ok)));
    await show("sales.ipynb", 0, 20);
    await act(async () => answers[0]([queued]));
    expect(text(items()[0], "sf-runs-duration")).toBe("queued…");
    await expect.poll(() => answers.length).toBe(2);
    await act(async () => answers[1]([running]));
    expect(items()[0].dataset.airflowState).toBe("running");
    expect(text(items()[0], "sf-runs-duration")).toBe("running…");
    await expect.poll(() => answers.length).toBe(3);
    await act(async () => answers[2]([recorded]));
    expect(items()[0].dataset.status).toBe("ok");
    await expect.poll(() => answers.length).toBe(4);
    await act(async () => answers[3]([finished]));
    expect(items()[0].dataset.airflowState).toBe("success");
    await act(() => new Promise((ok) => setTimeout(ok, 100)));
    expect(answers.length).toBe(4); // nothing under way: no more reads
  });

  it("does not poll for local runs", async () => {
    const runs = vi.spyOn(api, "runs").mockResolvedValue([running]);
    await show("sales.ipynb", 0, 10);
    await act(() => new Promise((ok) => setTimeout(ok, 60)));
    expect(runs).toHaveBeenCalledTimes(1);
  });
});
