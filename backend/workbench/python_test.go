package workbench_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"smallfry/backend/workbench"
)

func needPython(t *testing.T) {
	t.Helper()
	if os.Getenv("SMALLFRY_PYTHON") == "" {
		t.Skip("SMALLFRY_PYTHON is not set: run `make python` and point it at .venv/bin/python (make test does)")
	}
}

// streamText is what a Python cell printed.
func streamText(out *workbench.CellOutput) string {
	var s strings.Builder
	for _, raw := range out.Jupyter {
		var o struct {
			Text any `json:"text"`
		}
		json.Unmarshal(raw, &o)
		if t, ok := o.Text.(string); ok {
			s.WriteString(t)
		}
	}
	return s.String()
}

func TestPythonKernelDiesAndRestarts(t *testing.T) {
	needPython(t)
	s, rec := newService(t)
	ctx := context.Background()
	entry, err := s.CreateNotebook(ctx, "py")
	if err != nil {
		t.Fatal(err)
	}
	nb := open(t, s, entry.Path)
	cells := []workbench.CellData{
		{ID: "pid", Kind: "python", Source: "import os\nx = 41\nprint(os.getpid())"},
		{ID: "use", Kind: "python", Source: "print(x + 1)"},
	}
	run := func(id string) *workbench.CellOutput {
		t.Helper()
		if _, err := s.RunCells(ctx, nb.Session, workbench.RunRequest{Cells: cells, Run: []string{id}}); err != nil {
			t.Fatal(err)
		}
		evs := rec.cellEvents(id)
		return evs[len(evs)-1].Output
	}
	pid, err := strconv.Atoi(strings.TrimSpace(streamText(run("pid"))))
	if err != nil {
		t.Fatal(err)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	if out := run("use"); out.Error == nil || !strings.Contains(out.Error.Message, "kernel died") {
		t.Fatalf("after the kill: %+v, want a kernel died error", out)
	}
	if _, err := s.RestartKernel(ctx, nb.Session); err != nil {
		t.Fatalf("RestartKernel: %v", err)
	}
	run("pid")
	if out := run("use"); streamText(out) != "42\n" {
		t.Fatalf("after the restart: %q (error %+v)", streamText(out), out.Error)
	}
}

// A notebook written in JupyterLab for a Python kernel opens, runs, and
// saving an edit changes only the edited cell.
func TestPlainJupyterNotebook(t *testing.T) {
	needPython(t)
	s, rec := newService(t)
	ctx := context.Background()
	data, err := os.ReadFile("../notebook/testdata/v44_no_ids.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(notebooksDir(t, s), "jupyterlab.ipynb")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	nb := open(t, s, "jupyterlab.ipynb")
	var code []string
	for _, c := range nb.Cells {
		if c.Kind != "python" && c.Kind != "markdown" {
			t.Fatalf("cell %s is %s, want python or markdown", c.ID, c.Kind)
		}
		if c.Kind == "python" {
			code = append(code, c.ID)
		}
	}
	sum, err := s.RunCells(ctx, nb.Session, workbench.RunRequest{Cells: nb.Cells, Run: code})
	if err != nil || sum.Status != "failed" || !strings.Contains(sum.Error, "ZeroDivisionError") {
		t.Fatalf("run all = %+v, %v; want the 1/0 cell to fail", sum, err)
	}
	if out := rec.cellEvents(code[0]); streamText(out[len(out)-1].Output) != "hello\n" {
		t.Errorf("first cell printed %q", streamText(out[len(out)-1].Output))
	}
	cells := append([]workbench.CellData(nil), nb.Cells...)
	for i := range cells {
		if cells[i].ID == code[1] {
			cells[i].Source = "x = 2\nx"
		}
	}
	if _, err := s.SaveNotebook(ctx, nb.Session, cells); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	removed, added := lineDiff(string(data), string(after))
	if len(removed) != 1 || len(added) != 1 || !strings.Contains(added[0], "x = 2") {
		t.Errorf("saving changed -%q +%q; want only the edited line", removed, added)
	}
}
