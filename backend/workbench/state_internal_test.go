package workbench

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
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
