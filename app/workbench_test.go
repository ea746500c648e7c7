package app

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"smallfry/backend"
)

func TestWorkbenchInfo(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  []string
		code  string // expected error code, "" for success
	}{
		{
			name:  "no notebooks folder",
			setup: func(*testing.T, string) {},
			want:  []string{},
		},
		{
			name: "only ipynb files, sorted",
			setup: func(t *testing.T, dir string) {
				write(t, filepath.Join(dir, "notebooks", "sales.ipynb"))
				write(t, filepath.Join(dir, "notebooks", "A first look.ipynb"))
				write(t, filepath.Join(dir, "notebooks", "notes.txt"))
				write(t, filepath.Join(dir, "notebooks", "old.ipynb", "x")) // a folder, not a notebook
			},
			want: []string{"A first look.ipynb", "sales.ipynb"},
		},
		{
			name:  "notebooks is a file",
			setup: func(t *testing.T, dir string) { write(t, filepath.Join(dir, "notebooks")) },
			code:  backend.EINTERNAL,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.setup(t, dir)
			got, err := NewWorkbench(dir).Info()
			if code := backend.ErrorCode(err); code != tt.code {
				t.Fatalf("Info() error = %v (code %q), want code %q", err, code, tt.code)
			}
			if err != nil {
				return
			}
			if !reflect.DeepEqual(got.Notebooks, tt.want) {
				t.Errorf("Notebooks = %#v, want %#v", got.Notebooks, tt.want)
			}
			if got.WorkspaceDir != dir || got.Version == "" {
				t.Errorf("Info() = %+v, want WorkspaceDir %q and a version", got, dir)
			}
		})
	}
}

func write(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
}
