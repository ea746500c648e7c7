import { describe, expect, it } from "vitest";
import { joinText, shown, stripAnsi } from "./jupyter";

describe("shown", () => {
  it("shows streams, keeping stderr apart", () => {
    expect(shown([{ output_type: "stream", name: "stdout", text: ["a\n", "b\n"] }, { output_type: "stream", name: "stderr", text: "warn\n" }])).toEqual([
      { kind: "text", text: "a\nb\n", stream: "stdout" },
      { kind: "text", text: "warn\n", stream: "stderr" },
    ]);
  });
  it("prefers an image to text", () => {
    const got = shown([{ output_type: "display_data", data: { "image/png": "iVBORw0K\nGgo=", "text/plain": "<Figure>" }, metadata: {} }]);
    expect(got).toEqual([{ kind: "image", src: "data:image/png;base64,iVBORw0KGgo=", alt: "<Figure>" }]);
  });
  it("sanitizes HTML: no script, no handlers", () => {
    const got = shown([{ output_type: "execute_result", execution_count: 1, data: { "text/html": '<table><tr><td onclick="x()">1</td></tr></table><script>alert(1)</script><img src=x onerror="alert(2)">' } }]);
    expect(got).toHaveLength(1);
    const html = (got[0] as { html: string }).html;
    expect(html).toContain("<td>1</td>");
    expect(html).not.toMatch(/script|onclick|onerror/);
  });
  it("puts SVG in an image, where its scripts cannot run", () => {
    const got = shown([{ output_type: "display_data", data: { "image/svg+xml": "<svg><script>alert(1)</script></svg>" } }]);
    expect(got[0].kind).toBe("image");
  });
  it("shows errors with a plain-text traceback", () => {
    const got = shown([{ output_type: "error", ename: "ValueError", evalue: "bad", traceback: ["\x1b[31mValueError\x1b[39m: bad"] }]);
    expect(got).toEqual([{ kind: "error", ename: "ValueError", evalue: "bad", traceback: "ValueError: bad\n" }]);
  });
  it("skips what it does not know", () => {
    expect(shown([{ output_type: "mystery" }, { output_type: "display_data", data: { "application/x-unknown": 1 } }])).toEqual([]);
  });
});

describe("helpers", () => {
  it("joins nbformat text", () => {
    expect(joinText(["a", "b"])).toBe("ab");
    expect(joinText("x")).toBe("x");
    expect(joinText(undefined)).toBe("");
  });
  it("strips ANSI colours", () => expect(stripAnsi("\x1b[1;31mred\x1b[0m")).toBe("red"));
});
