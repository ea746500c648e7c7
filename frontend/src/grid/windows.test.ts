// @vitest-environment node
import { tableFromArrays } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { WindowCache, type WindowQuery } from "./windows";

// A fake backend over rows 0..total-1 whose column n holds the row number
// (negated when sorted descending), answering only when the test says so.
function fakeBackend(total: number) {
  const calls: { offset: number; limit: number; query: WindowQuery; resolve(): void; reject(e: Error): void }[] = [];
  const fetch = (offset: number, limit: number, query: WindowQuery) =>
    new Promise<{ total: number; table: ReturnType<typeof tableFromArrays> }>((resolve, reject) => {
      const n = Math.max(0, Math.min(limit, total - offset));
      const desc = query.sort?.[0]?.desc ?? false;
      const values = Int32Array.from({ length: n }, (_, i) => (desc ? -(offset + i) : offset + i));
      calls.push({
        offset,
        limit,
        query,
        resolve: () => resolve({ total, table: tableFromArrays({ n: values, s: values.map((v) => v * 2) }) }),
        reject,
      });
    });
  const answer = async (offset?: number) => {
    const i = offset === undefined ? 0 : calls.findIndex((c) => c.offset === offset);
    if (i < 0) throw new Error(`no pending fetch at offset ${offset}`);
    calls.splice(i, 1)[0].resolve();
    await new Promise((r) => setTimeout(r, 0));
  };
  const answerAll = async () => {
    while (calls.length) await answer();
  };
  return { calls, fetch, answer, answerAll };
}

