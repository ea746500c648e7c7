package notebook

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// copyFixture puts a fixture in a fresh folder and returns its path.
func copyFixture(t *testing.T, name string) (string, []byte) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o640); err != nil {
		t.Fatal(err)
	}
	return path, data
}

// onlyFile fails when the folder holds anything but the notebook, such as a
// temporary file left behind by a failed save.
func onlyFile(t *testing.T, path string) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != filepath.Base(path) {
			t.Errorf("left behind in the folder: %s", e.Name())
		}
	}
}

func TestWriteFile(t *testing.T) {
	path, data := copyFixture(t, "v45_ids.ipynb")
	nb, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, nb); err != nil {
		t.Fatalf("WriteFile unchanged: %v", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
		t.Error("saving an unedited notebook changed its bytes")
	}
	nb.Cells[0].Source = "region = 'APAC'\n"
	if err := WriteFile(path, nb); err != nil {
		t.Fatalf("WriteFile edited: %v", err)
	}
	back, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Cells[0].Source != "region = 'APAC'\n" {
		t.Errorf("saved source = %q", back.Cells[0].Source)
	}
	if info, err := os.Stat(path); err != nil || runtime.GOOS != "windows" && info.Mode().Perm() != 0o640 {
		t.Errorf("mode after save = %v, %v; want the file's 0640 kept", info.Mode(), err)
	}
	onlyFile(t, path)
}

func TestWriteFileNewAndThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "new.ipynb")
	if err := WriteFile(path, New()); err != nil {
		t.Fatalf("WriteFile(new): %v", err)
	}
	if _, err := ReadFile(path); err != nil {
		t.Fatalf("ReadFile(new): %v", err)
	}
	if runtime.GOOS == "windows" {
		return
	}
	link := filepath.Join(t.TempDir(), "link.ipynb")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	nb := New()
	nb.InsertCell(0, NewCell(KindMarkdown, "via link"))
	if err := WriteFile(link, nb); err != nil {
		t.Fatalf("WriteFile(link): %v", err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced by a file")
	}
	if got, _ := os.ReadFile(path); !bytes.Contains(got, []byte("via link")) {
		t.Errorf("the link's target was not updated: %s", got)
	}
}

func TestFailedWriteKeepsTheOldFile(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, path string, nb *Notebook)
		want  string
	}{
		{"marshal error", func(t *testing.T, path string, nb *Notebook) {
			nb.Cells[0].Source = "lost?"
			nb.Cells[1].SetMetadata("papermill", map[string]any{"duration": math.NaN()})
		}, "unsupported value: NaN"},
		{"folder is read-only", func(t *testing.T, path string, nb *Notebook) {
			if runtime.GOOS == "windows" || os.Geteuid() == 0 {
				t.Skip("root and Windows ignore folder permissions")
			}
			dir := filepath.Dir(path)
			if err := os.Chmod(dir, 0o555); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(dir, 0o755) })
		}, "permission denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, data := copyFixture(t, "v45_ids.ipynb")
			nb, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			tt.setup(t, path, nb)
			err = WriteFile(path, nb)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("WriteFile error = %v, want one naming %s and saying %q", err, path, tt.want)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
				t.Error("the old file was changed by a failed save")
			}
			onlyFile(t, path)
		})
	}
}
