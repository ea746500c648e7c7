// The grid's row cache: a result of any size is read in aligned pages as the
// user scrolls. Only the pages the grid is showing (and one on each side)
// are asked for, at most `concurrency` at a time; when the user drags the
// scroll bar across millions of rows, pages that scrolled out of view
// before their turn are never fetched. Kept free of React and of the
// backend so it can be tested with a fake fetch.
import type { Schema, Table, Vector } from "apache-arrow";
import type { Filter, SortKey } from "../api";

export interface WindowQuery {
  sort?: SortKey[];
  filters?: Filter[];
}

/** Reads rows [offset, offset+limit) of the result, sorted and filtered by query. */
export type FetchWindow = (offset: number, limit: number, query: WindowQuery) => Promise<{ total: number; table: Table }>;

export interface WindowCacheOptions {
  fetch: FetchWindow;
  pageSize?: number;
  /** Pages kept; the least recently shown go first. */
  maxPages?: number;
  /** Pages fetched at once by scrolling. */
  concurrency?: number;
  /** A page of the current query arrived: rows [first, end) can be painted. */
  onPage?(first: number, end: number): void;
  /** The row count of the current query, from its first answer or a later one that differs. */
  onTotal?(total: number): void;
  onError?(err: unknown): void;
  /** When a failed page may be asked for again. */
  retryAfterMs?: number;
  now?(): number;
}

interface Page {
  offset: number;
  rows: number;
  columns: Vector[];
}

export class WindowCache {
  readonly pageSize: number;
  private readonly maxPages: number;
  private readonly concurrency: number;
  private readonly opts: WindowCacheOptions;
  private query: WindowQuery = {};
  private generation = 0;
  private pages = new Map<number, Page>(); // in least-recently-shown order
  private inFlight = new Map<number, Promise<Page | undefined>>();
  private failedAt = new Map<number, number>();
  private wanted: number[] = [];
  private known: number | undefined;
  /** The Arrow schema of the rows, once a page has arrived. */
  schema: Schema | undefined;

  constructor(opts: WindowCacheOptions) {
    this.opts = opts;
    this.pageSize = opts.pageSize ?? 500;
    this.maxPages = Math.max(opts.maxPages ?? 200, 4);
    this.concurrency = opts.concurrency ?? 2;
  }

  /** Rows in the current query's result; undefined until its first page answers. */
  get total(): number | undefined {
    return this.known;
  }

  /**
   * Starts over with a new sort or filter. Pages of the old query, cached or
   * still on their way, are dropped: a late answer must not paint old rows.
   */
  setQuery(query: WindowQuery): void {
    this.query = query;
    this.generation++;
    this.pages.clear();
    this.inFlight.clear();
    this.failedAt.clear();
    this.wanted = [];
    this.known = undefined;
  }

  /**
   * The grid shows rows [first, end): fetch what is missing there first, then
   * the pages just below and above, replacing any earlier wish not yet started.
   */
  want(first: number, end: number): void {
    if (end <= first) return;
    const lo = Math.floor(first / this.pageSize);
    const hi = Math.floor((end - 1) / this.pageSize);
    const order: number[] = [];
    for (let p = lo; p <= hi; p++) order.push(p);
    order.push(hi + 1);
    if (lo > 0) order.push(lo - 1);
    for (let p = hi; p >= lo; p--) this.touch(p); // the first visible page ends up newest
    this.wanted = order.filter((p) => this.inRange(p));
    this.pump();
  }

  /** A cell's value: undefined while its page is loading, null for SQL NULL. */
  cell(row: number, col: number): unknown {
    const page = this.pages.get(Math.floor(row / this.pageSize));
    if (!page) return undefined;
    const i = row - page.offset;
    if (i >= page.rows) return undefined;
    return page.columns[col]?.get(i);
  }

  /** Whether rows [first, end) are all loaded (rows past the total count as loaded). */
  loaded(first: number, end: number): boolean {
    if (this.known !== undefined) end = Math.min(end, this.known);
    for (let p = Math.floor(first / this.pageSize); p * this.pageSize < end; p++) {
      if (!this.pages.has(p)) return false;
    }
    return true;
  }

