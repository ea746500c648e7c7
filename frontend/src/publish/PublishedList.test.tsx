import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PublishState } from "../api";
import { PublishedList, PublishedMarks } from "./PublishedList";

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
});

const $ = (id: string) => host.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const daily: PublishState = { path: "sales.ipynb", published: true, label: "daily 03:00", cron: "0 3 * * *", paused: false, nextRun: "2026-06-03T03:00:00Z" };
const broken: PublishState = {
  path: "events.ipynb",
  published: true,
  label: "hourly",
  cron: "0 * * * *",
  paused: false,
  lastState: "failed",
  lastRunAt: "2026-06-02T21:00:00Z",
};

describe("PublishedMarks", () => {
  it("marks a published notebook scheduled, and flags a failed last run", () => {
    act(() => root.render(<PublishedMarks state={daily} />));
    expect($("scheduled-mark")!.textContent).toBe("scheduled");
    expect($("scheduled-failed")).toBeNull();
    act(() => root.render(<PublishedMarks state={broken} />));
    expect($("scheduled-failed")!.textContent).toBe("failed");
    act(() => root.render(<PublishedMarks state={{ ...daily, paused: true }} />));
    expect($("scheduled-mark")!.textContent).toBe("paused");
    act(() => root.render(<PublishedMarks state={{ ...daily, problem: "Airflow is unreachable" }} />));
    expect($("scheduled-problem")!.title).toBe("Airflow is unreachable");
  });
  it("marks nothing else", () => {
    act(() => root.render(<PublishedMarks state={undefined} />));
    expect(host.textContent).toBe("");
    act(() => root.render(<PublishedMarks state={{ path: "x.ipynb", published: false, paused: false }} />));
    expect(host.textContent).toBe("");
  });
});

describe("PublishedList", () => {
  it("lists every published notebook with its state, and opens one", () => {
    const onOpen = vi.fn();
    act(() => root.render(<PublishedList notebooks={[broken, daily]} onOpen={onOpen} />));
    const items = [...host.querySelectorAll<HTMLElement>('[data-testid="published-item"]')];
    expect(items.map((i) => [i.dataset.path, i.dataset.tone])).toEqual([
      ["events.ipynb", "failed"],
      ["sales.ipynb", "ok"],
    ]);
    expect(items[0].textContent).toBe("eventshourlylast run failed 1 h ago");
    expect(items[1].textContent).toBe("salesdaily 03:00 · next run in 5 h");
    act(() => items[1].click());
    expect(onOpen).toHaveBeenCalledWith("sales.ipynb");
  });
  it("says when nothing is published, and while it loads", () => {
    act(() => root.render(<PublishedList notebooks={[]} onOpen={vi.fn()} />));
    expect($("published-panel")!.textContent).toMatch(/No notebook is published yet/);
    act(() => root.render(<PublishedList notebooks={undefined} onOpen={vi.fn()} />));
    expect($("published-panel")!.textContent).toBe("Loading…");
  });
});
