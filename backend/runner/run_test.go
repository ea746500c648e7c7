package runner

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"smallfry/backend"
	"smallfry/backend/bridge"
	"smallfry/backend/duckdb"
	"smallfry/backend/kernel"
	"smallfry/backend/lake"
	"smallfry/backend/notebook"
	"smallfry/backend/runs"
)

// These tests drive the orchestration on a real DuckDB, a real run history
// and a real lake folder. Python is a fake here: the real kernel is tested
// through the workbench, the command line and the browser.

type fixture struct {
	env  Env
	db   *duckdb.Session
	runs *runs.Store
	lake *lake.Lake
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	root := t.TempDir()
	lk, err := lake.Open(filepath.Join(root, "lake"))
	if err != nil {
		t.Fatal(err)
	}
	store, err := runs.Open(filepath.Join(root, "runs"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := duckdb.Open(context.Background(), duckdb.Config{Resolve: lk.Resolve})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &fixture{env: Env{Root: root, Runs: store, Lake: lk}, db: db, runs: store, lake: lk}
}

// nb builds a notebook of cells.
func nb(cells ...*notebook.Cell) *notebook.Notebook {
	n := notebook.New()
	n.Cells = cells
	return n
}

func sql(source, name string) *notebook.Cell {
	c := notebook.NewCell(notebook.KindSQL, source)
	c.Name = name
	return c
}

func py(source string) *notebook.Cell { return notebook.NewCell(notebook.KindPython, source) }

func parameters(source string) *notebook.Cell {
	c := notebook.NewCell(notebook.KindPython, source)
	c.Tags = []string{"parameters"}
	return c
}

// noPython fails the test if the run reaches for Python.
func noPython(t *testing.T) func(context.Context, string) (Python, error) {
	return func(context.Context, string) (Python, error) {
		t.Error("a notebook without Python cells set Python up")
		return nil, errors.New("no python")
	}
}

// fakePython records what it is asked to run and answers from a script.
type fakePython struct {
	mu      sync.Mutex
	setups  []string
	ran     []string
	sqlRans int
	answer  func(code string) *kernel.Reply
	// fail, if set, makes Execute fail with its error after the reply's
	// outputs arrived, as a kernel that dies does.
	fail func(code string) error
}

func (f *fakePython) Setup(_ context.Context, code string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.setups = append(f.setups, code)
	return nil
}

func (f *fakePython) Execute(_ context.Context, code string, onOutput func(kernel.Output)) (*bridge.Outcome, error) {
	f.mu.Lock()
	f.ran = append(f.ran, code)
	f.mu.Unlock()
	reply := &kernel.Reply{Status: "ok", Outputs: []kernel.Output{{"output_type": "stream", "name": "stdout", "text": "hi\n"}}}
	if f.answer != nil {
		reply = f.answer(code)
	}
	for _, o := range reply.Outputs {
		if onOutput != nil {
			onOutput(o)
		}
	}
	if f.fail != nil {
		if err := f.fail(code); err != nil {
			return &bridge.Outcome{Reply: reply}, err
		}
	}
	return &bridge.Outcome{Reply: reply}, nil
}

func (f *fakePython) SQLRan() {
	f.mu.Lock()
	f.sqlRans++
	f.mu.Unlock()
}

func statuses(rec *runs.Record) []string {
	var out []string
	for _, c := range rec.Cells {
		out = append(out, c.Status)
	}
	return out
}

func TestRunSQLNeedsNoPython(t *testing.T) {
	f := newFixture(t)
	n := nb(sql("SELECT 1 AS x UNION ALL SELECT 2", "xs"), sql("SELECT sum(x) AS total FROM xs", ""))
	var events []CellEvent
	out, err := Run(context.Background(), f.env, f.db, n, filepath.Join(f.env.Root, "n.ipynb"), Options{
		Python: noPython(t),
		OnCell: func(e CellEvent) { events = append(events, e) },
	})
	if err != nil || out.Err != nil {
		t.Fatalf("Run = %v, %v", err, out.Err)
	}
	if out.Record.Status != runs.OK || !slices.Equal(statuses(out.Record), []string{runs.OK, runs.OK}) {
		t.Errorf("record %s, cells %v", out.Record.Status, statuses(out.Record))
	}
	if len(events) != 2 || events[1].Result == nil || events[1].Result.Rows != 1 || events[0].Rows != 2 {
		t.Fatalf("events = %+v", events)
	}
	// The result is a value in the event, and the output is in the notebook.
	if events[1].Result.Columns[0].Name != "total" {
		t.Errorf("columns = %+v", events[1].Result.Columns)
	}
	if outs := n.Cells[1].Outputs(); len(outs) != 1 || !strings.Contains(string(outs[0]), `"data":[{"total":"3"}]`) {
		t.Errorf("outputs = %s", outs)
	}
	saved, err := f.runs.Load(out.Record.ID)
	if err != nil || saved.Status != runs.OK {
		t.Errorf("stored record = %+v, %v", saved, err)
	}
}

func TestRunStopsAtTheFirstFailure(t *testing.T) {
	f := newFixture(t)
	failing, after := sql("SELECT 1;\nSELECT nope FROM a", ""), sql("SELECT 2", "")
	n := nb(sql("SELECT 1 AS a", "a"), failing, after)
	out, err := Run(context.Background(), f.env, f.db, n, filepath.Join(f.env.Root, "n.ipynb"), Options{Python: noPython(t)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Err == nil || out.Record.Status != runs.Failed {
		t.Fatalf("status %s, err %v", out.Record.Status, out.Err)
	}
	if got := statuses(out.Record); !slices.Equal(got, []string{runs.OK, runs.Failed, runs.Skipped}) {
		t.Errorf("cells = %v", got)
	}
	msg := backend.ErrorMessage(out.Err)
	for _, want := range []string{"n.ipynb, cell 2, line 2:", "nope", "2 | SELECT nope FROM a"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if outs := failing.Outputs(); len(outs) != 1 || !strings.Contains(string(outs[0]), `"output_type":"error"`) {
		t.Errorf("failed cell outputs = %s", outs)
	}
	if pm, ok := after.Metadata("papermill"); !ok || !strings.Contains(string(pm), `"status":"pending"`) {
		t.Errorf("the skipped cell's papermill status: %s", pm)
	}
	// papermill's banners: one at the top, one just before the failing cell.
	if len(n.Cells) != 5 || !isBanner(n.Cells[0]) || !isBanner(n.Cells[2]) || n.Cells[3] != failing {
		t.Errorf("cells after the run: %d", len(n.Cells))
	}
}

func TestRunBindsParameters(t *testing.T) {
	for _, tc := range []struct {
		name   string
		given  map[string]string
		want   string // the value the SQL saw
		record any
	}{
		{"default", nil, "1997 tv", int64(1997)},
		{"given", map[string]string{"year": "1998", "category": "radio"}, "1998 radio", int64(1998)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			n := nb(parameters("year = 1997\ncategory = \"tv\""), sql("SELECT $year::VARCHAR || ' ' || $category AS seen", "seen"))
			out, err := Run(context.Background(), f.env, f.db, n, filepath.Join(f.env.Root, "n.ipynb"), Options{Params: tc.given, Python: noPython(t)})
			if err != nil || out.Err != nil {
				t.Fatalf("Run = %v, %v", err, out.Err)
			}
			w, err := f.db.Window(context.Background(), duckdb.WindowRequest{Table: duckdb.Table{Name: "seen"}, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Release()
			if got := w.Records[0].Column(0).ValueStr(0); got != tc.want {
				t.Errorf("SQL saw %q, want %q", got, tc.want)
			}
			if got := out.Record.Parameters["year"]; got != tc.record {
				t.Errorf("recorded year = %#v, want %#v", got, tc.record)
			}
			injected := slices.ContainsFunc(n.Cells, (*notebook.Cell).IsInjectedParameters)
			if injected != (tc.given != nil) {
				t.Errorf("injected-parameters cell present = %v, want %v", injected, tc.given != nil)
			}
		})
	}
}

func TestRunRefusesBadParameters(t *testing.T) {
	f := newFixture(t)
	n := nb(parameters("year = 1997"), sql("SELECT $year", ""))
	_, err := Run(context.Background(), f.env, f.db, n, "n.ipynb", Options{Params: map[string]string{"year": "soon"}})
	if backend.ErrorCode(err) != backend.EINVALID || !strings.Contains(err.Error(), "year") {
		t.Fatalf("Run = %v, want an invalid-parameter error", err)
	}
	if list, _ := f.runs.List("n.ipynb"); len(list) != 0 {
		t.Errorf("a refused run left %d records", len(list))
	}
}

func TestRunPythonCells(t *testing.T) {
	f := newFixture(t)
	fp := &fakePython{answer: func(code string) *kernel.Reply {
		switch code {
		case "raise ValueError('bad')":
			return &kernel.Reply{Status: "error", Ename: "ValueError", Evalue: "bad", Outputs: []kernel.Output{{"output_type": "error", "ename": "ValueError", "evalue": "bad", "traceback": []any{}}}}
		case "import sys; sys.exit(0)":
			return &kernel.Reply{Status: "error", Ename: "SystemExit", Evalue: "0"}
		}
		return &kernel.Reply{Status: "ok", Outputs: []kernel.Output{{"output_type": "stream", "name": "stdout", "text": code + "\n"}}}
	}}
	calls := 0
	opts := func() Options {
		return Options{Python: func(_ context.Context, runID string) (Python, error) {
			calls++
			if runID == "" {
				t.Error("Python was asked for before the run had an id")
			}
			return fp, nil
		}}
	}
	t.Run("set up once, lazily, with the parameters", func(t *testing.T) {
		n := nb(parameters("x = 1"), sql("SELECT 1", ""), py("print(x)"), sql("SELECT 2", ""), py("print(x + 1)"))
		var live []string
		o := opts()
		o.OnOutput = func(id string, out kernel.Output) { live = append(live, id) }
		out, err := Run(context.Background(), f.env, f.db, n, "n.ipynb", o)
		if err != nil || out.Err != nil {
			t.Fatalf("Run = %v, %v", err, out.Err)
		}
		if calls != 1 || len(fp.ran) != 2 || fp.setups[0] != "x = 1\n" {
			t.Errorf("python set up %d times, ran %q, setups %q", calls, fp.ran, fp.setups)
		}
		if fp.sqlRans != 1 {
			t.Errorf("SQLRan called %d times, want 1 (after the SQL cell that follows Python)", fp.sqlRans)
		}
		if len(live) != 2 || live[0] != n.Cells[2].ID {
			t.Errorf("live outputs for %v", live)
		}
		if outs := n.Cells[4].Outputs(); len(outs) != 1 || !strings.Contains(string(outs[0]), "print(x + 1)") {
			t.Errorf("python outputs = %s", outs)
		}
	})
	t.Run("an exception fails the run", func(t *testing.T) {
		raising := py("raise ValueError('bad')")
		n := nb(raising, sql("SELECT 1", ""))
		out, err := Run(context.Background(), f.env, f.db, n, "n.ipynb", opts())
		var pe *PythonError
		if err != nil || !errors.As(out.Err, &pe) || pe.Ename != "ValueError" {
			t.Fatalf("Run = %v, %v", err, out.Err)
		}
		if got := statuses(out.Record); !slices.Equal(got, []string{runs.Failed, runs.Skipped}) {
			t.Errorf("cells = %v", got)
		}
		if outs := raising.Outputs(); len(outs) != 1 || !strings.Contains(string(outs[0]), "ValueError") {
			t.Errorf("the traceback output was replaced: %s", outs)
		}
	})
	t.Run("sys.exit(0) ends the run successfully", func(t *testing.T) {
		n := nb(py("import sys; sys.exit(0)"), sql("SELECT 1", ""))
		out, err := Run(context.Background(), f.env, f.db, n, "n.ipynb", opts())
		if err != nil || out.Err != nil || out.Record.Status != runs.OK {
			t.Fatalf("Run = %v, %v, %s", err, out.Err, out.Record.Status)
		}
		if got := statuses(out.Record); !slices.Equal(got, []string{runs.OK, runs.Skipped}) {
			t.Errorf("cells = %v", got)
		}
	})
	t.Run("Python that cannot start fails its cell only", func(t *testing.T) {
		n := nb(sql("SELECT 1 AS one", "one"), py("print(1)"))
		out, err := Run(context.Background(), f.env, f.db, n, "n.ipynb", Options{Python: func(context.Context, string) (Python, error) {
			return nil, backend.Errorf(backend.EINVALID, "no Python kernel: install ipykernel")
		}})
		if err != nil || out.Err == nil || !strings.Contains(out.Err.Error(), "cell 2: no Python kernel: install ipykernel") {
			t.Fatalf("Run = %v, %v", err, out.Err)
		}
		if got := statuses(out.Record); !slices.Equal(got, []string{runs.OK, runs.Failed}) {
			t.Errorf("cells = %v", got)
		}
	})
}

// countingEngine is a second SQL engine: it runs the cell on the session
// and counts, as a cluster engine would land its result there.
type countingEngine struct {
	s     *duckdb.Session
	cells []string
}

func (e *countingEngine) Run(ctx context.Context, c duckdb.Cell) (*duckdb.Result, error) {
	e.cells = append(e.cells, c.SQL)
	return e.s.Run(ctx, c)
}

func TestRunPicksTheCellsEngine(t *testing.T) {
	f := newFixture(t)
	other := &countingEngine{s: f.db}
	remote := sql("SELECT 40 + 2 AS answer", "answer")
	remote.Meta.Engine = "cluster"
	n := nb(sql("SELECT 1", ""), remote, sql("SELECT answer FROM answer", ""))
	out, err := Run(context.Background(), f.env, f.db, n, "n.ipynb", Options{Engines: map[string]Engine{"cluster": other}})
	if err != nil || out.Err != nil {
		t.Fatalf("Run = %v, %v", err, out.Err)
	}
	if !slices.Equal(other.cells, []string{"SELECT 40 + 2 AS answer"}) {
		t.Errorf("the cluster ran %q", other.cells)
	}
	unknown := sql("SELECT 1", "")
	unknown.Meta.Engine = "spark"
	out, err = Run(context.Background(), f.env, f.db, nb(unknown), "n.ipynb", Options{})
	if err != nil || out.Err == nil || !strings.Contains(out.Err.Error(), `engine "spark", which is not set up here`) {
		t.Fatalf("unknown engine: %v, %v", err, out.Err)
	}
}

func TestRunCellsRunsTheOnesAsked(t *testing.T) {
	f := newFixture(t)
	n := nb(sql("SELECT 1 AS a", "a"), sql("SELECT 2 AS b", "b"), sql("SELECT a + 1 AS c FROM a", "c"))
	if _, err := RunCells(context.Background(), f.env, f.db, n, "n.ipynb", []string{n.Cells[0].ID}, Options{}); err != nil {
		t.Fatal(err)
	}
	out, err := RunCells(context.Background(), f.env, f.db, n, "n.ipynb", []string{n.Cells[2].ID}, Options{})
	if err != nil || out.Err != nil {
		t.Fatalf("RunCells = %v, %v", err, out.Err)
	}
	if len(out.Record.Cells) != 1 || out.Record.Cells[0].ID != n.Cells[2].ID || out.Record.Mode != "interactive" {
		t.Errorf("record = %+v", out.Record)
	}
	if len(n.Cells[1].Outputs()) != 0 {
		t.Error("a cell that was not asked for ran")
	}
	if _, err := RunCells(context.Background(), f.env, f.db, n, "n.ipynb", []string{"nope"}, Options{}); backend.ErrorCode(err) != backend.ENOTFOUND {
		t.Errorf("unknown cell: %v", err)
	}
}

func TestRunCanceled(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	n := nb(sql("SELECT count(*) FROM range(10000000000)", ""), sql("SELECT 1", ""))
	out, err := Run(ctx, f.env, f.db, n, "n.ipynb", Options{OnStart: func(CellEvent) { cancel() }})
	if err != nil {
		t.Fatal(err)
	}
	if out.Record.Status != runs.Canceled || !slices.Equal(statuses(out.Record), []string{runs.Canceled, runs.Skipped}) {
		t.Errorf("status %s, cells %v", out.Record.Status, statuses(out.Record))
	}
	if backend.ErrorCode(out.Err) != backend.ECANCELED {
		t.Errorf("error code %s (%v)", backend.ErrorCode(out.Err), out.Err)
	}
}

func TestRunSavesToTheLake(t *testing.T) {
	f := newFixture(t)
	save := sql("SELECT i, i % 2 AS even FROM range(10) t(i)", "")
	save.Meta.Lake = &notebook.LakeSave{Table: "numbers", PartitionBy: []string{"even"}, Mode: notebook.SavePartitions}
	n := nb(save, sql("SELECT count(*) AS n FROM numbers", "counted"))
	out, err := Run(context.Background(), f.env, f.db, n, "n.ipynb", Options{})
	if err != nil || out.Err != nil {
		t.Fatalf("Run = %v, %v", err, out.Err)
	}
	if !slices.Equal(out.Record.Writes, []string{"numbers"}) || !slices.Contains(out.Record.Reads, "numbers") {
		t.Errorf("writes %v, reads %v", out.Record.Writes, out.Record.Reads)
	}
	if outs := n.Cells[0].Outputs(); !strings.Contains(string(outs[len(outs)-1]), "Saved 10 rows to lake table numbers, partitioned by even") {
		t.Errorf("outputs = %s", outs)
	}
	bad := sql("SELECT 1 AS a", "")
	bad.Meta.Lake = &notebook.LakeSave{Table: "numbers", PartitionBy: []string{"b"}, Mode: notebook.SavePartitions}
	out, err = Run(context.Background(), f.env, f.db, nb(bad), "n.ipynb", Options{})
	if err != nil || out.Err == nil || !strings.Contains(out.Err.Error(), `partition column "b" is not in the result`) {
		t.Fatalf("bad partition: %v, %v", err, out.Err)
	}
	cat, err := f.lake.Catalog(context.Background())
	if err != nil || len(cat) != 1 || cat[0].Rows != 10 {
		t.Errorf("after a failed save the lake holds %+v, %v; want the 10 rows saved before", cat, err)
	}
}

func isBanner(c *notebook.Cell) bool { return slices.Contains(c.Tags, errorTag) }
