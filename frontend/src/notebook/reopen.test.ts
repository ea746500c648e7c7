import { describe, expect, it } from "vitest";
import { ApiError } from "../api";
import { isSessionGone, sessionCaller } from "./reopen";

const gone = (s: string) => new ApiError("not_found", `no open notebook with session "${s}" (it was closed or reopened elsewhere)`);

describe("sessionCaller", () => {
  it("reopens once on a gone session and makes the call again with the new one", async () => {
    let session = "old";
    let reopens = 0;
    const withSession = sessionCaller(
      () => session,
      async () => {
        reopens++;
        session = "new";
        return session;
      },
    );
    const calls: string[] = [];
    const call = async (s: string) => {
      calls.push(s);
      if (s === "old") throw gone(s);
      return `ran in ${s}`;
    };
    await expect(Promise.all([withSession(call), withSession(call)])).resolves.toEqual(["ran in new", "ran in new"]);
    expect(reopens).toBe(1);
    expect(calls).toEqual(["old", "old", "new", "new"]);
  });

  it("passes other errors on, and a second failure too", async () => {
    let reopens = 0;
    const withSession = sessionCaller(
      () => "s",
      async () => {
        reopens++;
        return "t";
      },
    );
    await expect(withSession(() => Promise.reject(new ApiError("invalid", "bad SQL")))).rejects.toThrow("bad SQL");
    expect(reopens).toBe(0);
    await expect(withSession((s) => Promise.reject(gone(s)))).rejects.toThrow('no open notebook with session "t"');
    expect(reopens).toBe(1);
  });

  it("tells a gone session from other not-found errors", () => {
    expect(isSessionGone(gone("x"))).toBe(true);
    expect(isSessionGone(new ApiError("not_found", "the notebook was closed"))).toBe(true);
    expect(isSessionGone(new ApiError("not_found", "no table sales"))).toBe(false);
    expect(isSessionGone(new Error("no open notebook with session"))).toBe(false);
  });
});
