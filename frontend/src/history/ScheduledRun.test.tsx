import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, ApiError, type RunRecord } from "../api";
import { ScheduledRun } from "./ScheduledRun";

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
const run = (state: string, status: RunRecord["status"], hasOutput: boolean): RunRecord => ({
  id: "scheduled:smallfry__analyst__sales/manual__2026-06-02T22:00:00+00:00",
  notebook: "notebooks/sales.ipynb",
  mode: "scheduled",
  parameters: {},
  status,
  startedAt: "2026-06-02T22:00:00Z",
  durationMs: status === "running" ? 0 : 5000,
  cells: [],
  reads: [],
  writes: [],
  scheduled: { dagId: "smallfry__analyst__sales", runId: "manual__2026-06-02T22:00:00+00:00", try: 1, state, hasOutput },
});
const output = (r: RunRecord) => <p data-testid="fake-output">output of {r.id}</p>;

describe("ScheduledRun", () => {
  it("opens a finished run on its output notebook, with the task log a tab away", async () => {
    const log = vi.spyOn(api, "scheduledLog").mockResolvedValue("[2026-06-02 22:00:01] INFO - smallfry run: 5 cells ok\n");
    await act(async () => root.render(<ScheduledRun path="sales.ipynb" run={run("success", "ok", true)} output={output} />));
    expect($("scheduled-state")!.textContent).toBe("success");
    expect($("fake-output")!.textContent).toContain("manual__2026");
    expect(log).not.toHaveBeenCalled();
    await act(async () => $("task-log-tab")!.click());
    expect(log).toHaveBeenCalledWith("sales.ipynb", "manual__2026-06-02T22:00:00+00:00");
    expect($("task-log-text")!.textContent).toContain("5 cells ok");
    expect($("fake-output")).toBeNull();
  });

  it("shows a run without output on its task log, and follows it until the output is there", async () => {
    const log = vi.spyOn(api, "scheduledLog").mockResolvedValueOnce("").mockResolvedValue("running the notebook…");
    const runs = vi
      .spyOn(api, "runs")
      .mockResolvedValueOnce([run("running", "running", false)])
      .mockResolvedValue([run("success", "ok", true)]);
    await act(async () => root.render(<ScheduledRun path="sales.ipynb" run={run("queued", "running", false)} output={output} pollMs={20} />));
    expect(($("scheduled-output-tab") as HTMLButtonElement).disabled).toBe(true);
    expect($("task-log-text")!.textContent).toBe("(the log is empty so far)");
    await expect.poll(() => $("scheduled-state")!.textContent).toBe("success");
    expect(runs).toHaveBeenCalledWith("sales.ipynb");
    expect(log.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(($("scheduled-output-tab") as HTMLButtonElement).disabled).toBe(false);
    await act(async () => $("scheduled-output-tab")!.click());
    expect($("fake-output")).not.toBeNull();
  });

  it("shows why the log cannot be read", async () => {
    vi.spyOn(api, "scheduledLog").mockRejectedValue(new ApiError("not_found", "Airflow has no task instance run_notebook in manual__1"));
    await act(async () => root.render(<ScheduledRun path="sales.ipynb" run={run("failed", "failed", false)} output={output} />));
    expect($("task-log-error")!.textContent).toBe("Airflow has no task instance run_notebook in manual__1");
  });
});
