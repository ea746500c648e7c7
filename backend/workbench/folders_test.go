package workbench_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"smallfry/backend"
	"smallfry/backend/workbench"
)

func notebookPaths(t *testing.T, s *workbench.Service) (notebooks, folders []string) {
	t.Helper()
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range info.Notebooks {
		notebooks = append(notebooks, n.Path)
	}
	return notebooks, info.Folders
}

func TestFoldersDuplicateAndDelete(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	dir := notebooksDir(t, s)
	ws := filepath.Dir(dir)

	if err := s.CreateFolder(ctx, "sales/2026"); err != nil {
		t.Fatal(err)
	}
	_, folders := notebookPaths(t, s)
	if !slices.Equal(folders, []string{"sales", "sales/2026"}) {
		t.Errorf("folders = %v, want the empty ones too", folders)
	}
	copyEntry, err := s.DuplicateNotebook(ctx, "tour.ipynb", "sales/2026/tour copy")
	if err != nil {
		t.Fatal(err)
	}
	if copyEntry.Path != "sales/2026/tour copy.ipynb" {
		t.Errorf("duplicate at %s", copyEntry.Path)
	}
	orig, _ := os.ReadFile(filepath.Join(dir, "tour.ipynb"))
	dup, _ := os.ReadFile(filepath.Join(dir, "sales", "2026", "tour copy.ipynb"))
	if len(orig) == 0 || string(orig) != string(dup) {
		t.Errorf("the duplicate differs from the original (%d vs %d bytes)", len(dup), len(orig))
	}

	// An open notebook with unsaved edits follows its folder's rename.
	nb := open(t, s, "sales/2026/tour copy.ipynb")
	edited := append([]workbench.CellData(nil), nb.Cells...)
	edited[0].Source = "-- edited, not saved\n" + edited[0].Source
	if err := s.Autosave(ctx, nb.Session, edited); err != nil {
		t.Fatal(err)
	}
	if err := s.RenameFolder(ctx, "sales", "archive/sales"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveNotebook(ctx, nb.Session, edited); err != nil {
		t.Fatalf("save after the folder moved: %v", err)
	}
	moved := filepath.Join(dir, "archive", "sales", "2026", "tour copy.ipynb")
	if b, _ := os.ReadFile(moved); !strings.Contains(string(b), "edited, not saved") {
		t.Errorf("the save did not reach the moved file %s", moved)
	}
	if _, err := os.Stat(filepath.Join(dir, "sales")); !os.IsNotExist(err) {
		t.Errorf("the old folder is still there: %v", err)
	}

	// Delete moves to the trash, with the unsaved edits, and ends the session.
	nb = open(t, s, "archive/sales/2026/tour copy.ipynb")
	edited = append([]workbench.CellData(nil), nb.Cells...)
	edited[0].Source = "-- second edit\n"
	if err := s.Autosave(ctx, nb.Session, edited); err != nil {
		t.Fatal(err)
	}
	gone, err := s.DeleteNotebook(ctx, "archive/sales/2026/tour copy.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(gone.Trash, ".smallfry/trash/") {
		t.Errorf("trashed to %s", gone.Trash)
	}
	trashed := filepath.Join(ws, filepath.FromSlash(gone.Trash))
	if b, _ := os.ReadFile(trashed); !strings.Contains(string(b), "edited, not saved") {
		t.Errorf("the trash does not hold the notebook: %s", trashed)
	}
	if b, _ := os.ReadFile(trashed + ".draft.json"); !strings.Contains(string(b), "second edit") {
		t.Errorf("the trash does not hold the unsaved edits beside it")
	}
	if _, err := s.SaveNotebook(ctx, nb.Session, edited); backend.ErrorCode(err) != backend.ENOTFOUND {
		t.Errorf("saving a deleted notebook's session: %v, want %s", err, backend.ENOTFOUND)
	}
	if _, err := os.Stat(moved); !os.IsNotExist(err) {
		t.Errorf("the deleted notebook is still there")
	}
	nbs, _ := notebookPaths(t, s)
	if slices.ContainsFunc(nbs, func(p string) bool { return strings.Contains(p, "trash") || strings.Contains(p, "tour copy") }) {
		t.Errorf("notebooks after delete: %v", nbs)
	}

	gone, err = s.DeleteFolder(ctx, "archive")
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(ws, filepath.FromSlash(gone.Trash), "sales", "2026")); err != nil || !st.IsDir() {
		t.Errorf("the trash does not hold the folder: %v", err)
	}
	_, folders = notebookPaths(t, s)
	if len(folders) != 0 {
		t.Errorf("folders after delete: %v", folders)
	}

	tests := []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"folder exists", func() error { s.CreateFolder(ctx, "dup"); return s.CreateFolder(ctx, "dup") }, backend.ECONFLICT, "already exists"},
		{"folder outside", func() error { return s.CreateFolder(ctx, "../out") }, backend.EINVALID, "not inside"},
		{"hidden folder", func() error { return s.CreateFolder(ctx, ".trash") }, backend.EINVALID, "not a usable folder name"},
		{"folder bad name", func() error { return s.CreateFolder(ctx, "a?b") }, backend.EINVALID, "not a usable folder name"},
		{"duplicate onto existing", func() error { _, err := s.DuplicateNotebook(ctx, "tour.ipynb", "tour"); return err }, backend.ECONFLICT, "already exists"},
		{"duplicate missing", func() error { _, err := s.DuplicateNotebook(ctx, "nope.ipynb", "x"); return err }, backend.ENOTFOUND, "does not exist"},
		{"delete missing", func() error { _, err := s.DeleteNotebook(ctx, "nope.ipynb"); return err }, backend.ENOTFOUND, "does not exist"},
		{"delete outside", func() error { _, err := s.DeleteNotebook(ctx, "../x.ipynb"); return err }, backend.EINVALID, "not inside"},
		{"delete missing folder", func() error { _, err := s.DeleteFolder(ctx, "nope"); return err }, backend.ENOTFOUND, "does not exist"},
		{"rename folder into itself", func() error { return s.RenameFolder(ctx, "dup", "dup/inner") }, backend.EINVALID, "into itself"},
		{"rename folder onto a folder", func() error { s.CreateFolder(ctx, "other"); return s.RenameFolder(ctx, "dup", "other") }, backend.ECONFLICT, "already exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if backend.ErrorCode(err) != tt.code || !strings.Contains(backend.ErrorMessage(err), tt.msg) {
				t.Errorf("error = %v (%s), want %s containing %q", err, backend.ErrorCode(err), tt.code, tt.msg)
			}
		})
	}
}

