package notebook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixtures returns the notebooks scripts/gen-notebook-fixtures.py wrote.
func fixtures(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.ipynb"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in testdata (run scripts/gen-notebook-fixtures.py): %v", err)
	}
	return files
}

// nbformatWritten says whether a fixture came from nbformat.write itself, so
// nbformat.writes must reproduce it (the others mimic hand-rolled tools).
func nbformatWritten(path string) bool {
	base := filepath.Base(path)
	return !strings.HasPrefix(base, "indent")
}

func mustRead(t testing.TB, path string) (*Notebook, []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	nb, err := Parse(path, data)
	if err != nil {
		t.Fatalf("Parse(%s): %v", path, err)
	}
	return nb, data
}

func mustMarshal(t testing.TB, nb *Notebook) []byte {
	t.Helper()
	out, err := nb.Marshal()
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	return out
}
