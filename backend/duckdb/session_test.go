package duckdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"smallfry/backend"
)

func openSession(t *testing.T) *Session {
	t.Helper()
	s, err := Open(context.Background(), Config{TempDir: t.TempDir()})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func run(t *testing.T, s *Session, c Cell) *Result {
	t.Helper()
	res, err := s.Run(context.Background(), c)
	if err != nil {
		t.Fatalf("Run(%q): %v", c.SQL, err)
	}
	return res
}

// tableRows reads a table's rows, each as the values duckdb-go scans.
func tableRows(t *testing.T, s *Session, table Table) [][]any {
	t.Helper()
	rows, err := s.db.Query("SELECT * FROM " + table.String())
	if err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]any
	for rows.Next() {
		row := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	return out
}

// Each case runs in a session of its own, after the cells it needs (setup),
// so any case passes alone and in any order.
func TestRunResults(t *testing.T) {
	makeT := Cell{SQL: "CREATE TABLE t AS SELECT range AS i FROM range(5)"}
	makeDoubled := Cell{SQL: "SELECT i * 2 AS j FROM t", Result: "doubled"}
	tests := []struct {
		name        string
		setup       []Cell
		cell        Cell
		wantRows    int64
		wantCols    []string
		want        string // the result's rows as fmt.Sprint prints [][]any; "" = not checked
		wantNone    bool
		wantChanged int64
	}{
		{name: "select", cell: Cell{SQL: "SELECT 1 AS a, 'x' AS b"}, wantRows: 1, wantCols: []string{"a", "b"}, want: "[[1 x]]"},
		{name: "several statements keep the last", cell: Cell{SQL: "CREATE TABLE t AS SELECT range AS i FROM range(5);\nSELECT * FROM t WHERE i > 1"}, wantRows: 3, wantCols: []string{"i"}, want: "[[2] [3] [4]]"},
		{name: "named result", setup: []Cell{makeT}, cell: Cell{SQL: "SELECT i * 2 AS j FROM t", Result: "doubled"}, wantRows: 5, wantCols: []string{"j"}, want: "[[0] [2] [4] [6] [8]]"},
		{name: "named result is queryable", setup: []Cell{makeT, makeDoubled}, cell: Cell{SQL: "SELECT sum(j) AS s FROM doubled"}, wantRows: 1, wantCols: []string{"s"}, want: "[[20]]"},
		{name: "parameters", cell: Cell{SQL: "SELECT $year + 1 AS next, $name AS who", Params: map[string]any{"year": int64(1997), "name": "Ann", "unused": true}}, wantRows: 1, wantCols: []string{"next", "who"}, want: "[[1998 Ann]]"},
		{name: "describe", setup: []Cell{makeT}, cell: Cell{SQL: "DESCRIBE t"}, wantRows: 1, wantCols: []string{"column_name", "column_type", "null", "key", "default", "extra"}, want: "[[i BIGINT YES <nil> <nil> <nil>]]"},
		{name: "summarize", setup: []Cell{makeT}, cell: Cell{SQL: "SUMMARIZE t"}, wantRows: 1},
		{name: "explain", cell: Cell{SQL: "EXPLAIN SELECT 1"}, wantRows: 1, wantCols: []string{"explain_key", "explain_value"}},
		{name: "from first", setup: []Cell{makeT}, cell: Cell{SQL: "FROM t WHERE i < $n", Params: map[string]any{"n": int64(2)}}, wantRows: 2, wantCols: []string{"i"}, want: "[[0] [1]]"},
		{name: "with", cell: Cell{SQL: "WITH x AS (SELECT 1 AS a) SELECT * FROM x"}, wantRows: 1, wantCols: []string{"a"}, want: "[[1]]"},
		{name: "values", cell: Cell{SQL: "VALUES (1), (2), (3)"}, wantRows: 3, want: "[[1] [2] [3]]"},
		{name: "parenthesized", cell: Cell{SQL: "(SELECT 1 AS a) UNION ALL (SELECT 2)"}, wantRows: 2, wantCols: []string{"a"}, want: "[[1] [2]]"},
		{name: "show tables", setup: []Cell{makeT, makeDoubled}, cell: Cell{SQL: "SHOW TABLES"}, wantRows: 2, want: "[[doubled] [t]]"},
		{name: "insert has no rows", setup: []Cell{makeT}, cell: Cell{SQL: "INSERT INTO t VALUES (10), (11)"}, wantNone: true, wantChanged: 2},
		{name: "only comments", cell: Cell{SQL: "-- nothing yet"}, wantNone: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openSession(t)
			for _, c := range tt.setup {
				run(t, s, c)
			}
			res := run(t, s, tt.cell)
			if tt.wantNone {
				if res.HasRows() {
					t.Fatalf("got result table %v, want none", res.Table)
				}
				if res.Changed != tt.wantChanged {
					t.Errorf("changed = %d, want %d", res.Changed, tt.wantChanged)
				}
				return
			}
			if res.Rows != tt.wantRows {
				t.Errorf("rows = %d, want %d", res.Rows, tt.wantRows)
			}
			if tt.wantCols != nil {
				var got []string
				for _, c := range res.Columns {
					got = append(got, c.Name)
				}
				if strings.Join(got, ",") != strings.Join(tt.wantCols, ",") {
					t.Errorf("columns = %v, want %v", got, tt.wantCols)
				}
			}
			if tt.cell.Result != "" && res.Table != (Table{Name: tt.cell.Result}) {
				t.Errorf("table = %v, want main.%s", res.Table, tt.cell.Result)
			}
			if tt.want != "" {
				if got := fmt.Sprint(tableRows(t, s, res.Table)); got != tt.want {
					t.Errorf("rows = %s, want %s", got, tt.want)
				}
			}
		})
	}
}

