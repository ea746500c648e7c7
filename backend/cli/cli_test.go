package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"smallfry/backend/notebook"
	"smallfry/backend/outputs"
	"smallfry/backend/runs"
	"smallfry/backend/smallfry"
	"smallfry/backend/workspace"
)

// runSmallfry runs the command line as a user types it: the built binary when
// SMALLFRY_BIN names it (make test does), else the same code in-process.
func runSmallfry(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	if bin := os.Getenv("SMALLFRY_BIN"); bin != "" {
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &out, &errOut
		cmd.Env = append(os.Environ(), "SMALLFRY_WORKSPACE="+filepath.Join(dir, "default-workspace"))
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return out.String(), errOut.String(), ee.ExitCode()
		} else if err != nil {
			t.Fatalf("run %s: %v", bin, err)
		}
		return out.String(), errOut.String(), 0
	}
	t.Chdir(dir)
	t.Setenv("SMALLFRY_WORKSPACE", filepath.Join(dir, "default-workspace"))
	code = Main(context.Background(), args, Streams{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut},
		Config{OpenWindow: func(context.Context, smallfry.Config) error { t.Fatal("the window must not open"); return nil }})
	return out.String(), errOut.String(), code
}

// newWorkspace makes a fresh sample workspace (1.2M fact rows: about a second).
func newWorkspace(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	w, err := workspace.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	w.Close() // the test's hold on it: the smallfry under test opens it anew
	return dir
}

func readOutput(t *testing.T, path string) *notebook.Notebook {
	t.Helper()
	nb, err := notebook.ReadFile(path)
	if err != nil {
		t.Fatalf("output notebook: %v", err)
	}
	return nb
}

// bundle decodes a cell's Table Schema bundle.
func bundle(t *testing.T, c *notebook.Cell) (fields []string, data []map[string]any) {
	t.Helper()
	for _, raw := range c.Outputs() {
		var o struct {
			OutputType string `json:"output_type"`
			Data       map[string]json.RawMessage
		}
		if err := json.Unmarshal(raw, &o); err != nil {
			t.Fatal(err)
		}
		if b, ok := o.Data[outputs.TableMIME]; ok {
			var tb struct {
				Schema struct{ Fields []struct{ Name string } }
				Data   []map[string]any
			}
			if err := json.Unmarshal(b, &tb); err != nil {
				t.Fatal(err)
			}
			for _, f := range tb.Schema.Fields {
				fields = append(fields, f.Name)
			}
			return fields, tb.Data
		}
	}
	t.Fatalf("cell %s has no table bundle: %s", c.ID, c.Outputs())
	return nil, nil
}

func onlyRun(t *testing.T, ws string) *runs.Record {
	t.Helper()
	store, _ := runs.Open(filepath.Join(ws, ".smallfry", "runs"))
	list, err := store.List("")
	if err != nil || len(list) != 1 {
		t.Fatalf("want exactly one run record, got %d (%v)", len(list), err)
	}
	return list[0]
}