describe("WindowCache", () => {
  it("fetches aligned pages for the visible rows, then one page on each side", async () => {
    const b = fakeBackend(10_000);
    const cache = new WindowCache({ fetch: b.fetch, pageSize: 100, concurrency: 8 });
    cache.want(250, 420);
    expect(b.calls.map((c) => [c.offset, c.limit])).toEqual([
      [200, 100],
      [300, 100],
      [400, 100],
      [500, 100],
      [100, 100],
    ]);
  });

  it("returns undefined while loading, then the values, with null for NULL", async () => {
    const b = fakeBackend(1_000);
    const cache = new WindowCache({ fetch: b.fetch, pageSize: 100 });
    cache.want(120, 130);
    expect(cache.cell(125, 0)).toBeUndefined();
    expect(cache.loaded(120, 130)).toBe(false);
    await b.answer(100);
    expect(cache.cell(125, 0)).toBe(125);
    expect(cache.cell(125, 1)).toBe(250);
    expect(cache.cell(125, 7)).toBeUndefined(); // no such column
    expect(cache.loaded(120, 130)).toBe(true);
    expect(cache.schema?.fields.map((f) => f.name)).toEqual(["n", "s"]);
  });

  it("reports the total from the first answer and never asks past it", async () => {
    const b = fakeBackend(250);
    const totals: number[] = [];
    const cache = new WindowCache({ fetch: b.fetch, pageSize: 100, concurrency: 8, onTotal: (t) => totals.push(t) });
    cache.want(0, 50);
    expect(b.calls.map((c) => c.offset)).toEqual([0, 100]);
    await b.answerAll();
    expect(totals).toEqual([250]);
    expect(cache.total).toBe(250);
    cache.want(200, 260);
    expect(b.calls.map((c) => c.offset)).toEqual([200]); // page 3 (row 300) does not exist
    await b.answerAll();
    expect(cache.cell(249, 0)).toBe(249);
    expect(cache.cell(250, 0)).toBeUndefined();
    expect(cache.loaded(200, 10_000)).toBe(true);
  });

  it("fetches a page once however often it is wanted", async () => {
    const b = fakeBackend(10_000);
    const cache = new WindowCache({ fetch: b.fetch, pageSize: 100, concurrency: 8 });
    cache.want(0, 10);
    cache.want(5, 15);
    cache.want(0, 99);
    expect(b.calls.map((c) => c.offset)).toEqual([0, 100]);
    const reading = cache.read(0, 50); // copy shares the fetch on its way
    expect(b.calls.map((c) => c.offset)).toEqual([0, 100]);
    await b.answerAll();
    const get = await reading;
    expect(get(49, 0)).toBe(49);
    cache.want(0, 10);
    expect(b.calls).toHaveLength(0);
  });

  it("fetches at most `concurrency` pages and forgets wishes that scrolled away", async () => {
    const b = fakeBackend(10_000_000);
    const cache = new WindowCache({ fetch: b.fetch, pageSize: 500, concurrency: 2 });
    cache.want(0, 30);
    expect(b.calls.map((c) => c.offset)).toEqual([0, 500]);
    // A drag of the scroll bar passes many positions before the fetches answer.
    for (const row of [100_000, 2_000_000, 5_000_000, 9_000_000]) cache.want(row, row + 30);
    expect(b.calls.map((c) => c.offset)).toEqual([0, 500]);
    await b.answer(0);
    expect(b.calls.map((c) => c.offset)).toEqual([500, 9_000_000]);
    await b.answerAll();
    expect(cache.cell(9_000_010, 0)).toBe(9_000_010);
    expect(cache.cachedPages()).toEqual([0, 1, 18_000, 18_001, 17_999]);
    expect(cache.cachedPages()).not.toContain(200); // row 100,000 was never fetched
  });

  it("evicts the least recently shown pages beyond maxPages", async () => {
    const b = fakeBackend(100_000);
    const cache = new WindowCache({ fetch: b.fetch, pageSize: 100, maxPages: 4, concurrency: 1 });
    for (const p of [0, 10, 20]) {
      cache.want(p * 100, p * 100 + 10); // wants page p, then p+1 (and p-1)
      await b.answerAll();
    }
    // Pages 0..1 and 10..11 came first; showing page 0 again makes it recent.
    cache.want(0, 10);
    await b.answerAll();
    cache.want(3000, 3010);
    await b.answerAll();
    const held = cache.cachedPages();
    expect(held).toHaveLength(4);
    expect(held).toEqual(expect.arrayContaining([30, 31, 29]));
    expect(held).not.toContain(10);
    expect(cache.cell(1005, 0)).toBeUndefined(); // evicted: loading again when shown
  });

  it("drops answers of the old query after a sort change", async () => {
    const b = fakeBackend(1_000);
    const pages: [number, number][] = [];
    const cache = new WindowCache({ fetch: b.fetch, pageSize: 100, onPage: (f, e) => pages.push([f, e]) });
    cache.want(0, 10);
    await b.answer(0);
    expect(cache.cell(5, 0)).toBe(5);
    cache.want(300, 310); // page 3 on its way, unsorted
    cache.setQuery({ sort: [{ column: "n", desc: true }] });
    expect(cache.cell(5, 0)).toBeUndefined();
    expect(cache.total).toBeUndefined();
    await b.answer(300); // the stale answer arrives late
    expect(cache.cell(305, 0)).toBeUndefined();
    cache.want(300, 310);
    const sorted = b.calls.find((c) => c.offset === 300)!;
    expect(sorted.query.sort).toEqual([{ column: "n", desc: true }]);
    await b.answer(300);
    expect(cache.cell(305, 0)).toBe(-305);
    expect(pages).toEqual([
      [0, 100],
      [300, 400],
    ]);
  });

  it("reports a failed page and asks for it again only after a pause", async () => {
    const b = fakeBackend(1_000);
    const errors: unknown[] = [];
    let now = 0;
    const cache = new WindowCache({ fetch: b.fetch, pageSize: 100, concurrency: 1, onError: (e) => errors.push(e), now: () => now, retryAfterMs: 1000 });
    cache.want(0, 10);
    b.calls.shift()!.reject(new Error("backend gone"));
    await new Promise((r) => setTimeout(r, 0));
    expect(errors.map(String)).toEqual(["Error: backend gone"]);
    expect(b.calls.map((c) => c.offset)).toEqual([100]); // the next wanted page goes ahead
    await b.answerAll();
    cache.want(0, 10);
    expect(b.calls).toHaveLength(0);
    now = 1500;
    cache.want(0, 10);
    expect(b.calls.map((c) => c.offset)).toEqual([0]);
  });

  it("reads a range across pages for copying, fetching only what is missing", async () => {
    const b = fakeBackend(1_000);
    const cache = new WindowCache({ fetch: b.fetch, pageSize: 100 });
    cache.want(0, 10);
    await b.answerAll();
    const reading = cache.read(50, 450);
    await new Promise((r) => setTimeout(r, 0));
    expect(b.calls.map((c) => c.offset).sort((x, y) => x - y)).toEqual([200, 300, 400]);
    await b.answerAll();
    const get = await reading;
    expect([get(50, 0), get(199, 1), get(449, 0)]).toEqual([50, 398, 449]);
  });

  it("rejects a read when the query changes meanwhile", async () => {
    const b = fakeBackend(1_000);
    const cache = new WindowCache({ fetch: b.fetch, pageSize: 100 });
    const reading = cache.read(0, 300);
    cache.setQuery({ filters: [{ column: "n", op: ">", value: 5 }] });
    const rejected = expect(reading).rejects.toThrow(/sort or filter changed/);
    await b.answerAll();
    await rejected;
  });
});
