package lake

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadFooter feeds the footer reader any bytes, from the odd files of
// testdata/parquet on: it must return columns or an error that names the
// file, never panic or read past the file.
func FuzzReadFooter(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(oddDir, "*.parquet"))
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := readFooter(bytes.NewReader(b), "fuzz.parquet", int64(len(b)))
		if err != nil {
			if !bytes.Contains([]byte(err.Error()), []byte("fuzz.parquet")) {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if len(info.columns) > len(b) {
			t.Fatalf("%d columns from %d bytes", len(info.columns), len(b))
		}
	})
}
