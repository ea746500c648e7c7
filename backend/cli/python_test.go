package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"smallfry/backend/notebook"
)

// copyNotebook puts a testdata notebook into a workspace's notebooks folder.
func copyNotebook(t *testing.T, ws, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	rel := filepath.Join("notebooks", name)
	if err := os.WriteFile(filepath.Join(ws, rel), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return rel
}

func needPython(t *testing.T) {
	t.Helper()
	if os.Getenv("SMALLFRY_PYTHON") == "" {
		t.Skip("SMALLFRY_PYTHON is not set: run `make python` and point it at .venv/bin/python (make test does)")
	}
}

// outputsOf flattens a cell's outputs for assertions.
func outputsOf(t *testing.T, c *notebook.Cell) (text string, mimes []string, errName string) {
	t.Helper()
	for _, raw := range c.Outputs() {
		var o struct {
			OutputType string         `json:"output_type"`
			Text       any            `json:"text"`
			Data       map[string]any `json:"data"`
			Ename      string         `json:"ename"`
		}
		if err := json.Unmarshal(raw, &o); err != nil {
			t.Fatal(err)
		}
		switch v := o.Text.(type) {
		case string:
			text += v
		case []any:
			for _, l := range v {
				text += l.(string)
			}
		}
		for m := range o.Data {
			mimes = append(mimes, m)
		}
		if o.OutputType == "error" {
			errName = o.Ename
		}
	}
	return text, mimes, errName
}

func TestRunPythonCells(t *testing.T) {
	needPython(t)
	ws := newWorkspace(t)
	rel := copyNotebook(t, ws, "python-flow.ipynb")
	out := filepath.Join(t.TempDir(), "out.ipynb")
	_, stderr, code := runSmallfry(t, ws, "run", rel, "-p", "year=1998", "-p", "label=sold", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	nb := readOutput(t, out)
	// Parameters are injected in Python syntax and reach the kernel.
	var injected *notebook.Cell
	for _, c := range nb.Cells {
		if c.IsInjectedParameters() {
			injected = c
		}
	}
	if injected == nil || injected.Source != "# Parameters\nyear = 1998\nlabel = \"sold\"\n" {
		t.Fatalf("injected cell = %+v", injected)
	}
	text, mimes, _ := outputsOf(t, nb.Cell("plot"))
	if !strings.HasPrefix(text, "DataFrame 8 1998 sold") {
		t.Errorf("python printed %q", text)
	}
	png := false
	for _, m := range mimes {
		png = png || m == "image/png"
	}
	if !png {
		t.Errorf("plot cell outputs %v, want an image/png from matplotlib", mimes)
	}
	// The DataFrame handed back to SQL is queryable by the next SQL cell.
	_, rows := bundle(t, nb.Cell("back"))
	if len(rows) != 3 || rows[0]["share"] == nil {
		t.Errorf("SQL over the Python table: %v", rows)
	}
	// The run's kernel ended with it.
	if procs := processesMentioning(ws); len(procs) > 0 {
		t.Errorf("processes left running after the run: %v", procs)
	}
}

// processesMentioning lists the command lines of processes whose arguments
// mention s (Linux /proc; elsewhere none are found).
func processesMentioning(s string) []string {
	var out []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmd), s) {
			out = append(out, strings.ReplaceAll(string(cmd), "\x00", " "))
		}
	}
	return out
}

func TestRunPythonFailures(t *testing.T) {
	needPython(t)
	ws := newWorkspace(t)
	tests := []struct {
		notebook   string
		wantCode   int
		wantStatus string
		failing    string // the cell with the error output
		ename      string
		ran        []string // cells that must have run (have outputs)
		notRun     string
	}{
		{"python-error.ipynb", 1, "failed", "boom", "ValueError", nil, "after"},
		{"python-exit0.ipynb", 0, "ok", "exit", "SystemExit", []string{"before"}, "after"},
		{"python-exit1.ipynb", 1, "failed", "exit", "SystemExit", []string{"before"}, "after"},
	}
	for _, tt := range tests {
		t.Run(tt.notebook, func(t *testing.T) {
			rel := copyNotebook(t, ws, tt.notebook)
			out := filepath.Join(t.TempDir(), "out.ipynb")
			_, stderr, code := runSmallfry(t, ws, "run", rel, "-o", out)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\n%s", code, tt.wantCode, stderr)
			}
			nb := readOutput(t, out)
			_, _, ename := outputsOf(t, nb.Cell(tt.failing))
			if ename != tt.ename {
				t.Errorf("cell %s error %q, want %s", tt.failing, ename, tt.ename)
			}
			if tt.ename == "ValueError" {
				raw := string(nb.Cell(tt.failing).Outputs()[0])
				if !strings.Contains(raw, "bad value in f") || !strings.Contains(raw, "traceback") {
					t.Errorf("error output lacks the traceback: %s", raw)
				}
			}
			for _, id := range tt.ran {
				if text, _, _ := outputsOf(t, nb.Cell(id)); text == "" {
					t.Errorf("cell %s did not run", id)
				}
			}
			if len(nb.Cell(tt.notRun).Outputs()) != 0 {
				t.Errorf("cell %s ran after the stop", tt.notRun)
			}
			rec := onlyRunOf(t, ws, filepath.ToSlash(rel))
			if rec.Status != tt.wantStatus {
				t.Errorf("record status %s, want %s", rec.Status, tt.wantStatus)
			}
		})
	}
}
