import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, describe, expect, it } from "vitest";
import { Markdown } from "./Markdown";
import { renderMarkdown } from "./markdown";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

// The rendered HTML parsed back, to query it like the page would.
function rendered(source: string): HTMLElement {
  const div = document.createElement("div");
  div.innerHTML = renderMarkdown(source);
  return div;
}

describe("renderMarkdown", () => {
  it("renders headings without ids", () => {
    const h = rendered("# Sales by city\n\n## Notes").querySelectorAll("h1, h2");
    expect([...h].map((e) => [e.tagName, e.textContent, e.id])).toEqual([
      ["H1", "Sales by city", ""],
      ["H2", "Notes", ""],
    ]);
  });

  it("renders GFM tables", () => {
    const t = rendered("| city | sales |\n|---|--:|\n| Oslo | 12 |\n| Lima | 7 |").querySelector("table")!;
    expect([...t.querySelectorAll("th")].map((e) => e.textContent)).toEqual(["city", "sales"]);
    expect([...t.querySelectorAll("tbody tr")].map((r) => [...r.children].map((c) => c.textContent))).toEqual([
      ["Oslo", "12"],
      ["Lima", "7"],
    ]);
  });

  it("renders fenced and inline code", () => {
    const el = rendered("Run `SELECT 1`:\n\n```sql\nSELECT *\nFROM t\n```");
    const block = el.querySelector("pre > code")!;
    expect(block.className).toBe("language-sql");
    expect(block.textContent).toBe("SELECT *\nFROM t\n");
    expect(el.querySelector("p > code")!.textContent).toBe("SELECT 1");
  });

  it("strips scripts and event handlers", () => {
    const el = rendered('Hi <script>alert("x")</script>\n\n<img src="a.png" onerror="alert(1)"> <b onclick="alert(2)">b</b>');
    expect(el.querySelector("script")).toBeNull();
    expect(el.innerHTML).not.toContain("alert");
    expect(el.querySelector("img")!.getAttribute("src")).toBe("a.png");
    expect(el.querySelector("img")!.hasAttribute("onerror")).toBe(false);
    expect(el.querySelector("b")!.hasAttribute("onclick")).toBe(false);
  });

  it("drops javascript: links, styles and forms", () => {
    const el = rendered(
      '[x](javascript:alert(1)) <a href="javascript:alert(2)">y</a>\n\n<style>body{display:none}</style>\n\n<p style="position:fixed">z</p>\n\n<form action="/x"><input name="q"></form>',
    );
    expect([...el.querySelectorAll("a")].map((a) => a.getAttribute("href"))).toEqual([null, null]);
    expect(el.querySelector("style")).toBeNull();
    expect(el.querySelector("[style]")).toBeNull();
    expect(el.querySelector("form")).toBeNull();
  });

  it("opens links in a new window without an opener", () => {
    const a = rendered("See [the docs](https://duckdb.org/docs) or <https://example.com>.").querySelectorAll("a");
    expect([...a].map((e) => [e.getAttribute("href"), e.getAttribute("target"), e.getAttribute("rel")])).toEqual([
      ["https://duckdb.org/docs", "_blank", "noopener noreferrer"],
      ["https://example.com", "_blank", "noopener noreferrer"],
    ]);
  });
});

describe("<Markdown>", () => {
  let root: Root | undefined;
  let host: HTMLElement | undefined;
  afterEach(() => {
    act(() => root?.unmount());
    host?.remove();
  });

  it("renders the source and follows changes", () => {
    host = document.body.appendChild(document.createElement("div"));
    root = createRoot(host);
    act(() => root!.render(<Markdown source={"# One\n\n<img src=x onerror=alert(1)>"} />));
    expect(host.querySelector(".sf-md h1")!.textContent).toBe("One");
    expect(host.querySelector("img")!.hasAttribute("onerror")).toBe(false);
    act(() => root!.render(<Markdown source="*two*" />));
    expect(host.querySelector(".sf-md")!.innerHTML).toBe("<p><em>two</em></p>\n");
  });
});
