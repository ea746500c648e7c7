import { describe, expect, it } from "vitest";
import type { Info } from "../api";
import { confirmGuess, firstGuess, remember, TOUR } from "./firstnotebook";

function store(init?: string) {
  const m = new Map<string, string>();
  if (init !== undefined) m.set("smallfry.lastNotebook", init);
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
}

function info(workspaceDir: string, ...paths: string[]): Info {
  return { version: "dev", workspaceDir, folders: [], notebooks: paths.map((path) => ({ path, name: path, modified: "", bytes: 0 })) } as unknown as Info;
}

describe("the first notebook", () => {
  it("is the address's, then the last one open in the last workspace, then the tour", () => {
    const s = store();
    expect(firstGuess("#nb=a%2Fb.ipynb", s)).toEqual({ path: "a/b.ipynb", fromAddress: true });
    expect(firstGuess("", s)).toEqual({ path: TOUR, fromAddress: false });
    remember("/ws1", "sales.ipynb", s);
    remember("/ws2", "x/y.ipynb", s);
    expect(firstGuess("", s).path).toBe("x/y.ipynb");
    remember("/ws1", "sales.ipynb", s);
    expect(firstGuess("", s).path).toBe("sales.ipynb");
  });

  it("is confirmed, or replaced, by the workspace's list", () => {
    const s = store();
    remember("/ws1", "sales.ipynb", s);
    expect(confirmGuess("sales.ipynb", info("/ws1", "sales.ipynb", TOUR), s)).toBeUndefined();
    // Deleted since: the tour, else the first notebook, else nothing.
    expect(confirmGuess("sales.ipynb", info("/ws1", TOUR, "a.ipynb"), s)).toBe(TOUR);
    expect(confirmGuess("sales.ipynb", info("/ws1", "a.ipynb"), s)).toBe("a.ipynb");
    expect(confirmGuess("sales.ipynb", info("/ws1"), s)).toBe("");
    // Another workspace that happens to have a sales.ipynb: its own choice.
    expect(confirmGuess("sales.ipynb", info("/ws3", "sales.ipynb", TOUR), s)).toBe(TOUR);
    remember("/ws3", "sales.ipynb", s);
    remember("/ws1", "sales.ipynb", s);
    expect(confirmGuess("sales.ipynb", info("/ws3", "sales.ipynb", TOUR), s)).toBeUndefined();
  });

  it("survives junk in storage", () => {
    for (const junk of ["{", "null", "[]", '{"workspace":3}', '{"workspace":"/w","open":null}']) {
      const s = store(junk);
      expect(firstGuess("", s).path).toBe(TOUR);
      expect(confirmGuess(TOUR, info("/w", TOUR), s)).toBeUndefined();
    }
    const refusing = { getItem: () => null, setItem: () => { throw new Error("QuotaExceededError"); } };
    expect(() => remember("/w", "a.ipynb", refusing)).not.toThrow();
  });
});
