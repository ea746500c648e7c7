package bridge

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"smallfry/backend/duckdb"
	"smallfry/backend/kernel"
)

// pythonSpec is ipykernel's spec from the test virtualenv, found the way
// users' kernels are: in the standard Jupyter folders.
func pythonSpec(t *testing.T) kernel.Spec {
	t.Helper()
	py := os.Getenv("SMALLFRY_PYTHON")
	if py == "" {
		t.Skip("SMALLFRY_PYTHON is not set: run `make python` and set it to .venv/bin/python (make test does)")
	}
	prefix := filepath.Dir(filepath.Dir(py))
	specs, _ := kernel.Specs(kernel.DefaultPaths(prefix))
	for _, s := range specs {
		if s.Name == "python3" {
			return s.WithPython(py)
		}
	}
	return kernel.IPythonSpec(py)
}

func newBridge(t *testing.T) (*Bridge, *duckdb.Session) {
	t.Helper()
	ctx := context.Background()
	db, err := duckdb.Open(ctx, duckdb.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b := New(db, Config{Spec: pythonSpec(t), Launcher: kernel.LocalLauncher{}, Scratch: t.TempDir()})
	t.Cleanup(func() { b.Close(context.Background()) })
	return b, db
}

func text(out *Outcome) string {
	var s strings.Builder
	for _, o := range out.Outputs {
		if t, ok := o["text"].(string); ok {
			s.WriteString(t)
		}
		if d, ok := o["data"].(map[string]any); ok {
			if t, ok := d["text/plain"].(string); ok {
				s.WriteString(t)
			}
		}
	}
	return s.String()
}

func TestSQLToPythonToSQL(t *testing.T) {
	b, db := newBridge(t)
	ctx := context.Background()
	if _, err := db.Run(ctx, duckdb.Cell{SQL: "SELECT range AS n, 'r' || range AS label FROM range(1000000)", Result: "sales"}); err != nil {
		t.Fatal(err)
	}
	b.SQLRan()
	out, err := b.Execute(ctx, "print(type(sales).__name__, len(sales), int(sales.n.sum()))\n# other_table is only in a comment", nil)
	if err != nil || out.Status != "ok" {
		t.Fatalf("Execute: %v, %s: %s %q", err, out.Ename, out.Evalue, out.Traceback)
	}
	if got := text(out); got != "DataFrame 1000000 499999500000\n" {
		t.Errorf("python saw %q", got)
	}
	out, err = b.Execute(ctx, "import smallfry\nsmallfry.table('evens', sales[sales.n % 2 == 0].assign(half=lambda d: d.n // 2))", nil)
	if err != nil || out.Status != "ok" || len(out.Tables) != 1 || out.Tables[0] != "evens" {
		t.Fatalf("Execute = %+v %+v %q, %v", out, *out.Reply, text(out), err)
	}
	if got := queryText(t, db, "SELECT count(*), max(half) FROM evens"); got != "500000 499999" {
		t.Errorf("evens in SQL: count, max(half) = %s, want 500000 499999", got)
	}
	// A rerun SQL result reaches Python again; an unchanged one is not rewritten.
	if _, err := db.Run(ctx, duckdb.Cell{SQL: "SELECT 7 AS n", Result: "sales"}); err != nil {
		t.Fatal(err)
	}
	b.SQLRan()
	out, err = b.Execute(ctx, "print(len(sales), len(evens))", nil)
	if err != nil || text(out) != "1 500000\n" {
		t.Errorf("after the rerun python saw %q (%v)", text(out), err)
	}
}

func TestBadHandOffs(t *testing.T) {
	b, _ := newBridge(t)
	ctx := context.Background()
	tests := []struct{ code, ename, evalue string }{
		{"import smallfry\nsmallfry.table('1bad', None)", "ValueError", "not a valid table name"},
		{"import smallfry\nsmallfry.table('ok', [1, 2])", "TypeError", "expected a pandas DataFrame"},
		{"undefined_name_here", "NameError", "undefined_name_here"},
	}
	for _, tt := range tests {
		out, err := b.Execute(ctx, tt.code, nil)
		if err != nil || out.Status != "error" || out.Ename != tt.ename || !strings.Contains(out.Evalue, tt.evalue) {
			t.Errorf("%q: status %v, %s: %s (err %v); want %s containing %q", tt.code, out.Status, out.Ename, out.Evalue, err, tt.ename, tt.evalue)
		}
	}
}

// queryText runs a one-row query as a cell does and gives its values as text.
func queryText(t *testing.T, db *duckdb.Session, sql string) string {
	t.Helper()
	ctx := context.Background()
	res, err := db.Run(ctx, duckdb.Cell{SQL: sql})
	if err != nil {
		t.Fatal(err)
	}
	w, err := db.Window(ctx, duckdb.WindowRequest{Table: res.Table, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Release()
	if w.Rows() != 1 {
		t.Fatalf("%s: %d rows", sql, w.Rows())
	}
	var vals []string
	for c := 0; c < int(w.Records[0].NumCols()); c++ {
		vals = append(vals, w.Records[0].Column(c).ValueStr(0))
	}
	return strings.Join(vals, " ")
}
