// The sidebar's notebooks: a tree of notebooks/ and its folders, with
// new notebook and folder, and rename (or move, by naming another folder),
// duplicate and delete from each row's ⋯ menu. Every name is asked for in
// an in-app dialog.
import { useEffect, useMemo, useState, type ReactNode } from "react";
import { api, type Info, type NotebookEntry } from "../api";
import { ConfirmDialog, NameDialog } from "./Dialog";
import { buildTree, type FolderNode } from "./tree";
import "./shell.css";
import { useCommands } from "./commands";

export interface NotebookListProps {
  info?: Info;
  /** The open notebook's path (relative to notebooks/), if any. */
  active?: string;
  onOpen(path: string): void;
  /** The list changed on disk: read Info again. */
  onChanged(): Promise<void> | void;
  /** A notebook moved (renamed, or its folder did); the open one follows. */
  onMoved(from: string, to: string): void;
  /** Notebooks went to the trash (a folder's, or one). */
  onDeleted(paths: string[]): void;
  /** Marks drawn after a notebook's name (published, failing). */
  marks?(path: string): ReactNode;
}

type Dialog =
  | { kind: "new-notebook"; folder: string }
  | { kind: "new-folder"; folder: string }
  | { kind: "rename"; entry: NotebookEntry }
  | { kind: "duplicate"; entry: NotebookEntry }
  | { kind: "delete"; entry: NotebookEntry }
  | { kind: "rename-folder"; path: string }
  | { kind: "delete-folder"; path: string };

const stem = (path: string) => path.replace(/\.ipynb$/, "");
const withSlash = (folder: string) => (folder ? folder + "/" : "");

