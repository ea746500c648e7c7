package workspace

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"smallfry/backend"
)

// plant makes a workspace folder with notebooks/, a folder outside it, and
// the symlinks the cases use: notebooks/out -> the outside folder,
// notebooks/outfile.ipynb -> a file outside, notebooks/in -> notebooks/sub
// (inside, followed).
func plant(t *testing.T) (ws, outside string) {
	t.Helper()
	base := t.TempDir()
	ws, outside = filepath.Join(base, "ws"), filepath.Join(base, "outside")
	for _, d := range []string{filepath.Join(ws, "notebooks", "sub"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(outside, "victim.ipynb"), "outside")
	write(t, filepath.Join(ws, "notebooks", "a.ipynb"), "a")
	write(t, filepath.Join(ws, "notebooks", "sub", "b.ipynb"), "b")
	links := map[string]string{
		filepath.Join(ws, "notebooks", "out"):           outside,
		filepath.Join(ws, "notebooks", "outfile.ipynb"): filepath.Join(outside, "victim.ipynb"),
		filepath.Join(ws, "notebooks", "in"):            filepath.Join(ws, "notebooks", "sub"),
	}
	for link, target := range links {
		if err := os.Symlink(target, link); err != nil {
			t.Skipf("no symlinks here: %v", err)
		}
	}
	return ws, outside
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// outsideUnchanged fails when anything in the outside folder changed.
func outsideUnchanged(t *testing.T, outside string) {
	t.Helper()
	entries, err := os.ReadDir(outside)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "victim.ipynb" {
		names := []string{}
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("the folder outside the workspace now holds %v, want only victim.ipynb", names)
	}
	if b, _ := os.ReadFile(filepath.Join(outside, "victim.ipynb")); string(b) != "outside" {
		t.Errorf("the file outside the workspace now holds %q", b)
	}
}

func TestFilesRefuseSymlinksOut(t *testing.T) {
	tests := []struct {
		name string
		op   func(f *Files) error
	}{
		{"write through a folder link", func(f *Files) error { return f.WriteAtomic("notebooks/out/new.ipynb", []byte("x"), 0o644) }},
		{"write through a file link", func(f *Files) error { return f.WriteAtomic("notebooks/outfile.ipynb", []byte("x"), 0o644) }},
		{"create through a folder link", func(f *Files) error { return f.Create("notebooks/out/new.ipynb", []byte("x"), 0o644) }},
		{"create below a folder link", func(f *Files) error { return f.Create("notebooks/out/deep/new.ipynb", []byte("x"), 0o644) }},
		{"move into a folder link", func(f *Files) error { return f.Move("notebooks/a.ipynb", "notebooks/out/a.ipynb") }},
		{"move out of a folder link", func(f *Files) error { return f.Move("notebooks/out/victim.ipynb", "notebooks/v.ipynb") }},
		{"copy from a file link", func(f *Files) error { return f.Copy("notebooks/outfile.ipynb", "notebooks/copy.ipynb", 0o644) }},
		{"copy into a folder link", func(f *Files) error { return f.Copy("notebooks/a.ipynb", "notebooks/out/copy.ipynb", 0o644) }},
		{"make a folder in a folder link", func(f *Files) error { return f.Mkdir("notebooks/out/folder") }},
		{"trash through a folder link", func(f *Files) error { _, err := f.Trash("notebooks/out/victim.ipynb", time.Now()); return err }},
		{"read through a file link", func(f *Files) error { _, err := f.ReadFile("notebooks/outfile.ipynb"); return err }},
		{"dot-dot", func(f *Files) error { return f.WriteAtomic("notebooks/../../outside/victim.ipynb", []byte("x"), 0o644) }},
		{"absolute", func(f *Files) error { return f.Create("/tmp/x.ipynb", []byte("x"), 0o644) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws, outside := plant(t)
			err := tt.op(NewFiles(ws))
			if err == nil {
				t.Fatal("succeeded, want a refusal")
			}
			if backend.ErrorCode(err) != backend.EINVALID {
				t.Errorf("error %v has code %s, want %s", err, backend.ErrorCode(err), backend.EINVALID)
			}
			outsideUnchanged(t, outside)
		})
	}
}

func TestFilesInside(t *testing.T) {
	tests := []struct {
		name  string
		op    func(f *Files) error
		check func(t *testing.T, ws string)
	}{
		{"write follows a link inside", func(f *Files) error { return f.WriteAtomic("notebooks/in/b.ipynb", []byte("new"), 0o644) },
			func(t *testing.T, ws string) { wantFile(t, filepath.Join(ws, "notebooks", "sub", "b.ipynb"), "new") }},
		{"create makes folders", func(f *Files) error { return f.Create("notebooks/x/y/c.ipynb", []byte("c"), 0o644) },
			func(t *testing.T, ws string) { wantFile(t, filepath.Join(ws, "notebooks", "x", "y", "c.ipynb"), "c") }},
		{"move to a folder", func(f *Files) error { return f.Move("notebooks/a.ipynb", "notebooks/sub/a.ipynb") },
			func(t *testing.T, ws string) {
				wantFile(t, filepath.Join(ws, "notebooks", "sub", "a.ipynb"), "a")
				wantGone(t, filepath.Join(ws, "notebooks", "a.ipynb"))
			}},
		{"move a folder", func(f *Files) error { return f.Move("notebooks/sub", "notebooks/renamed") },
			func(t *testing.T, ws string) { wantFile(t, filepath.Join(ws, "notebooks", "renamed", "b.ipynb"), "b") }},
		{"move the file link itself", func(f *Files) error { return f.Move("notebooks/outfile.ipynb", "notebooks/moved.ipynb") },
			func(t *testing.T, ws string) {
				if target, err := os.Readlink(filepath.Join(ws, "notebooks", "moved.ipynb")); err != nil || !strings.HasSuffix(target, "victim.ipynb") {
					t.Errorf("moved link points to %q (%v)", target, err)
				}
			}},
		{"copy", func(f *Files) error { return f.Copy("notebooks/in/b.ipynb", "notebooks/b2.ipynb", 0o644) },
			func(t *testing.T, ws string) { wantFile(t, filepath.Join(ws, "notebooks", "b2.ipynb"), "b") }},
		{"trash a folder link moves the link", func(f *Files) error { _, err := f.Trash("notebooks/out", time.Now()); return err },
			func(t *testing.T, ws string) { wantGone(t, filepath.Join(ws, "notebooks", "out")) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws, outside := plant(t)
			if err := tt.op(NewFiles(ws)); err != nil {
				t.Fatal(err)
			}
			tt.check(t, ws)
			outsideUnchanged(t, outside)
		})
	}
}

func TestFilesConflicts(t *testing.T) {
	tests := []struct {
		name string
		op   func(f *Files) error
		want string
	}{
		{"create over a file", func(f *Files) error { return f.Create("notebooks/a.ipynb", []byte("x"), 0o644) }, backend.ECONFLICT},
		{"move over a file", func(f *Files) error { return f.Move("notebooks/sub/b.ipynb", "notebooks/a.ipynb") }, backend.ECONFLICT},
		{"move over a folder", func(f *Files) error { return f.Move("notebooks/sub", "notebooks/in") }, backend.ECONFLICT},
		{"move a folder into itself", func(f *Files) error { return f.Move("notebooks/sub", "notebooks/sub/deeper") }, backend.EINVALID},
		{"move what is not there", func(f *Files) error { return f.Move("notebooks/nope.ipynb", "notebooks/z.ipynb") }, backend.ENOTFOUND},
		{"folder that exists", func(f *Files) error { return f.Mkdir("notebooks/sub") }, backend.ECONFLICT},
		// A file taken for a folder is the user's mistake, not a bug.
		{"move into a file as if a folder", func(f *Files) error { return f.Move("notebooks/sub/b.ipynb", "notebooks/a.ipynb/b.ipynb") }, backend.EINVALID},
		{"move deeper into a file", func(f *Files) error { return f.Move("notebooks/sub/b.ipynb", "notebooks/a.ipynb/x/b.ipynb") }, backend.EINVALID},
		{"create in a file", func(f *Files) error { return f.Create("notebooks/a.ipynb/c.ipynb", []byte("x"), 0o644) }, backend.EINVALID},
		{"write in a file", func(f *Files) error { return f.WriteAtomic("notebooks/a.ipynb/c.ipynb", []byte("x"), 0o644) }, backend.EINVALID},
		{"folder in a file", func(f *Files) error { return f.Mkdir("notebooks/a.ipynb/new") }, backend.EINVALID},
		{"copy into a file", func(f *Files) error { return f.Copy("notebooks/sub/b.ipynb", "notebooks/a.ipynb/b.ipynb", 0o644) }, backend.EINVALID},
		{"read through a file", func(f *Files) error { _, err := f.ReadFile("notebooks/a.ipynb/b.ipynb"); return err }, backend.EINVALID},
		{"read a folder", func(f *Files) error { _, err := f.ReadFile("notebooks/sub"); return err }, backend.EINVALID},
		{"write over a folder", func(f *Files) error { return f.WriteAtomic("notebooks/sub", []byte("x"), 0o644) }, backend.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws, _ := plant(t)
			err := tt.op(NewFiles(ws))
			if got := backend.ErrorCode(err); err == nil || got != tt.want {
				t.Fatalf("error %v (code %s), want code %s", err, got, tt.want)
			}
			wantFile(t, filepath.Join(ws, "notebooks", "a.ipynb"), "a")
			wantFile(t, filepath.Join(ws, "notebooks", "sub", "b.ipynb"), "b")
		})
	}
}

func TestTrashKeepsTheFile(t *testing.T) {
	ws, _ := plant(t)
	f := NewFiles(ws)
	at := time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC)
	dest, err := f.Trash("notebooks/sub/b.ipynb", at)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(dest, ".smallfry/trash/20261202T140000Z-") || !strings.HasSuffix(dest, "/notebooks/sub/b.ipynb") {
		t.Errorf("trashed to %s", dest)
	}
	wantFile(t, filepath.Join(ws, filepath.FromSlash(dest)), "b")
	wantGone(t, filepath.Join(ws, "notebooks", "sub", "b.ipynb"))
}

func wantFile(t *testing.T, p, want string) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil || string(b) != want {
		t.Errorf("%s holds %q (%v), want %q", p, b, err, want)
	}
}

func wantGone(t *testing.T, p string) {
	t.Helper()
	if _, err := os.Lstat(p); !os.IsNotExist(err) {
		t.Errorf("%s is still there (%v)", p, err)
	}
}
