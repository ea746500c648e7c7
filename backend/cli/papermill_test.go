package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"smallfry/backend/notebook"
	"smallfry/backend/runs"
)

// injectedSource is the output's injected-parameters cell, "" for none.
func injectedSource(nb *notebook.Notebook) string {
	for _, c := range nb.Cells {
		if c.IsInjectedParameters() {
			return c.Source
		}
	}
	return ""
}

// Every kind of parameter reaches SQL and Python alike: the notebook's
// last cell compares what SQL bound with Python's variables and fails on
// any difference. So with the defaults, with -p values, and on a rerun of
// the output notebook, which keeps its injected values.
func TestRunParametersBothSides(t *testing.T) {
	needPython(t)
	ws := newWorkspace(t)
	rel := copyNotebook(t, ws, "params-both-sides.ipynb")
	dir := t.TempDir()
	check := func(name string, args ...string) *notebook.Notebook {
		t.Helper()
		out := filepath.Join(dir, name)
		_, stderr, code := runSmallfry(t, ws, append(append([]string{"run"}, args...), "-o", out)...)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", name, code, stderr)
		}
		nb := readOutput(t, out)
		if text, _, _ := outputsOf(t, nb.Cell("python-side")); !strings.Contains(text, "all match 12") {
			t.Fatalf("%s: the Python cell printed %q", name, text)
		}
		return nb
	}
	if nb := check("defaults.ipynb", rel); injectedSource(nb) != "" {
		t.Errorf("nothing given, but injected:\n%s", injectedSource(nb))
	}
	given := check("given.ipynb", rel, "-p", "ids=[4, 5]", "-p", "limit=7", "-p", "start=2025-01-01", "-p", `escaped=x\ny`,
		"-p", `quoted=o'k "q"`, "-p", "at=2025-01-01T01:02:03", "-p", `raw=D:\tmp`, "-p", "rate=inf", "-p", `names=["a"]`)
	want := "# Parameters\nimport datetime\nlimit = 7\nids = [4, 5]\nnames = (\"a\",)\nescaped = \"x\\\\ny\"\nquoted = \"o'k \\\"q\\\"\"\n" +
		"raw = \"D:\\\\tmp\"\nstart = datetime.date(2025, 1, 1)\nat = datetime.datetime(2025, 1, 1, 1, 2, 3)\nrate = float('inf')\n"
	if got := injectedSource(given); got != want {
		t.Errorf("injected cell:\n%s\nwant only the values given:\n%s", got, want)
	}
	// The output, run again without -p, keeps those values, in SQL too.
	again := check("again.ipynb", filepath.Join(dir, "given.ipynb"))
	if injectedSource(again) != want {
		t.Errorf("the rerun's injected cell:\n%s", injectedSource(again))
	}
	var pm struct {
		Parameters map[string]any `json:"parameters"`
		Exception  any            `json:"exception"`
		OutputPath string         `json:"output_path"`
	}
	raw, _ := again.Metadata("papermill")
	if err := json.Unmarshal(raw, &pm); err != nil || pm.Parameters["limit"] != 7.0 || pm.Exception != nil || pm.OutputPath != filepath.Join(dir, "again.ipynb") {
		t.Errorf("metadata.papermill = %s", raw)
	}
	// A SQL cell that names the dict parameter fails, naming it and the line.
	path := filepath.Join(ws, rel)
	nb, err := notebook.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad := notebook.NewCell(notebook.KindSQL, "SELECT 1,\n  $cfg")
	nb.InsertCell(len(nb.Cells), bad)
	if err := notebook.WriteFile(path, nb); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runSmallfry(t, ws, "run", rel)
	if code != 1 || !strings.Contains(stderr, "cell 5, line 2: parameter cfg is a dict, which SQL cannot take") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
}

