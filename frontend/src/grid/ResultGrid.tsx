// The live results grid: every row of a result, however many, on a canvas
// grid that asks the backend only for the rows in view. Sorting and
// filtering are SQL run by DuckDB; the grid just restarts its row cache.
import "@glideapps/glide-data-grid/dist/index.css";
import { DataEditor, type DataEditorRef, type GetCellsThunk, type GridCell, type Item, type Rectangle } from "@glideapps/glide-data-grid";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api, type Filter, type ResultRef, type SortKey } from "../api";
import { ensurePortal, gridColumn, initialWidth, loadingCell, nullCell, rowMarkerWidth, textCell } from "./cells";
import { ColumnSummary } from "./ColumnSummary";
import { columnFormats, type ColumnFormat } from "./format";
import { GridToolbar } from "./GridToolbar";
import { filterLabel, HeaderMenu } from "./HeaderMenu";
import { planJump, runJump } from "./jump";
import { WindowCache, type WindowQuery } from "./windows";
import "./grid.css";
import { useGridLook } from "./look";
import { MoreColumns } from "./MoreColumns";

declare global {
  interface Window {
    /** When the grid last painted fetched rows, for benchmarks ("first rows painted", "jump and paint"). */
    __smallfryGridPainted?: { at: number; firstRow: number };
  }
}

export interface ResultGridProps {
  session: string;
  /** A new object means a new result (the cell ran again): the row cache starts over. */
  result: ResultRef;
  height?: number;
  onError?(msg: string): void;
  /** Shows the toolbar's Chart button; the caller opens or closes the chart. */
  onChart?(): void;
  chartOpen?: boolean;
}

const PAGE_ROWS = 500;
const ROW_HEIGHT = 34;
const HEADER_HEIGHT = 36;
const COPY_ROWS = 100_000;

