// Markdown cells to safe HTML. Notebooks are files people pass around, so
// their markdown is untrusted: whatever marked emits goes through DOMPurify.
import DOMPurify, { type DOMPurify as Purifier } from "dompurify";
import { marked } from "marked";

let purifier: Purifier | undefined;

// A private DOMPurify instance, so the link hook below applies to markdown
// only and not to anyone else sanitizing with the shared default.
function purify(): Purifier {
  if (purifier) return purifier;
  purifier = DOMPurify(window);
  purifier.addHook("afterSanitizeAttributes", (node) => {
    // Links leave the app rather than replacing it, and the opened page
    // gets no handle back on ours.
    if (node.tagName === "A" && node.hasAttribute("href")) {
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer");
    }
  });
  return purifier;
}

export function renderMarkdown(source: string): string {
  // No heading ids: many cells share one page, and equal headings would
  // repeat ids. No mangling: it hides mailto addresses behind entities.
  const html = marked.parse(source, { gfm: true, headerIds: false, mangle: false });
  return purify().sanitize(html, {
    USE_PROFILES: { html: true },
    // A <style> block or a style attribute could restyle or cover the
    // app around the cell; forms have nowhere sensible to submit.
    FORBID_TAGS: ["style", "form"],
    FORBID_ATTR: ["style"],
  });
}
