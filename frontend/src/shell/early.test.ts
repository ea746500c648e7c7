import { afterEach, describe, expect, it, vi } from "vitest";
import { early, forgetEarly, ready, settledWithin, take } from "./early";

afterEach(() => forgetEarly());

describe("early calls", () => {
  it("hands an answer that has come to the first reader only", async () => {
    const answer = early("info", () => Promise.resolve({ version: "dev" }));
    expect(ready("info")).toBeUndefined(); // not come yet: a promise, not a value
    await answer;
    expect(ready("info")).toEqual({ version: "dev" });
    expect(ready("info")).toBeUndefined();
    const again = vi.fn(() => Promise.resolve({ version: "again" }));
    expect(await take("info", again)).toEqual({ version: "again" });
    expect(again).toHaveBeenCalledOnce();
  });

  it("hands the pending call to take, once, and a null answer as null", async () => {
    let answer!: (v: null) => void;
    early("runs:tour.ipynb", () => new Promise<null>((r) => (answer = r)));
    const fresh = vi.fn(() => Promise.resolve([]));
    const taken = take("runs:tour.ipynb", fresh);
    answer(null);
    expect(await taken).toBeNull();
    expect(fresh).not.toHaveBeenCalled();
    expect(await take("runs:tour.ipynb", fresh)).toEqual([]);
    expect(fresh).toHaveBeenCalledOnce();
  });

  it("keeps a failure for the taker, not an unhandled rejection", async () => {
    early("account", () => Promise.reject(new Error("down")));
    await Promise.resolve();
    expect(ready("account")).toBeUndefined();
    await expect(take("account", () => Promise.resolve("fresh"))).rejects.toThrow("down");
  });

  it("forgets the calls no one took", async () => {
    early("open:gone.ipynb", () => Promise.resolve("stale"));
    await Promise.resolve();
    forgetEarly();
    expect(ready("open:gone.ipynb")).toBeUndefined();
    expect(await take("open:gone.ipynb", () => Promise.resolve("fresh"))).toBe("fresh");
  });

  it("settles when all have, or at the deadline, and never rejects", async () => {
    vi.useFakeTimers();
    try {
      let done = false;
      void settledWithin(400, new Promise(() => undefined), Promise.reject(new Error("x"))).then(() => (done = true));
      await vi.advanceTimersByTimeAsync(399);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(done).toBe(true);
      let quick = false;
      void settledWithin(400, Promise.resolve(1), Promise.reject(new Error("y"))).then(() => (quick = true));
      await vi.advanceTimersByTimeAsync(0);
      expect(quick).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