export function ResultGrid({ session, result, height = 420, onError, onChart, chartOpen }: ResultGridProps) {
  const [sort, setSort] = useState<SortKey>();
  const [filters, setFilters] = useState<Filter[]>([]);
  const [total, setTotal] = useState(result.rows);
  const [busy, setBusy] = useState<string>(); // "Sorting…" until the new order's first rows answer
  const [generation, setGeneration] = useState(0); // bumped when cached rows are dropped: the grid repaints
  const [menu, setMenu] = useState<{ col: number; x: number; y: number }>();
  const [summary, setSummary] = useState<string>();
  const [widths, setWidths] = useState<Record<string, number>>({});
  const grid = useRef<DataEditorRef>(null);
  const box = useRef<HTMLDivElement>(null);
  const visible = useRef<Rectangle>({ x: 0, y: 0, width: 0, height: 0 });
  const formats = useRef<{ schema: unknown; formats: ColumnFormat[] }>();
  const report = useRef(onError);
  report.current = onError;
  const query = useRef<WindowQuery>({});
  useEffect(ensurePortal, []);

  const cache = useMemo(() => {
    const c: WindowCache = new WindowCache({
      pageSize: PAGE_ROWS,
      fetch: (offset, limit, q) => api.window(session, { schema: result.schema, table: result.table, offset, limit, ...q }),
      onPage: (first, end) => pageArrived(c, first, end),
      onTotal: (t) => {
        setTotal(t);
        setBusy(undefined);
      },
      onError: (e) => {
        setBusy(undefined);
        report.current?.(`Could not read rows: ${e instanceof Error ? e.message : String(e)}`);
      },
    });
    // A sort or filter on a column the new result still has carries over to it.
    const names = new Set(result.columns.map((k) => k.name));
    const q = query.current;
    query.current = {
      sort: q.sort?.filter((k) => names.has(k.column)),
      filters: q.filters?.filter((f) => names.has(f.column)),
    };
    c.setQuery(query.current);
    return c;
    // One cache per result of a session; pageArrived reads only refs, so it need not be a dependency.
  }, [session, result]);

  useEffect(() => {
    const q = query.current;
    setSort(q.sort?.[0]);
    setFilters(q.filters ?? []);
    setTotal(result.rows);
    formats.current = undefined;
    box.current?.removeAttribute("data-first-row");
    if (summary && !result.columns.some((k) => k.name === summary)) setSummary(undefined);
    const v = visible.current;
    if (v.height > 0) cache.want(v.y, v.y + v.height);
  }, [cache]);

  const formatsOf = (c: WindowCache): ColumnFormat[] => {
    if (c.schema && formats.current?.schema !== c.schema) formats.current = { schema: c.schema, formats: columnFormats(c.schema.fields) };
    return formats.current?.formats ?? [];
  };

  const cellOf = (v: unknown, f: ColumnFormat | undefined): GridCell => {
    if (v === undefined) return loadingCell;
    if (v === null) return nullCell;
    return textCell(f ? f.text(v) : String(v), f?.align ?? "left");
  };

  // Once every visible row is loaded, the next frame shows them: that is what benchmarks time.
  const notePainted = (c: WindowCache) => {
    const v = visible.current;
    if (v.height === 0 || !c.loaded(v.y, v.y + v.height)) return;
    const firstRow = v.y;
    requestAnimationFrame(() => {
      if (c !== cacheRef.current) return;
      box.current?.setAttribute("data-first-row", String(firstRow));
      window.__smallfryGridPainted = { at: performance.now(), firstRow };
    });
  };
  const cacheRef = useRef(cache);
  cacheRef.current = cache;

  // Repaint only the cells of the new page that are in view: a few hundred at most.
  function pageArrived(c: WindowCache, first: number, end: number) {
    if (c !== cacheRef.current) return;
    const v = visible.current;
    const lo = Math.max(first, v.y);
    const hi = Math.min(end, v.y + v.height);
    if (lo < hi) {
      const cells: { cell: Item }[] = [];
      for (let r = lo; r < hi; r++) for (let col = Math.max(0, v.x); col < v.x + v.width; col++) cells.push({ cell: [col, r] });
      grid.current?.updateCells(cells);
    }
    notePainted(c);
  }

  const getCellContent = useCallback(
    ([col, row]: Item): GridCell => cellOf(cache.cell(row, col), formatsOf(cache)[col]),
    [cache, generation],
  );

  const onVisibleRegionChanged = useCallback(
    (range: Rectangle) => {
      visible.current = range;
      cache.want(range.y, range.y + range.height);
      notePainted(cache);
    },
    [cache],
  );

  // Copy (Ctrl/Cmd+C) reads the selection from the cache and fetches rows not loaded yet.
  const getCellsForSelection = useCallback(
    (rect: Rectangle, signal: AbortSignal): GetCellsThunk =>
      async () => {
        const rows = Math.min(rect.height, COPY_ROWS);
        if (rect.height > COPY_ROWS) report.current?.(`Copied the first ${COPY_ROWS.toLocaleString("en-US")} rows; use Export CSV for all of them.`);
        const get = await cache.read(rect.y, rect.y + rows);
        if (signal.aborted) return [];
        const f = formatsOf(cache);
        const out: GridCell[][] = [];
        for (let r = rect.y; r < rect.y + rows; r++) {
          const line: GridCell[] = [];
          for (let col = rect.x; col < rect.x + rect.width; col++) line.push(cellOf(get(r, col), f[col]));
          out.push(line);
        }
        return out;
      },
    [cache],
  );

  const requery = (nextSort: SortKey | undefined, nextFilters: Filter[]) => {
    query.current = { sort: nextSort ? [nextSort] : undefined, filters: nextFilters.length ? nextFilters : undefined };
    setSort(nextSort);
    setFilters(nextFilters);
    setBusy(nextFilters.length !== filters.length || nextFilters.some((f, i) => f !== filters[i]) ? "Filtering…" : "Sorting…");
    cache.setQuery(query.current);
    setGeneration((g) => g + 1);
    box.current?.removeAttribute("data-first-row");
    jumpTo(0); // a new order starts at its top
    const v = visible.current;
    cache.want(0, Math.max(1, v.height));
  };

  /** Scrolls so that row (0-based) is at the top, however tall the grid. */
  const jumpTo = (row: number) => {
    const scroller = box.current?.querySelector<HTMLElement>(".dvn-scroller");
    const glide = () => grid.current?.scrollTo({ amount: 0, unit: "px" }, row, "vertical", 0, 0, { vAlign: "start" });
    if (!scroller) return glide();
    const { clientHeight, scrollHeight, scrollTop } = scroller;
    const plan = planJump(row, { rows: total, rowHeight: ROW_HEIGHT, headerHeight: HEADER_HEIGHT, clientHeight, scrollHeight, scrollTop, firstRow: visible.current.y });
    runJump(plan, scroller, glide);
  };

  const columns = useMemo(
    () =>
      result.columns.map((c) => {
        const f = filters.find((x) => x.column === c.name);
        const arrow = sort?.column === c.name ? (sort.desc ? " ▼" : " ▲") : "";
        const title = c.name + arrow + (f ? " " + filterLabel(f) : "");
        return gridColumn(c, title, widths[c.name] ?? initialWidth(c, title), true);
      }),
    [result.columns, sort, filters, widths],
  );

  const look = useGridLook(columns, getCellContent);
  const openMenu = (col: number, bounds: Rectangle) => {
    setMenu((m) => (m?.col === col ? undefined : { col, x: bounds.x, y: bounds.y + bounds.height }));
  };
  const menuColumn = menu ? result.columns[menu.col] : undefined;
  const closeMenu = useCallback(() => setMenu(undefined), []);

  return (
    <div className="sf-result">
      <GridToolbar
        session={session}
        result={result}
        total={total}
        filtered={filters.length > 0}
        sort={sort}
        filters={filters}
        waiting={busy}
        onGoTo={jumpTo}
        onError={(m) => report.current?.(m)}
        onChart={onChart}
        chartOpen={chartOpen}
      />
      <div className="sf-grid-body">
        <div className="sf-grid" data-testid="result-grid" data-rows={total} ref={box} style={{ height }} title={look.title}>
          <DataEditor
            ref={grid}
            columns={columns}
            rows={total}
            getCellContent={getCellContent}
            onVisibleRegionChanged={onVisibleRegionChanged}
            getCellsForSelection={getCellsForSelection}
            spanRangeBehavior="allowPartial"
            onHeaderClicked={(col, e) => {
              e.preventDefault();
              openMenu(col, e.bounds);
            }}
            onHeaderMenuClick={openMenu}
            onColumnResize={(c, size) => setWidths((w) => ({ ...w, [c.id ?? c.title]: size }))}
            rowMarkers={{ kind: "number", width: rowMarkerWidth(total) }}
            rowHeight={ROW_HEIGHT}
            headerHeight={HEADER_HEIGHT}
            {...look.props}
            smoothScrollX
            smoothScrollY
            width="100%"
            height={height}
            maxColumnWidth={800}
          />
          <MoreColumns box={box} deps={`${columns.map((c) => c.width).join()}/${total}`} />
        </div>
        {summary && (
          <ColumnSummary session={session} result={result} column={summary} onClose={() => setSummary(undefined)} onError={(m) => report.current?.(m)} />
        )}
      </div>
      {menu && menuColumn && (
        <HeaderMenu
          column={menuColumn}
          at={menu}
          sort={sort?.column === menuColumn.name ? (sort.desc ? "desc" : "asc") : undefined}
          filter={filters.find((f) => f.column === menuColumn.name)}
          onSort={(dir) => {
            closeMenu();
            requery(dir ? { column: menuColumn.name, desc: dir === "desc" } : undefined, filters);
          }}
          onFilter={(f) => {
            closeMenu();
            requery(sort, [...filters.filter((x) => x.column !== menuColumn.name), ...(f ? [f] : [])]);
          }}
          onSummary={() => {
            closeMenu();
            setSummary(menuColumn.name);
          }}
          onClose={closeMenu}
        />
      )}
    </div>
  );
}
