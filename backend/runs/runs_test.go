package runs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"smallfry/backend"
)

func TestStoreLifecycle(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { clock = clock.Add(1500 * time.Millisecond); return clock }
	a := &Record{Notebook: "notebooks/a.ipynb", Mode: "headless", Parameters: map[string]any{"year": 1997}}
	if err := s.Start(a); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Load(a.ID); got.Status != Running {
		t.Errorf("status while running = %q", got.Status)
	}
	a.Status = OK
	if err := s.Finish(a, []byte("{}\n")); err != nil {
		t.Fatal(err)
	}
	b := &Record{Notebook: "notebooks/b.ipynb", Mode: "interactive"}
	if err := s.Start(b); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != OK || got.DurationMs != 1500 || got.Parameters["year"] != 1997.0 {
		t.Errorf("loaded %+v", got)
	}
	if data, err := os.ReadFile(s.OutputPath(a.ID)); err != nil || string(data) != "{}\n" {
		t.Errorf("output = %q, %v", data, err)
	}
	if st, _ := os.Stat(s.OutputPath(a.ID)); st.Mode().Perm()&0o222 != 0 {
		t.Errorf("finished output is writable: %v", st.Mode())
	}
	all, _ := s.List("")
	if len(all) != 2 || all[0].ID != b.ID {
		t.Errorf("List() = %d runs, newest %v; want 2, newest %s", len(all), all[0].ID, b.ID)
	}
	if only, _ := s.List("notebooks/a.ipynb"); len(only) != 1 || only[0].ID != a.ID {
		t.Errorf("List(a) = %+v", only)
	}
}

func TestLoadBadInput(t *testing.T) {
	s, _ := Open(t.TempDir())
	tests := []struct{ id, code, msg string }{
		{"", backend.EINVALID, "not valid"},
		{"../etc", backend.EINVALID, "not valid"},
		{"20990101T000000.000Z-00000000", backend.ENOTFOUND, "does not exist"},
	}
	for _, tt := range tests {
		_, err := s.Load(tt.id)
		if backend.ErrorCode(err) != tt.code || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("Load(%q) = %v (%s), want %s %q", tt.id, err, backend.ErrorCode(err), tt.code, tt.msg)
		}
	}
}

func TestListAfterTheHistoryWasDeleted(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "runs")
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(dir)
	list, err := s.List("notebooks/a.ipynb")
	if err != nil || len(list) != 0 {
		t.Fatalf("List = %v, %v; want no runs and no error", list, err)
	}
	rec := &Record{Notebook: "notebooks/a.ipynb"}
	if err := s.Start(rec); err != nil {
		t.Fatalf("Start after deletion: %v", err)
	}
}
