package workbench

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"smallfry/backend/notebook"
)

func TestTracebackLine(t *testing.T) {
	tests := []struct {
		file string
		want int
	}{
		{"name-error.json", 2},   // IPython 8: Cell In[1], line 2
		{"syntax-error.json", 2}, // a SyntaxError's frame is the cell's too
		{"library.json", 3},      // raised in json: the cell's line that called it
		{"old-ipython.json", 2},  // IPython 7: <ipython-input-…> and ----> 2
		{"no-error.json", 0},     // no traceback, no line
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "tracebacks", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var outs []json.RawMessage
			if err := json.Unmarshal(data, &outs); err != nil {
				t.Fatal(err)
			}
			if got := tracebackLine(outs); got != tt.want {
				t.Errorf("tracebackLine = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestPapermillStates(t *testing.T) {
	nb, err := notebook.ReadFile(filepath.Join("testdata", "papermill", "fail-out.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	got := papermillStates(nb)
	want := map[string]CellState{
		"cell-2": {Status: StatusDone, ElapsedMs: 7, ExecutionCount: 2},
		"cell-3": {Status: StatusError, ElapsedMs: 198, ExecutionCount: 3},
		"cell-4": {Status: StatusSkipped}, // pending: the run did not reach it
	}
	if len(got) != len(want) {
		t.Errorf("states of %d cells, want %d (not the parameters or markdown cells): %v", len(got), len(want), got)
	}
	for id, w := range want {
		if g := got[id]; g == nil || *g != w {
			t.Errorf("state of %s = %+v, want %+v", id, g, w)
		}
	}
}