// TestNotebookFilesStayInTheWorkspace plants symlinks from notebooks/ to a
// folder and a notebook outside the workspace: no save, creation, rename,
// duplicate, delete or new folder writes through them.
func TestNotebookFilesStayInTheWorkspace(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	dir := notebooksDir(t, s)
	outside := t.TempDir()
	victim := filepath.Join(outside, "victim.ipynb")
	tour, err := os.ReadFile(filepath.Join(dir, "tour.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(victim, tour, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "out")); err != nil {
		t.Skipf("no symlinks: %v", err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, "linked.ipynb")); err != nil {
		t.Fatal(err)
	}

	// The linked notebook opens (reading is allowed) but is not saved through the link.
	nb := open(t, s, "linked.ipynb")
	edited := append([]workbench.CellData(nil), nb.Cells...)
	edited[0].Source = "-- must not reach the outside\n"
	tests := []struct {
		name string
		call func() error
	}{
		{"save through a file link", func() error { _, err := s.SaveNotebook(ctx, nb.Session, edited); return err }},
		{"runtime written through a file link", func() error {
			_, err := s.SetRuntime(ctx, nb.Session, workbench.Runtime{Docker: "python:3"})
			return err
		}},
		{"create in a folder link", func() error { _, err := s.CreateNotebook(ctx, "out/new"); return err }},
		{"rename into a folder link", func() error { _, err := s.RenameNotebook(ctx, "tour.ipynb", "out/tour"); return err }},
		{"duplicate into a folder link", func() error { _, err := s.DuplicateNotebook(ctx, "tour.ipynb", "out/copy"); return err }},
		{"duplicate from a file link", func() error { _, err := s.DuplicateNotebook(ctx, "linked.ipynb", "copy"); return err }},
		{"delete through a folder link", func() error { _, err := s.DeleteNotebook(ctx, "out/victim.ipynb"); return err }},
		{"folder in a folder link", func() error { return s.CreateFolder(ctx, "out/new") }},
		{"rename a folder into a folder link", func() error { s.CreateFolder(ctx, "mine"); return s.RenameFolder(ctx, "mine", "out/mine") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if backend.ErrorCode(err) != backend.EINVALID || !strings.Contains(backend.ErrorMessage(err), "out of the workspace") {
				t.Errorf("error = %v (%s), want %s saying it leads out of the workspace", err, backend.ErrorCode(err), backend.EINVALID)
			}
			entries, _ := os.ReadDir(outside)
			if len(entries) != 1 {
				t.Errorf("the outside folder holds %d entries, want 1", len(entries))
			}
			if b, _ := os.ReadFile(victim); string(b) != string(tour) {
				t.Errorf("the outside notebook changed")
			}
		})
	}
	// Deleting the link itself is fine: the link goes to the trash, its target stays.
	if _, err := s.DeleteNotebook(ctx, "linked.ipynb"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != string(tour) {
		t.Errorf("deleting the link changed its target")
	}
}

// A "folder" that is a file (tour.ipynb/x) is the user's mistake: a clear
// EINVALID naming the file, and nothing changes.
func TestAFileIsNoFolder(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	dir := notebooksDir(t, s)
	before, err := os.ReadFile(filepath.Join(dir, "tour.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateFolder(ctx, "q1"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func() error
	}{
		{"rename into it", func() error { _, err := s.RenameNotebook(ctx, salesNotebook, "tour.ipynb/x.ipynb"); return err }},
		{"rename deeper into it", func() error { _, err := s.RenameNotebook(ctx, salesNotebook, "tour.ipynb/a/x"); return err }},
		{"create in it", func() error { _, err := s.CreateNotebook(ctx, "tour.ipynb/new"); return err }},
		{"duplicate into it", func() error { _, err := s.DuplicateNotebook(ctx, salesNotebook, "tour.ipynb/copy"); return err }},
		{"folder in it", func() error { return s.CreateFolder(ctx, "tour.ipynb/sub") }},
		{"move a folder into it", func() error { return s.RenameFolder(ctx, "q1", "tour.ipynb/q1") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if backend.ErrorCode(err) != backend.EINVALID || !strings.Contains(backend.ErrorMessage(err), "tour.ipynb is a file, not a folder") {
				t.Errorf("error = %v (%s), want invalid saying tour.ipynb is a file", err, backend.ErrorCode(err))
			}
		})
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "tour.ipynb")); string(after) != string(before) {
		t.Error("tour.ipynb changed")
	}
	if _, err := os.Stat(filepath.Join(dir, salesNotebook)); err != nil {
		t.Errorf("%s moved: %v", salesNotebook, err)
	}
}
