// The calls the first screen needs (the first notebook, Info, the account,
// the notebook's runs) are sent by main.tsx before React's first render,
// all at once, instead of each by its component after the render before.
// The component that would have sent one takes its answer, once: at once
// when it has come (ready), else its promise (take). docs/architecture.md,
// "Start-up".

interface Entry {
  answer: Promise<unknown>;
  came?: { value: unknown };
}

const calls = new Map<string, Entry>();

/** Sends call now, for the component that asks for key later; its promise is returned too. */
export function early<T>(key: string, call: () => Promise<T>): Promise<T> {
  const answer = call();
  const entry: Entry = { answer };
  // A failure is the taker's to report, not an unhandled rejection.
  answer.then(
    (value) => (entry.came = { value }),
    () => undefined,
  );
  calls.set(key, entry);
  return answer;
}

/** The early answer for key if it has come (it is then used up), else undefined. */
export function ready<T>(key: string): T | undefined {
  const entry = calls.get(key);
  if (!entry?.came) return undefined;
  calls.delete(key);
  return entry.came.value as T;
}

/** The early call for key (used up), else a new call. */
export function take<T>(key: string, call: () => Promise<T>): Promise<T> {
  const entry = calls.get(key);
  calls.delete(key);
  return entry ? (entry.answer as Promise<T>) : call();
}

/**
 * Drops the early calls not taken: the app calls it once its first screen
 * has taken what it shows, so that a later view asks afresh.
 */
export function forgetEarly() {
  calls.clear();
}

/**
 * Settles when every promise has settled, or after ms, whichever is first;
 * never rejects. The first render waits so for what the first screen shows
 * (main.tsx), so that the window paints it once, whole, instead of an empty
 * shell that is laid out and painted again as each part comes.
 */
export function settledWithin(ms: number, ...waits: Promise<unknown>[]): Promise<void> {
  return new Promise<void>((done) => {
    const t = setTimeout(done, ms);
    void Promise.allSettled(waits).then(() => {
      clearTimeout(t);
      done();
    });
  });
}

/** Keys of the early calls. */
export const earlyKey = {
  open: (path: string) => `open:${path}`,
  info: "info",
  account: "account",
  runs: (path: string) => `runs:${path}`,
  published: "published",
};
