//go:build unix

package atomicfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestWriteFollowsUmask(t *testing.T) {
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	tests := []struct {
		name  string
		write func(string, []byte, fs.FileMode) error
		perm  fs.FileMode
		want  fs.FileMode
	}{
		{"Write takes the umask off", Write, 0o644, 0o640},
		{"Write keeps a private file private", Write, 0o600, 0o600},
		{"Write of a read-only file", Write, 0o444, 0o440},
		{"WriteMode gives the mode exactly", WriteMode, 0o644, 0o644},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f")
			if err := tt.write(path, []byte("x"), tt.perm); err != nil {
				t.Fatal(err)
			}
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := info.Mode().Perm(); got != tt.want {
				t.Errorf("mode %v, want %v", got, tt.want)
			}
		})
	}
}
