// A rendered markdown cell.
import { useMemo } from "react";
import { renderMarkdown } from "./markdown";
import "./markdown.css";

export function Markdown(props: { source: string }) {
  const html = useMemo(() => renderMarkdown(props.source), [props.source]);
  // Sanitized in renderMarkdown; React cannot render HTML any other way.
  return <div className="sf-md" dangerouslySetInnerHTML={{ __html: html }} />;
}