func TestRunChangedRows(t *testing.T) {
	s := openSession(t)
	run(t, s, Cell{SQL: "CREATE TABLE t (i INT)"})
	res := run(t, s, Cell{SQL: "INSERT INTO t SELECT * FROM range(7)"})
	if res.Changed != 7 {
		t.Errorf("changed = %d, want 7", res.Changed)
	}
}

func TestRunErrors(t *testing.T) {
	s := openSession(t)
	tests := []struct {
		name     string
		sql      string
		params   map[string]any
		wantLine int
		wantMsg  string
	}{
		{name: "syntax error on line 3", sql: "-- by country\nSELECT *\nFORM t", wantLine: 3, wantMsg: "syntax error"},
		{name: "second statement", sql: "SELECT 1;\n\nSELECT nope FROM range(1)", wantLine: 3, wantMsg: "nope"},
		{name: "missing table", sql: "SELECT * FROM no_such_table", wantLine: 1, wantMsg: "no_such_table"},
		{name: "unknown parameter", sql: "SELECT 1,\n  $yeer", params: map[string]any{"year": 1}, wantLine: 2, wantMsg: "unknown parameter $yeer (parameters: [$year])"},
		{name: "no parameters at all", sql: "SELECT $year", wantLine: 1, wantMsg: "this notebook has no parameters"},
		{name: "runtime error points at its statement", sql: "SELECT 1;\nSELECT error('boom')", wantLine: 2, wantMsg: "boom"},
		{name: "unterminated string", sql: "SELECT 'abc", wantLine: 1, wantMsg: "unterminated"},
		{name: "unbindable parameter", sql: "SELECT 1,\n  $cfg", params: map[string]any{"cfg": errors.New("parameter cfg is a dict")}, wantLine: 2, wantMsg: "parameter cfg is a dict"},
		{name: "unbindable parameter in the second statement", sql: "SELECT $ok;\nSELECT 2,\n$cfg", params: map[string]any{"ok": int64(1), "cfg": errors.New("no")}, wantLine: 3, wantMsg: "no"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Run(context.Background(), Cell{SQL: tt.sql, Params: tt.params})
			var se *SQLError
			if !errors.As(err, &se) {
				t.Fatalf("error = %v (%T), want *SQLError", err, err)
			}
			if se.Line != tt.wantLine {
				t.Errorf("line = %d, want %d (%v)", se.Line, tt.wantLine, err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
			if strings.Contains(err.Error(), "LINE ") {
				t.Errorf("error %q still carries DuckDB's own LINE excerpt", err)
			}
		})
	}
}

// Unknown names go to Config.Resolve (how lake tables are read); a cell
// reports which ones it read, and a local table shadows a lake one.
func TestRunResolvesAndRecordsReads(t *testing.T) {
	dir := t.TempDir()
	resolve := func(name string) (string, []any, bool, error) {
		switch strings.ToLower(name) {
		case "sales":
			return "read_parquet", []any{[]string{filepath.Join(dir, "sales", "*.parquet")}}, true, nil
		case "broken":
			return "", nil, false, errors.New("lake table broken: bad footer")
		}
		return "", nil, false, nil
	}
	s, err := Open(context.Background(), Config{Resolve: resolve})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := os.MkdirAll(filepath.Join(dir, "sales"), 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, s, Cell{SQL: "COPY (SELECT range AS id FROM range(3)) TO " + QuoteString(filepath.Join(dir, "sales", "a.parquet"))})
	res := run(t, s, Cell{SQL: "SELECT count(*) AS n FROM Sales"})
	if strings.Join(res.TablesRead, ",") != "Sales" {
		t.Errorf("tables read = %v, want [Sales]", res.TablesRead)
	}
	if res := run(t, s, Cell{SQL: "SELECT 1"}); len(res.TablesRead) != 0 {
		t.Errorf("tables read by a cell reading none = %v", res.TablesRead)
	}
	if _, err := s.Run(context.Background(), Cell{SQL: "SELECT * FROM broken"}); err == nil || !strings.Contains(err.Error(), "bad footer") {
		t.Errorf("reading a broken lake table: error = %v", err)
	}
	run(t, s, Cell{SQL: "CREATE TABLE sales AS SELECT 42 AS id"})
	if res := run(t, s, Cell{SQL: "SELECT * FROM sales"}); len(res.TablesRead) != 0 || res.Rows != 1 {
		t.Errorf("local table did not shadow the lake: read %v, %d rows", res.TablesRead, res.Rows)
	}
}

// A long query stops within a second of cancellation, and the session stays usable.
func TestRunCancel(t *testing.T) {
	s := openSession(t)
	run(t, s, Cell{SQL: "CREATE TABLE big AS SELECT range AS i FROM range(20000000)"})
	// Cancel once DuckDB reports progress, which proves the query is
	// running; the deadline only ends a query that never reported any.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var (
		once       sync.Once
		canceledAt time.Time // written before Run returns: it waits for its progress reports
	)
	_, err := s.Run(ctx, Cell{
		SQL: "SELECT count(*) FROM big a, big b WHERE a.i + b.i = -1",
		OnProgress: func(Progress) {
			once.Do(func() {
				canceledAt = time.Now()
				cancel()
			})
		},
	})
	if canceledAt.IsZero() {
		t.Fatalf("no progress report before the deadline (error %v)", err)
	}
	stopped := time.Since(canceledAt)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if backend.ErrorCode(err) != backend.ECANCELED {
		t.Errorf("code = %q, want %q", backend.ErrorCode(err), backend.ECANCELED)
	}
	if stopped > time.Second {
		t.Errorf("query stopped %v after cancel, want < 1s", stopped)
	}
	if res := run(t, s, Cell{SQL: "SELECT 42"}); res.Rows != 1 {
		t.Errorf("session unusable after cancel")
	}
}

