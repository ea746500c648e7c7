package workbench_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Collapsed outputs are read from and saved to the .ipynb as JupyterLab
// does (metadata.jupyter.outputs_hidden, metadata.collapsed).
func TestCollapsedOutputsAreSavedLikeJupyterLab(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	data, err := os.ReadFile(filepath.Join("testdata", "collapsed", "jupyterlab.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	dir := notebooksDir(t, s)
	file := filepath.Join(dir, "collapsed.ipynb")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	nb := open(t, s, "collapsed.ipynb")
	opened := map[string]bool{}
	for _, c := range nb.Cells {
		opened[c.ID] = c.Collapsed
	}
	for id, want := range map[string]bool{"lab": true, "classic": true, "open": false, "plain": false, "md": false} {
		if opened[id] != want {
			t.Errorf("opened %s collapsed = %v, want %v", id, opened[id], want)
		}
	}
	// Saved unchanged, the file is as it was.
	if _, err := s.SaveNotebook(ctx, nb.Session, nb.Cells); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(file); string(got) != string(data) {
		t.Errorf("saving unchanged cells rewrote the file:\n%s", got)
	}
	// The user shows lab's output and collapses plain's.
	cells := nb.Cells
	for i := range cells {
		switch cells[i].ID {
		case "lab":
			cells[i].Collapsed = false
		case "plain":
			cells[i].Collapsed = true
		}
	}
	if _, err := s.SaveNotebook(ctx, nb.Session, cells); err != nil {
		t.Fatal(err)
	}
	var saved struct {
		Cells []struct {
			ID       string                     `json:"id"`
			Metadata map[string]json.RawMessage `json:"metadata"`
		} `json:"cells"`
	}
	got, _ := os.ReadFile(file)
	if err := json.Unmarshal(got, &saved); err != nil {
		t.Fatal(err)
	}
	meta := map[string]map[string]string{}
	for _, c := range saved.Cells {
		meta[c.ID] = map[string]string{}
		for k, v := range c.Metadata {
			meta[c.ID][k] = string(v)
		}
	}
	tests := []struct {
		cell, key, want string // want "" is absent
	}{
		{"lab", "jupyter", `{"source_hidden":false}`},
		{"lab", "collapsed", ""},
		{"plain", "jupyter", `{"outputs_hidden":true}`},
		{"plain", "collapsed", "true"},
		{"classic", "collapsed", "true"},
		{"md", "jupyter", `{"source_hidden":true}`},
	}
	for _, tt := range tests {
		if got := compactJSON(meta[tt.cell][tt.key]); got != tt.want {
			t.Errorf("saved %s metadata.%s = %s, want %q", tt.cell, tt.key, got, tt.want)
		}
	}
	// And they open so again.
	if err := s.CloseNotebook(ctx, nb.Session); err != nil {
		t.Fatal(err)
	}
	for _, c := range open(t, s, "collapsed.ipynb").Cells {
		if want := c.ID == "plain" || c.ID == "classic"; c.Collapsed != want {
			t.Errorf("reopened %s collapsed = %v, want %v", c.ID, c.Collapsed, want)
		}
	}
}

func compactJSON(s string) string {
	if s == "" {
		return ""
	}
	var v any
	if json.Unmarshal([]byte(s), &v) != nil {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}