  /** Pages held, oldest first: for tests. */
  cachedPages(): number[] {
    return [...this.pages.keys()];
  }

  /** Pages being fetched for the current query: for tests. */
  pendingPages(): number[] {
    return [...this.inFlight.keys()];
  }

  /**
   * Reads rows [first, end), fetching what the cache lacks (for copying a
   * selection). The pages are held by the returned reader, so eviction while
   * fetching a long range loses nothing. Rejects if the query changes meanwhile.
   */
  async read(first: number, end: number): Promise<(row: number, col: number) => unknown> {
    const gen = this.generation;
    const got = new Map<number, Page>();
    const lo = Math.floor(first / this.pageSize);
    const hi = Math.floor((Math.max(end, first + 1) - 1) / this.pageSize);
    const todo: number[] = [];
    for (let p = lo; p <= hi; p++) todo.push(p);
    const worker = async () => {
      for (let p = todo.shift(); p !== undefined; p = todo.shift()) {
        const page = this.pages.get(p) ?? (await this.load(p, gen, false));
        if (gen !== this.generation) throw new Error("the sort or filter changed while reading rows");
        if (!page) throw new Error(`rows ${p * this.pageSize} to ${(p + 1) * this.pageSize} could not be read`);
        got.set(p, page);
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, todo.length) }, worker));
    return (row, col) => {
      const page = got.get(Math.floor(row / this.pageSize));
      const i = row - (page?.offset ?? 0);
      return page && i < page.rows ? (page.columns[col]?.get(i) ?? null) : undefined;
    };
  }

  private inRange(p: number): boolean {
    return p >= 0 && (this.known === undefined || p * this.pageSize < this.known);
  }

  private touch(p: number): void {
    const page = this.pages.get(p);
    if (page) {
      this.pages.delete(p);
      this.pages.set(p, page);
    }
  }

  private pump(): void {
    const now = this.opts.now?.() ?? Date.now();
    const retry = this.opts.retryAfterMs ?? 2000;
    for (const p of this.wanted) {
      if (this.inFlight.size >= this.concurrency) return;
      if (this.pages.has(p) || this.inFlight.has(p) || !this.inRange(p)) continue;
      const failed = this.failedAt.get(p);
      if (failed !== undefined && now - failed < retry) continue;
      void this.load(p, this.generation, true);
    }
  }

  // Fetches page p of generation gen, sharing a fetch already on its way.
  private load(p: number, gen: number, fromScroll: boolean): Promise<Page | undefined> {
    const pending = this.inFlight.get(p);
    if (pending) return pending;
    const offset = p * this.pageSize;
    const promise = this.opts.fetch(offset, this.pageSize, this.query).then(
      ({ total, table }) => {
        if (gen !== this.generation) return undefined;
        this.inFlight.delete(p);
        this.failedAt.delete(p);
        this.schema ??= table.schema;
        const page: Page = {
          offset,
          rows: table.numRows,
          columns: table.schema.fields.map((_, i) => table.getChildAt(i)!),
        };
        this.pages.set(p, page);
        this.evict();
        if (total !== this.known) {
          this.known = total;
          this.wanted = this.wanted.filter((q) => this.inRange(q));
          this.opts.onTotal?.(total);
        }
        if (page.rows > 0) this.opts.onPage?.(offset, offset + page.rows);
        this.pump();
        return page;
      },
      (err: unknown) => {
        if (gen !== this.generation) return undefined;
        this.inFlight.delete(p);
        this.failedAt.set(p, this.opts.now?.() ?? Date.now());
        this.pump();
        // Scrolling has nobody to hand the error to but onError; read() rejects.
        if (!fromScroll) throw err;
        this.opts.onError?.(err);
        return undefined;
      },
    );
    this.inFlight.set(p, promise);
    return promise;
  }

  private evict(): void {
    const keep = new Set(this.wanted);
    for (const p of this.pages.keys()) {
      if (this.pages.size <= this.maxPages) return;
      if (!keep.has(p)) this.pages.delete(p);
    }
  }
}