func TestProgressIsReported(t *testing.T) {
	s := openSession(t)
	run(t, s, Cell{SQL: "CREATE TABLE big AS SELECT range AS i, hash(range) AS h FROM range(60000000)"})
	var mu sync.Mutex
	var seen []Progress
	run(t, s, Cell{
		SQL: "SELECT count(*) FROM (SELECT h % 1000003 AS k, count(*) FROM big GROUP BY ALL)",
		OnProgress: func(p Progress) {
			mu.Lock()
			seen = append(seen, p)
			mu.Unlock()
		},
	})
	mu.Lock()
	defer mu.Unlock()
	var partial bool
	for _, p := range seen {
		if p.Percent > 0 && p.Percent < 100 && p.TotalRows > 0 && p.Statement == 1 && p.Statements == 1 {
			partial = true
		}
	}
	if !partial {
		t.Errorf("no partial progress among %d reports: %+v", len(seen), seen)
	}
}

func TestWindow(t *testing.T) {
	s := openSession(t)
	res := run(t, s, Cell{SQL: "SELECT range AS i, range % 3 AS m, 'n' || range AS s FROM range(1000)", Result: "nums"})
	tests := []struct {
		name      string
		req       WindowRequest
		wantTotal int64
		wantFirst int64 // first value of column i
		wantRows  int64
	}{
		{name: "first rows", req: WindowRequest{Limit: 10}, wantTotal: 1000, wantFirst: 0, wantRows: 10},
		{name: "deep window", req: WindowRequest{Offset: 990, Limit: 50}, wantTotal: 1000, wantFirst: 990, wantRows: 10},
		{name: "past the end", req: WindowRequest{Offset: 5000, Limit: 10}, wantTotal: 1000, wantRows: 0},
		{name: "sorted descending", req: WindowRequest{Limit: 5, Sort: []SortKey{{Column: "i", Desc: true}}}, wantTotal: 1000, wantFirst: 999, wantRows: 5},
		{name: "filtered", req: WindowRequest{Limit: 5, Filters: []Filter{{Column: "m", Op: "=", Value: 2}}}, wantTotal: 333, wantFirst: 2, wantRows: 5},
		{name: "contains", req: WindowRequest{Limit: 100, Filters: []Filter{{Column: "s", Op: "contains", Value: "99"}}}, wantTotal: 19, wantFirst: 99, wantRows: 19},
		{name: "filter and sort", req: WindowRequest{Offset: 1, Limit: 2, Sort: []SortKey{{Column: "i", Desc: true}}, Filters: []Filter{{Column: "m", Op: "=", Value: 0}}}, wantTotal: 334, wantFirst: 996, wantRows: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Table = res.Table
			w, err := s.Window(context.Background(), tt.req)
			if err != nil {
				t.Fatalf("Window: %v", err)
			}
			defer w.Release()
			if w.Total != tt.wantTotal || w.Rows() != tt.wantRows {
				t.Fatalf("total, rows = %d, %d; want %d, %d", w.Total, w.Rows(), tt.wantTotal, tt.wantRows)
			}
			if tt.wantRows > 0 {
				got := w.Records[0].Column(0).(*array.Int64).Value(0)
				if got != tt.wantFirst {
					t.Errorf("first i = %d, want %d", got, tt.wantFirst)
				}
			}
			var buf strings.Builder
			if err := w.WriteIPC(&buf); err != nil || buf.Len() == 0 {
				t.Errorf("WriteIPC: %v, %d bytes", err, buf.Len())
			}
		})
	}
}

