// The workbench shell: the notebook list, lake browser and published
// notebooks on the left, the open notebook (or a run of it) in the middle,
// its run history on the right.
import { useCallback, useEffect, useRef, useState } from "react";
import { api, toApiError, type Account, type ApiError, type CellOutput, type Info, type PublishState, type RunRecord } from "./api";
import { AccountBar } from "./account/AccountBar";
import { quoteIdent } from "./notebook/names";
import { RunHistory } from "./history/RunHistory";
import { ScheduledRun } from "./history/ScheduledRun";
import { LakePanel } from "./lake/LakePanel";
import { LakePreview } from "./notebook/lazy";
import { NotebookView, type NotebookHandle } from "./notebook/NotebookView";
import { plainCall, type SessionCall } from "./notebook/reopen";
import { PublishedList, PublishedMarks } from "./publish/PublishedList";
import { ImportData } from "./shell/ImportData";
import { NotebookList } from "./shell/NotebookList";
import { CommandPalette } from "./shell/CommandPalette";
import { earlyKey, forgetEarly, ready, take } from "./shell/early";
import { confirmGuess, remember, TOUR, type FirstGuess } from "./shell/firstnotebook";
import { useCommands } from "./shell/commands";
import { ShortcutSheet } from "./shell/ShortcutSheet";
import { SidePanel } from "./shell/SidePanel";
import { setThemeChoice } from "./theme/theme";
import "./app.css";
import "./shell/shell.css";

type Open = { path: string; runId?: string; run?: RunRecord };

/** The published notebooks are read again this often (each read asks Airflow). */
const publishedEvery = 60_000;

