package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"smallfry/backend"
	"smallfry/backend/duckdb"
	"smallfry/backend/kernel"
	"smallfry/backend/notebook"
	"smallfry/backend/runs"
)

func injected(source string) *notebook.Cell {
	c := notebook.NewCell(notebook.KindPython, source)
	c.Tags = []string{"injected-parameters"}
	return c
}

// seen runs a named SQL cell's result back as text, row by row.
func seen(t *testing.T, db *duckdb.Session, table string) string {
	t.Helper()
	w, err := db.Window(context.Background(), duckdb.WindowRequest{Table: duckdb.Table{Name: table}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Release()
	var rows []string
	for _, rec := range w.Records {
		for r := 0; r < int(rec.NumRows()); r++ {
			var cols []string
			for c := 0; c < int(rec.NumCols()); c++ {
				cols = append(cols, rec.Column(c).ValueStr(r))
			}
			rows = append(rows, strings.Join(cols, "|"))
		}
	}
	return strings.Join(rows, "\n")
}

// Only the values given are injected; given none, an earlier run's
// injected cell is kept and SQL sees its values; given some, a new cell
// replaces it where it was.
func TestRunInjection(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cells    func() []*notebook.Cell
		given    map[string]string
		injected string // the injected cell's source after the run; "" for none
		at       int    // its index
		sqlSaw   string
		metadata map[string]any // metadata.papermill.parameters
	}{
		{"given values only", func() []*notebook.Cell { return []*notebook.Cell{parameters("year = 1997\nlabel = 'tv'")} },
			map[string]string{"year": "1998"}, "# Parameters\nyear = 1998\n", 1, "1998|tv", map[string]any{"year": 1998.0}},
		{"nothing given, nothing injected", func() []*notebook.Cell { return []*notebook.Cell{parameters("year = 1997\nlabel = 'tv'")} },
			nil, "", -1, "1997|tv", map[string]any{}},
		{"a rerun keeps the injected cell", func() []*notebook.Cell {
			return []*notebook.Cell{parameters("year = 1997\nlabel = 'tv'"), injected("# Parameters\nyear = 2001\n")}
		}, nil, "# Parameters\nyear = 2001\n", 1, "2001|tv", map[string]any{"year": 2001.0}},
		{"a rerun given values replaces it", func() []*notebook.Cell {
			return []*notebook.Cell{parameters("year = 1997\nlabel = 'tv'"), sql("SELECT 1", ""), injected("# Parameters\nyear = 2001\n")}
		}, map[string]string{"label": "radio"}, "# Parameters\nlabel = \"radio\"\n", 2, "1997|radio", map[string]any{"label": "radio"}},
		{"no parameters cell: at the top", func() []*notebook.Cell { return []*notebook.Cell{sql("SELECT 1", "")} },
			map[string]string{"year": "5", "label": "x"}, "# Parameters\nlabel = \"x\"\nyear = 5\n", 0, "5|x", map[string]any{"year": 5.0, "label": "x"}},
		{"no parameters cell, a rerun keeps it", func() []*notebook.Cell {
			return []*notebook.Cell{injected("# Parameters\nlabel = \"x\"\nyear = 5\n"), sql("SELECT 1", "")}
		}, nil, "# Parameters\nlabel = \"x\"\nyear = 5\n", 0, "5|x", map[string]any{"year": 5.0, "label": "x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			n := nb(append(tc.cells(), sql("SELECT $year AS year, $label AS label", "seen"))...)
			var keptID string
			for _, c := range n.Cells {
				if c.IsInjectedParameters() && tc.given == nil {
					keptID = c.ID
				}
			}
			out, err := Run(context.Background(), f.env, f.db, n, "n.ipynb", Options{Params: tc.given, Python: noPython(t)})
			if err != nil || out.Err != nil {
				t.Fatalf("Run = %v, %v", err, out.Err)
			}
			at, source := -1, ""
			for i, c := range n.Cells {
				if c.IsInjectedParameters() {
					if at >= 0 {
						t.Fatal("two injected cells")
					}
					at, source = i, c.Source
					if keptID != "" && c.ID != keptID {
						t.Error("the kept cell is a new one")
					}
				}
			}
			if at != tc.at || source != tc.injected {
				t.Errorf("injected cell %d %q, want %d %q", at, source, tc.at, tc.injected)
			}
			if got := seen(t, f.db, "seen"); got != tc.sqlSaw {
				t.Errorf("SQL saw %q, want %q", got, tc.sqlSaw)
			}
			raw, _ := out.Output.Metadata("papermill")
			var pm struct{ Parameters map[string]any }
			if err := jsonUnmarshal(raw, &pm); err != nil || !reflect.DeepEqual(pm.Parameters, tc.metadata) {
				t.Errorf("metadata.papermill.parameters = %v (%v), want %v", pm.Parameters, err, tc.metadata)
			}
		})
	}
}

// Every kind of default a parameters cell holds reaches SQL as its SQL
// value; one SQL cannot take fails the cells that use it, naming it and
// the line, and no other.
func TestRunParameterKinds(t *testing.T) {
	cell := `import datetime
limit = None
ids = [1, 2, 3]
names = ("a", "it's")
start = datetime.date(2024, 1, 2)
at = datetime.datetime(2024, 1, 2, 3, 4, 5)
cfg = {"a": 1}
path = r"C:\new"
escaped = "a\\nb"
today = datetime.date.today()
`
	f := newFixture(t)
	n := nb(parameters(cell),
		sql("SELECT $limit IS NULL AS no_limit, len($ids) AS n, list_contains($ids, 2) AS has2, $names[2] AS name, "+
			"$start + 1 AS next_day, typeof($start) AS t, $at::VARCHAR || ' ' || typeof($at) AS at, $path AS path, length($escaped) AS len", "kinds"))
	out, err := Run(context.Background(), f.env, f.db, n, "n.ipynb", Options{Python: noPython(t)})
	if err != nil || out.Err != nil {
		t.Fatalf("Run = %v, %v", err, out.Err)
	}
	if got, want := seen(t, f.db, "kinds"), `true|3|true|it's|2024-01-03|DATE|2024-01-02 03:04:05 TIMESTAMP|C:\new|4`; got != want {
		t.Errorf("SQL saw %s\nwant     %s", got, want)
	}
	for _, tc := range []struct {
		name, sql string
		given     map[string]string
		want      string
	}{
		{"a dict", "SELECT 1,\n  $cfg ->> 'a'", nil, "n.ipynb, cell 2, line 2: parameter cfg is a dict, which SQL cannot take"},
		{"a value Python computes", "SELECT $today", nil, "n.ipynb, cell 2, line 1: parameter today is set by Python code (datetime.date.today(), line 10 of the parameters cell), which SQL cannot read: pass its value (-p today=…)"},
		{"given, it is known", "SELECT $today + 1 AS d", map[string]string{"today": "2024-05-01"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			n := nb(parameters(cell), sql(tc.sql, ""))
			out, err := Run(context.Background(), f.env, f.db, n, "n.ipynb", Options{Params: tc.given, Python: noPython(t)})
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if out.Err != nil {
					t.Fatalf("run failed: %v", out.Err)
				}
				return
			}
			if out.Err == nil || !strings.Contains(backend.ErrorMessage(out.Err), tc.want) {
				t.Fatalf("error %v, want %q", out.Err, tc.want)
			}
		})
	}
}