func TestWindowBadInput(t *testing.T) {
	s := openSession(t)
	res := run(t, s, Cell{SQL: "SELECT 1 AS a"})
	tests := []struct {
		name string
		req  WindowRequest
		want string
	}{
		{"unknown sort column", WindowRequest{Table: res.Table, Limit: 1, Sort: []SortKey{{Column: `a"; DROP TABLE x; --`}}}, "has no column"},
		{"unknown filter op", WindowRequest{Table: res.Table, Limit: 1, Filters: []Filter{{Column: "a", Op: "LIKE"}}}, "unknown operator"},
		{"negative offset", WindowRequest{Table: res.Table, Offset: -1, Limit: 1}, "must not be negative"},
		{"missing table", WindowRequest{Table: Table{Name: "gone"}, Limit: 1}, "gone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Window(context.Background(), tt.req)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// Re-running a cell replaces its sorted copy, so a window never shows stale rows.
func TestWindowAfterRerun(t *testing.T) {
	s := openSession(t)
	sorted := WindowRequest{Table: Table{Name: "r"}, Limit: 1, Sort: []SortKey{{Column: "v", Desc: true}}}
	for _, want := range []int64{5, 9} {
		run(t, s, Cell{SQL: "SELECT range AS v FROM range($n + 1)", Params: map[string]any{"n": want}, Result: "r"})
		w, err := s.Window(context.Background(), sorted)
		if err != nil {
			t.Fatal(err)
		}
		if got := w.Records[0].Column(0).(*array.Int64).Value(0); got != want {
			t.Errorf("max after rerun = %d, want %d", got, want)
		}
		w.Release()
	}
}

func TestSummarize(t *testing.T) {
	s := openSession(t)
	res := run(t, s, Cell{SQL: "SELECT CASE WHEN range % 10 = 0 THEN NULL ELSE range END AS n, CASE WHEN range < 60 THEN 'a' ELSE 'b' END AS c FROM range(100)"})
	n, err := s.Summarize(context.Background(), res.Table, "n")
	if err != nil {
		t.Fatal(err)
	}
	if n.Rows != 100 || n.Nulls != 10 || *n.Min != "1" || *n.Max != "99" || len(n.Bins) == 0 {
		t.Errorf("summary of n = %+v", n)
	}
	var binned int64
	for _, b := range n.Bins {
		binned += b.Count
	}
	if binned != 90 {
		t.Errorf("histogram counts %d values, want 90", binned)
	}
	c, err := s.Summarize(context.Background(), res.Table, "c")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Top) != 2 || *c.Top[0].Value != "a" || c.Top[0].Count != 60 {
		t.Errorf("top values of c = %+v", c.Top)
	}
	if _, err := s.Summarize(context.Background(), res.Table, "nope"); err == nil {
		t.Error("summary of a missing column: no error")
	}
}

// Strings survive past the batch they came in (duckdb-go frees a batch's
// data chunk on the next one), both copied and streamed as IPC.
func TestWindowStringsAcrossChunks(t *testing.T) {
	s := openSession(t)
	res := run(t, s, Cell{SQL: "SELECT range AS i, 'value number ' || range AS s FROM range(10000)"})
	want := func(i int64) string { return "value number " + strconv.FormatInt(i, 10) }
	w, err := s.Window(context.Background(), WindowRequest{Table: res.Table, Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Release()
	if len(w.Records) < 2 {
		t.Fatalf("want several batches, got %d", len(w.Records))
	}
	for _, rec := range w.Records {
		ids, strs := rec.Column(0).(*array.Int64), rec.Column(1).(*array.String)
		for r := 0; r < int(rec.NumRows()); r++ {
			if strs.Value(r) != want(ids.Value(r)) {
				t.Fatalf("copied row %d: s = %q", ids.Value(r), strs.Value(r))
			}
		}
	}
	var buf bytes.Buffer
	written, total, err := s.WindowIPC(context.Background(), WindowRequest{Table: res.Table, Offset: 100, Limit: 9000}, &buf)
	if err != nil || total != 10000 || written != 9000 {
		t.Fatalf("WindowIPC: wrote %d of %d, %v", written, total, err)
	}
	rd, err := ipc.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Release()
	var n int64
	for rd.Next() {
		rec := rd.RecordBatch()
		ids, strs := rec.Column(0).(*array.Int64), rec.Column(1).(*array.String)
		for r := 0; r < int(rec.NumRows()); r++ {
			if ids.Value(r) != 100+n || strs.Value(r) != want(ids.Value(r)) {
				t.Fatalf("streamed row %d: %d %q", n, ids.Value(r), strs.Value(r))
			}
			n++
		}
	}
	if n != 9000 {
		t.Errorf("streamed %d rows, want 9000", n)
	}
}

func TestJSONViews(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"good/a.json": `{"a": 1, "ts": "2024-03-01T10:00:00Z", "d": {"os": "iOS"}}` + "\n",
		"good/b.json": `{"a": 2, "ts": "2024-03-02T10:00:00Z", "d": {"os": "Linux"}}` + "\n",
		"bad/a.json":  `{"a": 1`,
	} {
		path := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var asked []string
	s, err := Open(context.Background(), Config{JSONViews: map[string]func(string) (string, string, bool){
		"raw": func(name string) (string, string, bool) {
			asked = append(asked, name)
			for _, ds := range []string{"good", "bad"} {
				if strings.EqualFold(name, ds) {
					return ds, filepath.Join(dir, ds, "*.json"), true
				}
			}
			return "", "", false
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	run(t, s, Cell{SQL: "SELECT 1 AS x"})
	if len(asked) != 0 {
		t.Fatalf("datasets looked up before any cell named them: %v", asked)
	}
	res := run(t, s, Cell{SQL: "SELECT sum(a) AS total, max(ts) AS latest, min(d.os) AS os FROM raw.good"})
	if res.Rows != 1 || !slices.Equal(res.TablesRead, []string{"raw.good"}) {
		t.Fatalf("rows = %d, read %v; want 1 row read from raw.good", res.Rows, res.TablesRead)
	}
	want := []Column{{"total", "HUGEINT"}, {"latest", "TIMESTAMP"}, {"os", "VARCHAR"}}
	if !slices.Equal(res.Columns, want) {
		t.Errorf("columns = %v, want %v (the sampled types, pinned)", res.Columns, want)
	}
	// A later cell reads the same view, spelled differently, and it counts as a read again.
	res = run(t, s, Cell{SQL: `SELECT count(*) FROM "raw"."GOOD"`})
	if !slices.Equal(res.TablesRead, []string{"raw.good"}) {
		t.Errorf("second read recorded as %v", res.TablesRead)
	}

	_, err = s.Run(context.Background(), Cell{SQL: "SELECT 1;\nSELECT * FROM raw.bad"})
	var se *SQLError
	if !errors.As(err, &se) || se.Line != 2 || !strings.Contains(se.Message, "raw.bad is not queryable") {
		t.Errorf("error = %v, want a line 2 error naming raw.bad", err)
	}
	_, err = s.Run(context.Background(), Cell{SQL: "SELECT * FROM raw.missing"})
	if !errors.As(err, &se) || !strings.Contains(se.Message, "missing") {
		t.Errorf("error = %v, want DuckDB's unknown table error", err)
	}
	run(t, s, Cell{SQL: "SELECT * FROM raw.good"}) // the session still works
}

func TestExport(t *testing.T) {
	s := openSession(t)
	run(t, s, Cell{SQL: "SELECT range AS i, 'r' || range AS s FROM range(10)", Result: "ten"})
	dir := t.TempDir()
	tests := []struct {
		name, format string
		req          WindowRequest
		want         int64
		wantErr      string
	}{
		{"csv", "csv", WindowRequest{Table: Table{Name: "ten"}}, 10, ""},
		{"parquet filtered and sorted", "parquet", WindowRequest{Table: Table{Name: "ten"}, Filters: []Filter{{Column: "i", Op: ">=", Value: 7}}, Sort: []SortKey{{Column: "i", Desc: true}}}, 3, ""},
		{"unknown format", "xlsx", WindowRequest{Table: Table{Name: "ten"}}, 0, "unknown format"},
		{"unknown table", "csv", WindowRequest{Table: Table{Name: "nope"}}, 0, "nope"},
		{"unknown column", "csv", WindowRequest{Table: Table{Name: "ten"}, Sort: []SortKey{{Column: "zzz"}}}, 0, "zzz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+"."+tt.format)
			n, err := s.Export(context.Background(), tt.req, tt.format, path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Export error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || n != tt.want {
				t.Fatalf("Export = %d, %v; want %d rows", n, err, tt.want)
			}
			var first int64
			q := "SELECT i FROM read_" + tt.format + "(" + QuoteString(path) + ") LIMIT 1"
			if err := s.db.QueryRow(q).Scan(&first); err != nil {
				t.Fatal(err)
			}
			if tt.req.Sort != nil && first != 9 {
				t.Errorf("first exported row i = %d, want 9 (sorted descending)", first)
			}
		})
	}
}