export function App(props: { first: FirstGuess }) {
  const [info, setInfo] = useState(() => ready<Info>(earlyKey.info));
  const [error, setError] = useState<string>();
  // The notebook opens at once, while Info loads (shell/firstnotebook.ts).
  const guess = useRef({ ...props.first });
  const deleted = useRef(new Set<string>());
  const [open, setOpen] = useState<Open | undefined>({ path: guess.current.path });
  const [tab, setTab] = useState<"notebooks" | "lake" | "published">("notebooks");
  const [published, setPublished] = useState(() => ready<PublishState[]>(earlyKey.published));
  const [publishedError, setPublishedError] = useState<string>();
  const [ranCount, setRanCount] = useState(0);
  const [session, setSession] = useState<string>();
  // Calls with the open notebook's session that reopen it if it is gone.
  const [call, setCall] = useState<SessionCall>(() => plainCall);
  const onSession = useCallback((s: string | undefined, c?: SessionCall) => {
    setSession(s);
    setCall(() => c ?? plainCall);
  }, []);
  const [account, setAccount] = useState<Account>();
  const [previewing, setPreviewing] = useState<{ name: string; session: string; output: CellOutput }>();
  const nb = useRef<NotebookHandle>();

  const refresh = useCallback((at = api.info) => at().then(setInfo, (e: ApiError) => setError(e.message)), []);
  // What main.tsx asked for before the first render (shell/early.ts).
  const started = useRef({ info: info !== undefined, published: published !== undefined });
  useEffect(() => {
    if (!started.current.info) void refresh(() => take(earlyKey.info, api.info));
  }, [refresh]);
  const loadPublished = useCallback(
    (at = api.publishedNotebooks) =>
      at().then(
        (list) => {
          setPublished(list);
          setPublishedError(undefined);
        },
        (e) => setPublishedError(toApiError(e).message),
      ),
    [],
  );
  useEffect(() => {
    if (!started.current.published) void loadPublished(() => take(earlyKey.published, api.publishedNotebooks));
    const t = setInterval(() => void loadPublished(), publishedEvery);
    return () => clearInterval(t);
  }, [loadPublished]);
  useEffect(() => {
    if (tab === "published") void loadPublished();
  }, [tab, loadPublished]);
  // Children took their early answers in their first effects, which ran
  // before these; what is left (a guess Info corrected) is asked afresh.
  useEffect(() => forgetEarly(), []);
  // What the open notebook learns of its own state keeps the list current.
  const onPublished = useCallback((st: PublishState) => {
    setPublished((list) => {
      const rest = (list ?? []).filter((x) => x.path !== st.path);
      return st.published ? [...rest, st].sort((a, b) => a.path.localeCompare(b.path)) : rest;
    });
  }, []);
  const publishedOf = (path: string) => published?.find((p) => p.path === path);
  // Info confirms the notebook guessed at start, or names the one to open;
  // after that, a notebook closed (deleted) gives way to the next choice.
  useEffect(() => {
    if (!info) return;
    const g = guess.current;
    if (!g.fromAddress && g.path && open?.path === g.path && !open.runId) {
      const next = confirmGuess(g.path, info, localStorage);
      if (next !== undefined) setOpen(next ? { path: next } : undefined);
    } else if (!open) {
      // The tour, else the first notebook; never one just deleted (the list
      // may not have caught up with the deletion yet).
      const next = [TOUR, ...info.notebooks.map((n) => n.path)].find((p) => !deleted.current.has(p) && info.notebooks.some((n) => n.path === p));
      if (next) setOpen({ path: next });
    }
    g.path = "";
  }, [info, open]);
  // A guess that is not there (another workspace's, or deleted) gives way
  // before its error shows; Info then names the notebook to open.
  const onOpenFailed = useCallback((path: string, e: ApiError) => {
    if (e.code === "not_found" && path === guess.current.path && !guess.current.fromAddress) setOpen(undefined);
  }, []);
  useEffect(() => {
    if (info && open && !open.runId) remember(info.workspaceDir, open.path, localStorage);
  }, [info, open]);
  useEffect(() => {
    if (open && !open.runId) history.replaceState(null, "", `#nb=${encodeURIComponent(open.path)}`);
  }, [open]);

  const [lakeKey, setLakeKey] = useState(0); // a new key reads the lake again

  const preview = async (name: string) => {
    if (!session) return;
    try {
      // The session the answer came with: a reopen may have made a new one.
      const [s, out] = await call((s) => api.previewLake(s, name).then((out) => [s, out] as const));
      setPreviewing({ name, session: s, output: out });
    } catch (e) {
      setError((e as ApiError).message);
    }
  };

  useCommands("shell", [
    { id: "theme-system", group: "View", title: "Theme: follow the system", run: () => setThemeChoice("system") },
    { id: "theme-light", group: "View", title: "Theme: light", run: () => setThemeChoice("light") },
    { id: "theme-dark", group: "View", title: "Theme: dark", run: () => setThemeChoice("dark") },
  ]);

  return (
    <div className="app">
      <aside className="sidebar">
        <header>
          <h1>Smallfry</h1>
          <span className="version">{info?.version}</span>
        </header>
        <AccountBar onChange={setAccount} />
        <nav className="tabs">
          <button className={tab === "notebooks" ? "active" : ""} data-testid="tab-notebooks" onClick={() => setTab("notebooks")}>
            Notebooks
          </button>
          <button className={tab === "lake" ? "active" : ""} data-testid="tab-lake" onClick={() => setTab("lake")}>
            Lake
          </button>
          <button className={tab === "published" ? "active" : ""} data-testid="tab-published" onClick={() => setTab("published")} title="Published notebooks">
            Published
          </button>
        </nav>
        <ImportData
          onImported={() => {
            setLakeKey((k) => k + 1);
            setTab("lake");
          }}
        />
        {tab === "notebooks" ? (
          <NotebookList
            info={info}
            active={open && !open.runId ? open.path : undefined}
            onOpen={(path) => setOpen({ path })}
            onChanged={() => void refresh()}
            onMoved={(from, to) => setOpen((o) => (o?.path === from ? { path: to } : o))}
            onDeleted={(paths) => {
              for (const p of paths) deleted.current.add(p);
              if (!open || !paths.includes(open.path)) return;
              history.replaceState(null, "", location.pathname + location.search); // not back to the deleted one
              setOpen(undefined);
            }}
            marks={(path) => <PublishedMarks state={publishedOf(path)} />}
          />
        ) : tab === "published" ? (
          <PublishedList notebooks={published} error={publishedError} active={open && !open.runId ? open.path : undefined} onOpen={(path) => setOpen({ path })} />
        ) : (
          <LakePanel
            key={lakeKey}
            accountKey={account && `${account.configured}/${account.signedIn}`}
            onPreview={(name) => void preview(name)}
            onInsert={(name) => nb.current?.insert(sqlName(name))}
            onQuery={(name) => nb.current?.query(`SELECT * FROM ${sqlName(name)} LIMIT 1000`)}
          />
        )}
      </aside>
      <main>
        {error && (
          <p className="banner error" data-testid="app-error" onClick={() => setError(undefined)}>
            {error}
          </p>
        )}
        {previewing && previewing.session === session && (
          <LakePreview
            {...previewing}
            onQuery={() => nb.current?.query(`SELECT * FROM ${sqlName(previewing.name)} LIMIT 1000`)}
            onClose={() => setPreviewing(undefined)}
          />
        )}
        {open?.run?.scheduled ? (
          <ScheduledRun
            key={open.run.id}
            path={open.path}
            run={open.run}
            output={(run) => (
              <NotebookView key={run.id} path={open.path} runId={run.id} onRan={() => undefined} onRenamed={() => undefined} onSession={onSession} />
            )}
          />
        ) : open ? (
          <NotebookView
            key={open.runId ?? open.path}
            path={open.path}
            runId={open.runId}
            onRan={() => setRanCount((n) => n + 1)}
            onRenamed={(path) => {
              void refresh();
              setOpen({ path });
            }}
            onSession={onSession}
            onOpenFailed={onOpenFailed}
            onPublished={onPublished}
            handle={(h) => (nb.current = h)}
          />
        ) : (
          <p className="empty">{info && info.notebooks.length === 0 ? "No notebooks yet: make one." : "Loading…"}</p>
        )}
      </main>
      {open && (
        <SidePanel
          session={session}
          call={call}
          refreshKey={ranCount}
          runs={
            <RunHistory
              path={open.path.replace(/^notebooks\//, "")}
              refreshKey={ranCount}
              onOpen={(runId, run) => setOpen({ path: open.path, runId, run })}
            />
          }
          footer={
            open.runId && (
              <button className="link" data-testid="back-to-notebook" onClick={() => setOpen({ path: open.path })}>
                ← Back to the notebook
              </button>
            )
          }
        />
      )}
      <CommandPalette />
      <ShortcutSheet />
    </div>
  );
}

/** A catalog name as SQL text: raw.events, s3.Orders and s3.raw.clicks stay dotted, odd names are quoted. */
export function sqlName(name: string): string {
  for (const prefix of ["s3.raw.", "raw.", "s3."]) {
    if (name.startsWith(prefix)) return prefix + quoteIdent(name.slice(prefix.length));
  }
  return quoteIdent(name);
}
