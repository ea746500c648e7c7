package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		name    string
		old     string // "" = no file yet
		setup   func(t *testing.T, path string)
		wantErr bool
	}{
		{name: "new file"},
		{name: "replaces", old: "old"},
		{name: "rename fails", old: "old", wantErr: true, setup: func(t *testing.T, _ string) {
			rename = func(string, string) error { return errors.New("disk on fire") }
			t.Cleanup(func() { rename = os.Rename })
		}},
		{name: "folder missing", wantErr: true, setup: func(t *testing.T, path string) {
			os.RemoveAll(filepath.Dir(path))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "d")
			os.Mkdir(dir, 0o755)
			path := filepath.Join(dir, "f.json")
			if tt.old != "" {
				if err := os.WriteFile(path, []byte(tt.old), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if tt.setup != nil {
				tt.setup(t, path)
			}
			err := Write(path, []byte("new"), 0o600)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Write error = %v, want error %v", err, tt.wantErr)
			}
			got, _ := os.ReadFile(path)
			want := "new"
			if tt.wantErr {
				want = tt.old
			}
			if string(got) != want {
				t.Errorf("file holds %q, want %q", got, want)
			}
			if info, err := os.Stat(path); err == nil && !tt.wantErr && runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
				t.Errorf("mode = %v, want 0600", info.Mode().Perm())
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if e.Name() != "f.json" {
					t.Errorf("left behind %s", e.Name())
				}
			}
		})
	}
}
