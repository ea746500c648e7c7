// Python cells' outputs, as the kernel gave them (nbformat v4), turned into
// what the cell shows. Outputs come from notebooks people pass around, so
// HTML is sanitized and nothing a kernel sends can run script in the app.
import DOMPurify from "dompurify";

export type Shown =
  | { kind: "text"; text: string; stream?: "stdout" | "stderr" }
  | { kind: "image"; src: string; alt: string }
  | { kind: "html"; html: string }
  | { kind: "error"; ename: string; evalue: string; traceback: string };

/** nbformat stores multi-line strings as a string or a list of lines. */
export function joinText(v: unknown): string {
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v.map(String).join("");
  return "";
}

// ANSI colour codes of IPython tracebacks; the UI shows plain text.
const ansi = /\x1b\[[0-9;]*[A-Za-z]/g;
export function stripAnsi(s: string): string {
  return s.replace(ansi, "");
}

const imageTypes = ["image/png", "image/jpeg", "image/gif"] as const;

export function sanitizeHTML(html: string): string {
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS: ["style", "form"], FORBID_ATTR: ["style"] });
}

/** What to show for each output, richest safe MIME type first. */
export function shown(outputs: unknown[]): Shown[] {
  const out: Shown[] = [];
  for (const raw of outputs) {
    const o = raw as Record<string, unknown>;
    switch (o.output_type) {
      case "stream":
        out.push({ kind: "text", text: joinText(o.text), stream: o.name === "stderr" ? "stderr" : "stdout" });
        break;
      case "error":
        out.push({
          kind: "error",
          ename: String(o.ename ?? ""),
          evalue: String(o.evalue ?? ""),
          traceback: stripAnsi(joinText(Array.isArray(o.traceback) ? o.traceback.map((l) => `${l}\n`) : "")),
        });
        break;
      case "display_data":
      case "execute_result": {
        const data = (o.data ?? {}) as Record<string, unknown>;
        const img = imageTypes.find((t) => typeof data[t] === "string" || Array.isArray(data[t]));
        if (img) {
          out.push({ kind: "image", src: `data:${img};base64,${joinText(data[img]).replace(/\s/g, "")}`, alt: joinText(data["text/plain"]) });
        } else if (data["image/svg+xml"] !== undefined) {
          // SVG can carry script: shown as an image, where it cannot run.
          out.push({ kind: "image", src: `data:image/svg+xml;base64,${btoa(unescape(encodeURIComponent(joinText(data["image/svg+xml"]))))}`, alt: "" });
        } else if (data["text/html"] !== undefined) {
          out.push({ kind: "html", html: sanitizeHTML(joinText(data["text/html"])) });
        } else if (data["text/plain"] !== undefined) {
          out.push({ kind: "text", text: joinText(data["text/plain"]) });
        }
        break;
      }
    }
  }
  return out;
}
