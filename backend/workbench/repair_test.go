package workbench_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"smallfry/backend/notebook"
	"smallfry/backend/smallfry"
	"smallfry/backend/workbench"
)

// Each testdata/saves file holds cells as the editor could send them, the
// cells a save must write, and what it must say it repaired. Every saved
// notebook must open again and run headless, as `smallfry run` runs it.
func TestSaveRepairsWhatCannotBeReopened(t *testing.T) {
	files, err := filepath.Glob("testdata/saves/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test cases (%v)", err)
	}
	s, _, app := newApp(t)
	ctx := context.Background()
	validID := regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			var tc struct {
				Cells   []workbench.CellData `json:"cells"`
				Want    []workbench.CellData `json:"want"`
				Repairs []string             `json:"repairs"`
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &tc); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			entry, err := s.CreateNotebook(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			nb := open(t, s, entry.Path)
			saved, err := s.SaveNotebook(ctx, nb.Session, tc.Cells)
			if err != nil {
				t.Fatalf("save: %v", err)
			}
			if len(saved.Repairs) != len(tc.Repairs) {
				t.Fatalf("repairs %q, want %q", saved.Repairs, tc.Repairs)
			}
			for i, want := range tc.Repairs {
				if !strings.HasPrefix(saved.Repairs[i], want) {
					t.Errorf("repair %d = %q, want it to start with %q", i+1, saved.Repairs[i], want)
				}
			}
			got := saved.Cells
			if len(tc.Repairs) == 0 {
				if got != nil {
					t.Errorf("nothing to repair, but the save sent back cells %+v", got)
				}
				got = tc.Cells
			}
			checkCells(t, "saved", got, tc.Want, validID)

			// Opening reads what was written; the editor's ids are kept.
			s.CloseNotebook(ctx, nb.Session)
			reopened := open(t, s, entry.Path)
			checkCells(t, "reopened", reopened.Cells, got, validID)
			s.CloseNotebook(ctx, reopened.Session)

			out, err := app.Run(ctx, filepath.Join(notebooksDir(t, s), entry.Path), smallfry.RunOptions{})
			if err != nil {
				t.Fatalf("headless run refused the saved notebook: %v", err)
			}
			if out.Err != nil || out.Record.Status != "ok" {
				t.Fatalf("headless run %s: %v", out.Record.Status, out.Err)
			}
		})
	}
}

// checkCells compares cells; a wanted id "*" is any valid id.
func checkCells(t *testing.T, what string, got, want []workbench.CellData, validID *regexp.Regexp) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s %d cells, want %d", what, len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if w.ID == "*" && validID.MatchString(g.ID) {
			w.ID = g.ID
		}
		gj, _ := json.Marshal(g)
		wj, _ := json.Marshal(w)
		if string(gj) != string(wj) {
			t.Errorf("%s cell %d = %s, want %s", what, i+1, gj, wj)
		}
	}
}

// A save that no repair can make openable writes nothing.
func TestSaveRefusesWhatItCannotRepair(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	entry, err := s.CreateNotebook(ctx, "refused")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(notebooksDir(t, s), entry.Path)
	before, _ := os.ReadFile(path)
	nb := open(t, s, entry.Path)
	for _, cells := range [][]workbench.CellData{
		{{ID: "a", Kind: "sql", Name: "1bad"}},
		{{ID: "a", Kind: "python", Name: "py"}},
		{{ID: "a", Kind: "spreadsheet"}},
	} {
		if _, err := s.SaveNotebook(ctx, nb.Session, cells); err == nil {
			t.Errorf("SaveNotebook(%+v) saved", cells)
		}
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("a refused save changed the file")
	}
	// The session's model is unchanged too: a good save still works.
	if _, err := s.SaveNotebook(ctx, nb.Session, []workbench.CellData{{ID: "a", Kind: "sql", Source: "SELECT 1"}}); err != nil {
		t.Fatal(err)
	}
}

// Notebooks from elsewhere (testdata/opens) that opening would refuse open
// repaired, as a save repairs; saving them writes a file that validates
// and runs headless.
func TestOpenRepairsNotebooksFromElsewhere(t *testing.T) {
	files, err := filepath.Glob("testdata/opens/*.ipynb")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test cases (%v)", err)
	}
	s, _, app := newApp(t)
	ctx := context.Background()
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(strings.TrimSuffix(name, ".ipynb"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join(notebooksDir(t, s), name)
			if err := os.WriteFile(dst, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if nb, err := notebook.ReadFile(dst); err != nil || nb.Validate() == nil {
				t.Fatalf("the case must parse and fail Validate (parse: %v)", err)
			}
			opened, err := s.OpenNotebook(ctx, name)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			if len(opened.Repairs) == 0 {
				t.Fatal("opened without saying what it repaired")
			}
			if after, _ := os.ReadFile(dst); string(after) != string(data) {
				t.Error("opening changed the file")
			}
			saved, err := s.SaveNotebook(ctx, opened.Session, opened.Cells)
			if err != nil {
				t.Fatalf("save: %v", err)
			}
			if len(saved.Repairs) != 0 {
				t.Errorf("the save repaired again: %q", saved.Repairs)
			}
			s.CloseNotebook(ctx, opened.Session)
			nb, err := notebook.ReadFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			if err := nb.Validate(); err != nil {
				t.Fatalf("saved file: %v", err)
			}
			out, err := app.Run(ctx, dst, smallfry.RunOptions{})
			if err != nil || out.Err != nil || out.Record.Status != "ok" {
				t.Fatalf("headless run: %v %+v", err, out)
			}
		})
	}
}