func TestRunSampleNotebooks(t *testing.T) {
	ws := newWorkspace(t)
	tests := []struct {
		notebook string
		reads    []string
		writes   []string
	}{
		{"tour.ipynb", []string{"Fact_Sales", "Dim_Product", "raw.events"}, nil},
		{"sales-by-brand-and-country.ipynb", []string{"Fact_Sales", "Dim_Date", "Dim_Store", "Dim_Product"}, nil},
		{"events-etl.ipynb", []string{"raw.events", "events_daily"}, []string{"events_daily"}},
	}
	for _, tt := range tests {
		t.Run(tt.notebook, func(t *testing.T) {
			input := filepath.Join("notebooks", tt.notebook)
			before, _ := os.ReadFile(filepath.Join(ws, input))
			out := filepath.Join(t.TempDir(), "out.ipynb")
			_, stderr, code := runSmallfry(t, ws, "run", input, "-o", out)
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			nb := readOutput(t, out)
			for _, c := range nb.Cells {
				if c.Kind == notebook.KindSQL && len(c.Outputs()) == 0 {
					t.Errorf("SQL cell %s has no output", c.ID)
				}
			}
			if after, _ := os.ReadFile(filepath.Join(ws, input)); !bytes.Equal(before, after) {
				t.Error("running a notebook changed the notebook file")
			}
			rec := onlyRunOf(t, ws, "notebooks/"+tt.notebook)
			if rec.Status != runs.OK {
				t.Errorf("record status %s", rec.Status)
			}
			for _, want := range tt.reads {
				if !contains(rec.Reads, want) {
					t.Errorf("record reads %v, missing %s", rec.Reads, want)
				}
			}
			if strings.Join(rec.Writes, ",") != strings.Join(tt.writes, ",") {
				t.Errorf("record writes %v, want %v", rec.Writes, tt.writes)
			}
			// Reopening shows the outputs, from the run history.
			app, err := smallfry.Open(context.Background(), smallfry.Config{Workspace: ws})
			if err != nil {
				t.Fatal(err)
			}
			defer app.Close()
			opened, err := app.Workbench.OpenNotebook(context.Background(), tt.notebook)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range nb.Cells {
				if c.Kind == notebook.KindSQL && opened.Outputs[c.ID] == nil {
					t.Errorf("reopened: SQL cell %s shows no output", c.ID)
				}
			}
		})
	}
}