export function NotebookList(props: NotebookListProps) {
  const [dialog, setDialog] = useState<Dialog>();
  const [menu, setMenu] = useState<string>(); // the row whose ⋯ menu is open
  useCommands("notebooks", [
    { id: "new-notebook", group: "Workspace", title: "New notebook…", run: () => setDialog({ kind: "new-notebook", folder: "" }) },
    { id: "new-folder", group: "Workspace", title: "New folder…", run: () => setDialog({ kind: "new-folder", folder: "" }) },
  ]);
  // Where it opens: fixed to the ⋯ button, so the list's scrolling never clips it.
  const [menuAt, setMenuAt] = useState<{ top: number; left: number }>({ top: 0, left: 0 });
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const tree = useMemo(() => buildTree(props.info?.notebooks ?? [], props.info?.folders ?? []), [props.info]);
  useEffect(() => {
    if (!menu) return;
    const close = () => setMenu(undefined);
    window.addEventListener("click", close);
    return () => window.removeEventListener("click", close);
  }, [menu]);
  const notebooksIn = (folder: string) => (props.info?.notebooks ?? []).filter((n) => n.path.startsWith(folder + "/")).map((n) => n.path);

  const done = async () => {
    setDialog(undefined);
    await props.onChanged();
  };

  const row = (id: string, items: { label: string; testId: string; danger?: boolean; run(): void }[]) => (
    <>
      <button
        className="sf-more"
        data-testid="item-menu"
        aria-haspopup="menu"
        aria-expanded={menu === id}
        title="More"
        onClick={(e) => {
          e.stopPropagation();
          const r = e.currentTarget.getBoundingClientRect();
          setMenuAt({ top: Math.min(r.bottom + 2, window.innerHeight - 170), left: Math.max(4, r.right - 170) });
          setMenu(menu === id ? undefined : id);
        }}
      >
        ⋯
      </button>
      {menu === id && (
        <div className="sf-menu" role="menu" data-testid="item-menu-list" style={menuAt}>
          {items.map((it) => (
            <button
              key={it.testId}
              role="menuitem"
              data-testid={it.testId}
              className={it.danger ? "danger" : ""}
              onClick={(e) => {
                e.stopPropagation();
                setMenu(undefined);
                it.run();
              }}
            >
              {it.label}
            </button>
          ))}
        </div>
      )}
    </>
  );

  const renderFolder = (node: FolderNode): ReactNode => (
    <>
      {node.folders.map((f) => {
        const open = !collapsed.has(f.path);
        return (
          <li key={"d:" + f.path}>
            <div className="sf-row" data-testid="folder" data-path={f.path}>
              <button
                className="sf-folder"
                data-testid="folder-toggle"
                aria-expanded={open}
                onClick={() =>
                  setCollapsed((c) => {
                    const next = new Set(c);
                    if (open) next.add(f.path);
                    else next.delete(f.path);
                    return next;
                  })
                }
              >
                <span className="sf-caret">{open ? "▾" : "▸"}</span>
                <span className="nb-name" title={f.path}>
                  {f.name}
                </span>
              </button>
              {row("d:" + f.path, [
                { label: "New notebook here…", testId: "menu-new-notebook", run: () => setDialog({ kind: "new-notebook", folder: f.path }) },
                { label: "New folder here…", testId: "menu-new-folder", run: () => setDialog({ kind: "new-folder", folder: f.path }) },
                { label: "Rename or move…", testId: "menu-rename", run: () => setDialog({ kind: "rename-folder", path: f.path }) },
                { label: "Delete…", testId: "menu-delete", danger: true, run: () => setDialog({ kind: "delete-folder", path: f.path }) },
              ])}
            </div>
            {open && <ul>{renderFolder(f)}</ul>}
          </li>
        );
      })}
      {node.notebooks.map((n) => (
        <li key={n.path}>
          <div className={`sf-row${props.active === n.path ? " active" : ""}`}>
            <a
              href={`#nb=${encodeURIComponent(n.path)}`}
              data-testid="notebook-link"
              data-path={n.path}
              className={props.active === n.path ? "active" : ""}
              onClick={(e) => {
                e.preventDefault();
                props.onOpen(n.path);
              }}
            >
              <span className="nb-name" title={n.path}>
                {n.name}
              </span>
              {props.marks?.(n.path)}
            </a>
            {row(n.path, [
              { label: "Rename or move…", testId: "menu-rename", run: () => setDialog({ kind: "rename", entry: n }) },
              { label: "Duplicate…", testId: "menu-duplicate", run: () => setDialog({ kind: "duplicate", entry: n }) },
              { label: "Delete…", testId: "menu-delete", danger: true, run: () => setDialog({ kind: "delete", entry: n }) },
            ])}
          </div>
        </li>
      ))}
    </>
  );

  const cancel = () => setDialog(undefined);
  const folderHint = "Name a folder in front to put it there, e.g. sales/q1.";
  let shown: ReactNode = null;
  switch (dialog?.kind) {
    case "new-notebook":
      shown = (
        <NameDialog
          title="New notebook"
          label="Name"
          initial={withSlash(dialog.folder)}
          confirm="Create"
          hint={`A SQL notebook. ${folderHint}`}
          onCancel={cancel}
          onSubmit={async (name) => {
            const entry = await api.createNotebook(name);
            await done();
            props.onOpen(entry.path);
          }}
        />
      );
      break;
    case "new-folder":
      shown = (
        <NameDialog
          title="New folder"
          label="Folder"
          initial={withSlash(dialog.folder)}
          confirm="Create"
          hint="Inside notebooks/; sub/folder makes both."
          onCancel={cancel}
          onSubmit={async (name) => {
            await api.createFolder(name);
            await done();
          }}
        />
      );
      break;
    case "rename": {
      const from = dialog.entry.path;
      shown = (
        <NameDialog
          title={`Rename ${dialog.entry.name}`}
          label="New name"
          initial={stem(from)}
          confirm="Rename"
          hint={folderHint}
          onCancel={cancel}
          onSubmit={async (name) => {
            const entry = await api.renameNotebook(from, name);
            await done();
            props.onMoved(from, entry.path);
          }}
        />
      );
      break;
    }
    case "duplicate":
      shown = (
        <NameDialog
          title={`Duplicate ${dialog.entry.name}`}
          label="Name of the copy"
          initial={`${stem(dialog.entry.path)} copy`}
          confirm="Duplicate"
          hint={`Copies the saved notebook. ${folderHint}`}
          onCancel={cancel}
          onSubmit={async (name) => {
            const entry = await api.duplicateNotebook(dialog.entry.path, name);
            await done();
            props.onOpen(entry.path);
          }}
        />
      );
      break;
    case "delete":
      shown = (
        <ConfirmDialog
          title={`Delete ${dialog.entry.name}?`}
          message={
            <p>
              <b>{dialog.entry.path}</b> moves to the workspace's trash folder (<code>.smallfry/trash</code>) with any unsaved edits; its run history stays.
            </p>
          }
          confirm="Move to trash"
          danger
          onCancel={cancel}
          onConfirm={async () => {
            await api.deleteNotebook(dialog.entry.path);
            props.onDeleted([dialog.entry.path]);
            await done();
          }}
        />
      );
      break;
    case "rename-folder": {
      const from = dialog.path;
      shown = (
        <NameDialog
          title={`Rename folder ${from}`}
          label="New name"
          initial={from}
          confirm="Rename"
          hint="Its notebooks move with it; a/b moves it into a."
          onCancel={cancel}
          onSubmit={async (to) => {
            const inside = notebooksIn(from);
            await api.renameFolder(from, to);
            const target = to.replace(/^\/+|\/+$/g, "");
            for (const p of inside) props.onMoved(p, target + p.slice(from.length));
            await done();
          }}
        />
      );
      break;
    }
    case "delete-folder": {
      const inside = notebooksIn(dialog.path);
      shown = (
        <ConfirmDialog
          title={`Delete folder ${dialog.path}?`}
          message={
            <p>
              The folder{inside.length ? ` and its ${inside.length} notebook${inside.length === 1 ? "" : "s"}` : ""} move to the workspace's trash folder (
              <code>.smallfry/trash</code>).
            </p>
          }
          confirm="Move to trash"
          danger
          onCancel={cancel}
          onConfirm={async () => {
            await api.deleteFolder(dialog.path);
            props.onDeleted(inside);
            await done();
          }}
        />
      );
      break;
    }
  }

  return (
    <div className="notebook-list">
      <div className="sf-tree-actions">
        <button data-testid="new-notebook" onClick={() => setDialog({ kind: "new-notebook", folder: "" })}>
          + New notebook
        </button>
        <button data-testid="new-folder" onClick={() => setDialog({ kind: "new-folder", folder: "" })} title="New folder">
          + Folder
        </button>
      </div>
      <ul className="sf-tree" data-testid="notebook-tree">
        {renderFolder(tree)}
      </ul>
      {props.info && (
        <p className="workspace" title={props.info.workspaceDir}>
          {props.info.workspaceDir}
        </p>
      )}
      {shown}
    </div>
  );
}