// Broken parameters are refused before anything runs, naming the cell
// and the line; a huge literal is fine.
func TestRunBrokenParameters(t *testing.T) {
	huge := "ids = [" + strings.Repeat("7, ", 100_000) + "]"
	for _, tc := range []struct {
		name  string
		cells []*notebook.Cell
		given map[string]string
		want  string
	}{
		{"syntax error", []*notebook.Cell{sql("SELECT 1", ""), parameters("import os\nyear = 1997\nlabel = 'tv\n")}, nil,
			"n.ipynb: parameters cell (cell 2), line 3: unterminated string"},
		{"unterminated list", []*notebook.Cell{parameters("ids = [1, 2,\n  3\nyear = 1")}, nil,
			"n.ipynb: parameters cell (cell 1), line 1: the [ opened here is never closed"},
		{"broken kept injected cell", []*notebook.Cell{parameters("year = 1"), injected("year = 2 3")}, nil,
			"n.ipynb: injected-parameters cell (cell 2) of an earlier run, line 1: year: 3 cannot follow 2"},
		{"a -p list unterminated", []*notebook.Cell{parameters("ids = [1]")}, map[string]string{"ids": "[1, 2"},
			`parameter ids: "[1, 2" is not a list`},
		{"huge literal", []*notebook.Cell{parameters(huge)}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			n := nb(append(tc.cells, sql("SELECT 1 AS one", ""))...)
			out, err := Run(context.Background(), f.env, f.db, n, "n.ipynb", Options{Params: tc.given, Python: noPython(t)})
			if tc.want == "" {
				if err != nil || out.Err != nil {
					t.Fatalf("Run = %v, %v", err, out.Err)
				}
				return
			}
			if backend.ErrorCode(err) != backend.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run = %v, want %q", err, tc.want)
			}
			if list, _ := f.runs.List(""); len(list) != 0 {
				t.Errorf("a refused run left %d records", len(list))
			}
		})
	}
}