func onlyRunOf(t *testing.T, ws, rel string) *runs.Record {
	t.Helper()
	store, _ := runs.Open(filepath.Join(ws, ".smallfry", "runs"))
	list, err := store.List(rel)
	if err != nil || len(list) != 1 {
		t.Fatalf("want one run of %s, got %d (%v)", rel, len(list), err)
	}
	return list[0]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestRunWithParameters(t *testing.T) {
	ws := newWorkspace(t)
	out := filepath.Join(t.TempDir(), "out.ipynb")
	_, stderr, code := runSmallfry(t, ws, "run", "-p", "year=1998", "notebooks/sales-by-brand-and-country.ipynb", "-p", "category=laptop", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	nb := readOutput(t, out)
	var injected *notebook.Cell
	for i, c := range nb.Cells {
		if c.IsInjectedParameters() {
			injected = c
			if !nb.Cells[i-1].IsParameters() {
				t.Errorf("injected cell is not right after the parameters cell")
			}
		}
	}
	if injected == nil || injected.Source != "# Parameters\nyear = 1998\ncategory = \"laptop\"\n" {
		t.Fatalf("injected cell = %+v", injected)
	}
	sales := nb.Cell("sales")
	_, rows := bundle(t, sales)
	if len(rows) == 0 {
		t.Fatal("no sales rows for 1998 laptops")
	}
	// The by_country cell's chart is in the output as a Vega-Lite bundle
	// with its rows inline, which JupyterLab draws.
	var chart struct {
		Data struct {
			Values []map[string]any `json:"values"`
		} `json:"data"`
		Mark any `json:"mark"`
	}
	found := false
	for _, o := range nb.Cell("by-country").Outputs() {
		var out struct {
			Data map[string]json.RawMessage `json:"data"`
		}
		if json.Unmarshal(o, &out) == nil && out.Data[outputs.VegaLiteMIME] != nil {
			found = json.Unmarshal(out.Data[outputs.VegaLiteMIME], &chart) == nil
		}
	}
	if !found || len(chart.Data.Values) == 0 || chart.Mark == nil {
		t.Errorf("by_country chart output = %+v (found %v)", chart, found)
	} else if _, ok := chart.Data.Values[0]["Units"].(float64); !ok {
		t.Errorf("chart Units value %v is not a number", chart.Data.Values[0]["Units"])
	}
	rec := onlyRun(t, ws)
	if rec.Parameters["year"] != 1998.0 || rec.Parameters["category"] != "laptop" {
		t.Errorf("record parameters = %v", rec.Parameters)
	}
	// The same notebook and parameters give the same result document.
	out2 := filepath.Join(t.TempDir(), "out2.ipynb")
	if _, stderr, code := runSmallfry(t, ws, "run", "notebooks/sales-by-brand-and-country.ipynb", "-p", "year=1998", "-p", "category=laptop", "-o", out2); code != 0 {
		t.Fatalf("second run: exit %d\n%s", code, stderr)
	}
	_, rows2 := bundle(t, readOutput(t, out2).Cell("sales"))
	a, _ := json.Marshal(rows)
	b, _ := json.Marshal(rows2)
	if !bytes.Equal(a, b) {
		t.Error("two runs with the same parameters gave different results")
	}
}

// Bad input is refused before anything runs: exit 2, a clear message, no
// run record, no output file, the notebook untouched.
func TestRunRefusesBadInput(t *testing.T) {
	ws := newWorkspace(t)
	write := func(name, text string) string {
		p := filepath.Join(ws, "notebooks", name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return filepath.Join("notebooks", name)
	}
	sales := "notebooks/sales-by-brand-and-country.ipynb"
	good, _ := os.ReadFile(filepath.Join(ws, sales))
	truncated := write("truncated.ipynb", string(good[:len(good)/2]))
	v3 := write("old.ipynb", `{"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": []}]}`)
	notJSON := write("notes.ipynb", "these are my notes")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown parameter", []string{"run", sales, "-p", "yaer=1998"}, `unknown parameter "yaer" (this notebook's parameters: year (int), category (string))`},
		{"parameter of the wrong type", []string{"run", sales, "-p", "year=nineteen"}, `parameter year: "nineteen" is not an int`},
		{"malformed -p", []string{"run", sales, "-p", "year"}, `"year" is not name=value`},
		{"truncated notebook", []string{"run", truncated}, "truncated.ipynb"},
		{"nbformat 3", []string{"run", v3}, "nbformat 3"},
		{"not JSON", []string{"run", notJSON}, "notes.ipynb"},
		{"missing notebook", []string{"run", "notebooks/nope.ipynb"}, "nope.ipynb"},
		{"output over input", []string{"run", sales, "-o", sales}, "would overwrite the notebook being run"},
		{"two notebooks", []string{"run", sales, sales}, "expected one notebook, got 2"},
		{"unknown command", []string{"walk"}, `unknown command "walk"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.ipynb")
			args := tt.args
			if tt.name != "output over input" && tt.args[0] == "run" {
				args = append(append([]string{}, tt.args...), "-o", out)
			}
			_, stderr, code := runSmallfry(t, ws, args...)
			if code != 2 {
				t.Errorf("exit %d, want 2\n%s", code, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr does not say %q:\n%s", tt.want, stderr)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("an output notebook was written")
			}
		})
	}
	if now, _ := os.ReadFile(filepath.Join(ws, sales)); !bytes.Equal(now, good) {
		t.Error("the notebook changed")
	}
	store, _ := runs.Open(filepath.Join(ws, ".smallfry", "runs"))
	if list, _ := store.List(""); len(list) != 0 {
		t.Errorf("%d run records left by refused runs", len(list))
	}
}

// A failing cell fails the run: exit 1, the error names cell and line, the
// output notebook holds the error and no outputs for the cells after it.
func TestRunFailingCell(t *testing.T) {
	ws := newWorkspace(t)
	path := filepath.Join(ws, "notebooks", "sales-by-brand-and-country.ipynb")
	nb, err := notebook.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	nb.Cell("by-country").Source = "SELECT Countries, sum(Units)\nFROM sales\nGROUP BY ALL\nORDER BY Unitz DESC"
	if err := notebook.WriteFile(path, nb); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.ipynb")
	_, stderr, code := runSmallfry(t, ws, "run", "notebooks/sales-by-brand-and-country.ipynb", "-o", out)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, stderr)
	}
	want := "sales-by-brand-and-country.ipynb, cell 4 (by_country), line 4: Binder Error"
	if !strings.Contains(stderr, want) || !strings.Contains(stderr, "4 | ORDER BY Unitz DESC") {
		t.Errorf("stderr does not name the cell and line (%q):\n%s", want, stderr)
	}
	got := readOutput(t, out)
	var errOut struct {
		OutputType string `json:"output_type"`
		Ename      string
		Evalue     string
	}
	if err := json.Unmarshal(got.Cell("by-country").Outputs()[0], &errOut); err != nil {
		t.Fatal(err)
	}
	if errOut.OutputType != "error" || errOut.Ename != "BinderError" || !strings.Contains(errOut.Evalue, "line 4") {
		t.Errorf("failing cell output = %+v", errOut)
	}
	if n := len(got.Cell("top-brand").Outputs()); n != 0 {
		t.Errorf("cell after the failure has %d outputs", n)
	}
	if _, rows := bundle(t, got.Cell("sales")); len(rows) == 0 {
		t.Error("the cell before the failure lost its output")
	}
	rec := onlyRun(t, ws)
	if rec.Status != runs.Failed || !strings.Contains(rec.Error, "line 4") {
		t.Errorf("record = %s %q", rec.Status, rec.Error)
	}
	statuses := map[string]string{}
	for _, c := range rec.Cells {
		statuses[c.ID] = c.Status
	}
	if statuses["sales"] != runs.OK || statuses["by-country"] != runs.Failed || statuses["top-brand"] != runs.Skipped {
		t.Errorf("cell statuses = %v", statuses)
	}
}

// A corrupt Parquet file in the lake: the error names the file; the lake keeps it.
func TestRunCorruptParquet(t *testing.T) {
	ws := newWorkspace(t)
	files, _ := filepath.Glob(filepath.Join(ws, "lake", "Fact_Sales", "_v", "*", "part-0.parquet"))
	if len(files) != 1 {
		t.Fatalf("the sample table's data file: %v", files)
	}
	bad := files[0]
	if err := os.WriteFile(bad, []byte("PAR1 not really parquet"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runSmallfry(t, ws, "run", "notebooks/sales-by-brand-and-country.ipynb")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "part-0.parquet") || !strings.Contains(stderr, "cell 3 (sales)") {
		t.Errorf("stderr does not name the file and cell:\n%s", stderr)
	}
	if _, err := os.Stat(bad); err != nil {
		t.Errorf("the corrupt file is gone: %v", err)
	}
}

func TestRunWithoutParametersCell(t *testing.T) {
	ws := newWorkspace(t)
	out := filepath.Join(t.TempDir(), "out.ipynb")
	_, stderr, code := runSmallfry(t, ws, "run", "notebooks/tour.ipynb", "-p", "limit=5", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, `warning: the notebook has no cell tagged "parameters"`) {
		t.Errorf("no warning:\n%s", stderr)
	}
	if first := readOutput(t, out).Cells[0]; !first.IsInjectedParameters() || first.Source != "# Parameters\nlimit = 5\n" {
		t.Errorf("first cell = %+v", first)
	}
}

// A lake write whose partition column is missing fails the cell and leaves
// the table as it was.
func TestRunLakeWriteFailureKeepsPreviousVersion(t *testing.T) {
	ws := newWorkspace(t)
	etl := "notebooks/events-etl.ipynb"
	if _, stderr, code := runSmallfry(t, ws, "run", etl); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	list := func() string {
		var files []string
		filepath.WalkDir(filepath.Join(ws, "lake", "events_daily"), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				st, _ := d.Info()
				files = append(files, p+":"+st.ModTime().String())
			}
			return nil
		})
		return strings.Join(files, "\n")
	}
	before := list()
	path := filepath.Join(ws, etl)
	nb, _ := notebook.ReadFile(path)
	nb.Cell("daily").SetMetadata("smallfry", map[string]any{"kind": "sql", "name": "daily", "lake": map[string]any{"table": "events_daily", "partition_by": []string{"event_day"}, "mode": "partitions"}})
	if err := notebook.WriteFile(path, nb); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runSmallfry(t, ws, "run", etl)
	if code != 1 || !strings.Contains(stderr, `partition column "event_day" is not in the result`) {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if after := list(); after != before {
		t.Errorf("the lake table changed after a failed write")
	}
}