// The kernel works in the notebook's folder: relative paths in user code
// resolve beside the notebook, while tables still cross through the
// scratch folder. (The notebook's kernelspec says "python", Jupyter's
// alias of python3.)
func TestRunKernelWorksInTheNotebookFolder(t *testing.T) {
	needPython(t)
	ws := newWorkspace(t)
	folder := filepath.Join(ws, "notebooks", "reports")
	if err := os.MkdirAll(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join("testdata", "cwd.ipynb"))
	if err := os.WriteFile(filepath.Join(folder, "cwd.ipynb"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(folder, "data.csv"), []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.ipynb")
	_, stderr, code := runSmallfry(t, ws, "run", filepath.Join("notebooks", "reports", "cwd.ipynb"), "-o", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	nb := readOutput(t, out)
	text, _, _ := outputsOf(t, nb.Cell("where"))
	abs, _ := filepath.EvalSymlinks(folder)
	if lines := strings.Split(strings.TrimSpace(text), "\n"); len(lines) != 3 || (lines[0] != folder && lines[0] != abs) || lines[2] != "1,2" {
		t.Errorf("the kernel printed %q, want its folder %s and data.csv", text, folder)
	}
	if text, _, _ := outputsOf(t, nb.Cell("handoff")); !strings.Contains(text, "answer 42") {
		t.Errorf("the SQL result did not reach Python: %q", text)
	}
	if _, rows := bundle(t, nb.Cell("back")); len(rows) != 1 || rows[0]["twice"] != 84.0 {
		t.Errorf("the Python table did not reach SQL: %v", rows)
	}
}

// A kernel that dies in a cell (os._exit, SIGKILL) fails the run: exit 1,
// a message saying the kernel died, the cell's output and the record too.
func TestRunKernelDies(t *testing.T) {
	needPython(t)
	ws := newWorkspace(t)
	for _, tc := range []struct{ notebook, how string }{
		{"python-dies-exit.ipynb", "the kernel died (exit status 1) while the cell ran"},
		{"python-dies-kill.ipynb", "the kernel died (signal: killed) while the cell ran"},
	} {
		t.Run(tc.notebook, func(t *testing.T) {
			rel := copyNotebook(t, ws, tc.notebook)
			out := filepath.Join(t.TempDir(), "out.ipynb")
			_, stderr, code := runSmallfry(t, ws, "run", rel, "-o", out)
			if code != 1 {
				t.Fatalf("exit %d, want 1\n%s", code, stderr)
			}
			if !strings.Contains(stderr, "error: "+tc.notebook+", cell 2: "+tc.how) || strings.Contains(stderr, "restart the kernel") {
				t.Errorf("stderr does not say the kernel died:\n%s", stderr)
			}
			nb := readOutput(t, out)
			text, _, ename := outputsOf(t, nb.Cell("dies"))
			if ename != "DeadKernelError" || !strings.Contains(text, "dying") {
				t.Errorf("the dying cell's outputs: %q, error %q\n%s", text, ename, stderr)
			}
			if len(nb.Cell("after").Outputs()) != 0 {
				t.Error("a cell ran after the kernel died")
			}
			if !strings.Contains(nb.Cells[0].Source, "An Exception was encountered at") {
				t.Errorf("no papermill banner: %q", nb.Cells[0].Source)
			}
			rec := onlyRunOf(t, ws, filepath.ToSlash(rel))
			if rec.Status != runs.Failed || !strings.Contains(rec.Error, tc.how) {
				t.Errorf("record %s %q", rec.Status, rec.Error)
			}
			if procs := processesMentioning(ws); len(procs) > 0 {
				t.Errorf("processes left running: %v", procs)
			}
		})
	}
}

// A broken parameters cell is refused before anything runs (exit 2) with
// the line of the mistake; any other Python in it, and a huge literal, run.
func TestRunParametersCellInput(t *testing.T) {
	ws := newWorkspace(t)
	write := func(name, params string) string {
		t.Helper()
		nb := notebook.New()
		p := notebook.NewCell(notebook.KindPython, params)
		p.Tags = []string{"parameters"}
		nb.Cells = []*notebook.Cell{p, notebook.NewCell(notebook.KindSQL, "SELECT len($ids) AS n")}
		path := filepath.Join(ws, "notebooks", name)
		if err := notebook.WriteFile(path, nb); err != nil {
			t.Fatal(err)
		}
		return filepath.Join("notebooks", name)
	}
	for _, tc := range []struct {
		name, params string
		args         []string
		code         int
		want         string
	}{
		{"syntax error", "import os\nids = [1, 2]\nlabel = 'tv\n", nil, 2, "syntax-error.ipynb: parameters cell (cell 1), line 3: unterminated string"},
		{"unterminated list", "ids = [1, 2,\n  3\n\nyear = 1997\n", nil, 2, "parameters cell (cell 1), line 1: the [ opened here is never closed"},
		{"unterminated -p list", "ids = [1]", []string{"-p", "ids=[1, 2"}, 2, `parameter ids: "[1, 2" is not a list`},
		{"imports and code", "import os, sys\nif sys.platform:\n    pass\nids = [1, 2,\n       3]  # three\n", nil, 0, ""},
		{"huge literal", "ids = [" + strings.Repeat("1, ", 200_000) + "]", nil, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rel := write(strings.ReplaceAll(tc.name, " ", "-")+".ipynb", tc.params)
			out := filepath.Join(t.TempDir(), "out.ipynb")
			_, stderr, code := runSmallfry(t, ws, append(append([]string{"run", rel}, tc.args...), "-o", out)...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d (want %d), stderr:\n%s\nwant it to say %q", code, tc.code, stderr, tc.want)
			}
			if _, err := os.Stat(out); (err == nil) != (tc.code == 0) {
				t.Errorf("output written: %v", err == nil)
			}
		})
	}
}