// A kernel that dies under a cell fails the run, saying so in the error,
// the cell's outputs (after what it printed) and the record.
func TestRunKernelDies(t *testing.T) {
	fp := &fakePython{
		answer: func(code string) *kernel.Reply {
			return &kernel.Reply{Outputs: []kernel.Output{{"output_type": "stream", "name": "stdout", "text": "before\n"}}}
		},
		fail: func(code string) error {
			if strings.Contains(code, "_exit") {
				return fmt.Errorf("execute: %w (exit status 1)", kernel.ErrDied)
			}
			return nil
		},
	}
	python := func(context.Context, string) (Python, error) { return fp, nil }
	for _, headless := range []bool{true, false} {
		t.Run(map[bool]string{true: "headless", false: "interactive"}[headless], func(t *testing.T) {
			f := newFixture(t)
			dying := py("import os; print('before'); os._exit(1)")
			n := nb(py("print(1)"), dying, sql("SELECT 1", ""))
			var out *Outcome
			var err error
			if headless {
				out, err = Run(context.Background(), f.env, f.db, n, filepath.Join(f.env.Root, "n.ipynb"), Options{Python: python})
			} else {
				out, err = RunCells(context.Background(), f.env, f.db, n, "n.ipynb", []string{n.Cells[0].ID, dying.ID, n.Cells[2].ID}, Options{Python: python})
			}
			if err != nil {
				t.Fatal(err)
			}
			msg := backend.ErrorMessage(out.Err)
			if !strings.Contains(msg, "n.ipynb, cell 2: the kernel died (exit status 1) while the cell ran") {
				t.Errorf("error %q", msg)
			}
			if advice := strings.Contains(msg, "restart the kernel"); advice == headless {
				t.Errorf("restart advice %v in %q", advice, msg)
			}
			outs := dying.Outputs()
			if len(outs) != 2 || !strings.Contains(string(outs[0]), "before") || !strings.Contains(string(outs[1]), `"ename":"DeadKernelError"`) {
				t.Errorf("outputs = %s", outs)
			}
			if out.Record.Status != runs.Failed || !strings.Contains(out.Record.Error, "the kernel died") {
				t.Errorf("record %s %q", out.Record.Status, out.Record.Error)
			}
			if got := statuses(out.Record); !reflect.DeepEqual(got, []string{runs.OK, runs.Failed, runs.Skipped}) {
				t.Errorf("cells %v", got)
			}
			if headless {
				raw, _ := out.Output.Metadata("papermill")
				if !strings.Contains(string(raw), `"exception":true`) || !isBanner(n.Cells[0]) {
					t.Errorf("metadata.papermill %s; first cell a banner: %v", raw, isBanner(n.Cells[0]))
				}
			}
		})
	}
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
