// Placeholder UI: proves the window, the embedded assets and one bound call work.
import { api, ApiError } from "./api";
import "./style.css";

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

async function render(root: HTMLElement) {
  const header = el("header");
  header.append(el("h1", "Smallfry"), el("span", "", "version"));
  const main = el("main");
  root.replaceChildren(header, main);

  try {
    const info = await api.info();
    header.querySelector(".version")!.textContent = info.version;
    main.append(el("p", "Workspace"), el("code", info.workspaceDir, "workspace"), el("h2", "Notebooks"));
    if (info.notebooks.length === 0) {
      main.append(el("p", "No notebooks yet.", "empty"));
    } else {
      const list = el("ul", undefined, "notebooks");
      list.append(...info.notebooks.map((name) => el("li", name)));
      main.append(list);
    }
  } catch (e) {
    const err = e instanceof ApiError ? e : new ApiError("internal", String(e));
    main.append(el("p", `${err.message} (${err.code})`, "error"));
  }
}

void render(document.getElementById("app")!);
