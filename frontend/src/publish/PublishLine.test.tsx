import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, ApiError, type PublishState, type RunRecord } from "../api";
import { PublishLine, type PublishLineProps } from "./PublishLine";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let host: HTMLElement;
let root: Root;
beforeEach(() => {
  host = document.body.appendChild(document.createElement("div"));
  root = createRoot(host);
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date("2026-06-02T22:00:00Z"));
});
afterEach(() => {
  act(() => root.unmount());
  host.remove();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const $ = (id: string) => host.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const st: PublishState = {
  path: "sales.ipynb",
  published: true,
  dagId: "smallfry__analyst__sales",
  cron: "0 3 * * *",
  label: "daily 03:00",
  sentence: "every day at 03:00 UTC",
  paused: false,
  nextRun: "2026-06-03T03:00:00Z",
};

function props(more: Partial<PublishLineProps> = {}): PublishLineProps {
  return { path: "sales.ipynb", state: st, onState: vi.fn(), onRepublish: vi.fn(), onRan: vi.fn(), onRefresh: vi.fn(), ...more };
}
async function show(p: PublishLineProps) {
  await act(async () => root.render(<PublishLine {...p} />));
}

describe("PublishLine", () => {
  it("reads Published · daily 03:00 · next run in 5 h", async () => {
    await show(props());
    expect($("published-text")!.textContent).toBe("Published · daily 03:00 · next run in 5 h");
    expect($("published-line")!.dataset.tone).toBe("ok");
    expect($("pause-schedule")!.textContent).toBe("Pause");
  });

  it("says paused, and offers Resume", async () => {
    const p = props({ state: { ...st, paused: true } });
    const resumed = { ...st, paused: false };
    const set = vi.spyOn(api, "setPublishedPaused").mockResolvedValue(resumed);
    await show(p);
    expect($("published-text")!.textContent).toBe("Published · daily 03:00 · paused");
    await act(async () => $("pause-schedule")!.click());
    expect(set).toHaveBeenCalledWith("sales.ipynb", false);
    expect(p.onState).toHaveBeenCalledWith(resumed);
  });

  it("flags a failed last run in red, and shows a problem", async () => {
    await show(props({ state: { ...st, lastState: "failed", lastRunAt: "2026-06-02T21:00:00Z" } }));
    expect($("published-line")!.dataset.tone).toBe("failed");
    expect($("published-last")!.textContent).toBe("last run failed 1 h ago");
    expect($("published-last")!.className).toContain("failed");
    await show(props({ state: { ...st, problem: "Airflow at http://127.0.0.1:8080 is unreachable" } }));
    expect($("published-text")!.textContent).toBe("Published · daily 03:00 · Airflow at http://127.0.0.1:8080 is unreachable");
    expect($("published-line")!.dataset.tone).toBe("problem");
  });

  it("runs now: the history reloads and the state is read again", async () => {
    const rec = { id: "scheduled:d/manual__1", scheduled: { dagId: "d", runId: "manual__1", try: 1, hasOutput: false } } as RunRecord;
    const runNow = vi.spyOn(api, "runNow").mockResolvedValue(rec);
    const p = props();
    await show(p);
    await act(async () => $("run-now")!.click());
    expect(runNow).toHaveBeenCalledWith("sales.ipynb");
    expect(p.onRan).toHaveBeenCalled();
    expect(p.onRefresh).toHaveBeenCalled();
    expect($("published-note")!.textContent).toContain("manual__1");
  });

  it("unpublishes only after an in-app confirmation", async () => {
    const off: PublishState = { path: "sales.ipynb", published: false, paused: false };
    const unpublish = vi.spyOn(api, "unpublish").mockResolvedValue(off);
    const p = props();
    await show(p);
    act(() => $("unpublish")!.click());
    expect(unpublish).not.toHaveBeenCalled();
    act(() => $("unpublish-no")!.click());
    expect($("unpublish-confirm")).toBeNull();
    act(() => $("unpublish")!.click());
    await act(async () => $("unpublish-yes")!.click());
    expect(unpublish).toHaveBeenCalledWith("sales.ipynb");
    expect(p.onState).toHaveBeenCalledWith(off);
  });

  it("shows a failed action as the backend words it", async () => {
    vi.spyOn(api, "runNow").mockRejectedValue(new ApiError("internal", "run sales.ipynb now: Airflow answered 403 Forbidden"));
    const p = props();
    await show(p);
    await act(async () => $("run-now")!.click());
    expect($("published-error")!.textContent).toBe("run sales.ipynb now: Airflow answered 403 Forbidden");
    expect(p.onRan).not.toHaveBeenCalled();
  });

  it("opens the dialog to republish", async () => {
    const p = props();
    await show(p);
    act(() => $("republish")!.click());
    expect(p.onRepublish).toHaveBeenCalled();
  });
});
