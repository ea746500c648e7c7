package lake

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

type sale struct {
	ID    int64  `parquet:"id"`
	Brand string `parquet:"brand"`
	Units int32  `parquet:"units"`
}

func writeParquet(t *testing.T, path string, rows []sale) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := parquet.WriteFile(path, rows); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func sampleLake(t *testing.T) *Lake {
	t.Helper()
	root := t.TempDir()
	writeParquet(t, filepath.Join(root, "Sales", "part-0.parquet"), []sale{{1, "a", 3}, {2, "b", 4}})
	writeParquet(t, filepath.Join(root, "Sales", "part-1.parquet"), []sale{{3, "c", 5}})
	writeParquet(t, filepath.Join(root, "daily", "day=2024-01-01", "x.parquet"), []sale{{1, "a", 1}})
	writeParquet(t, filepath.Join(root, "daily", "day=2024-01-02", "x.parquet"), []sale{{2, "a", 1}, {3, "b", 2}})
	writeFile(t, filepath.Join(root, "raw", "events", "2024", "01", "01", "events.jsonl"), `{"type":"signup","user":{"id":"u1"},"ts":"2024-01-01T00:00:00Z"}`+"\n")
	writeFile(t, filepath.Join(root, ".staging", "junk", "a.parquet"), "not listed")
	writeFile(t, filepath.Join(root, "notes.txt"), "not a table")
	l, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestCatalog(t *testing.T) {
	l := sampleLake(t)
	got, err := l.Catalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Dataset{}
	for _, d := range got {
		byName[d.Name] = d
	}
	tests := []struct {
		name      string
		kind      Kind
		files     int
		rows      int64
		columns   string
		parts     string
		partCount int
	}{
		{"Sales", KindTable, 2, 3, "id:BIGINT brand:VARCHAR units:INTEGER", "", 0},
		{"daily", KindTable, 2, 3, "id:BIGINT brand:VARCHAR units:INTEGER day:partition", "day", 2},
		{"raw.events", KindRaw, 1, -1, "ts:VARCHAR type:VARCHAR user:STRUCT", "", 0},
	}
	if len(got) != len(tests) {
		t.Fatalf("catalog has %d datasets, want %d: %+v", len(got), len(tests), got)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := byName[tt.name]
			if !ok {
				t.Fatalf("%s missing from catalog", tt.name)
			}
			var cols []string
			for _, c := range d.Columns {
				cols = append(cols, c.Name+":"+c.Type)
			}
			if d.Kind != tt.kind || d.Files != tt.files || d.Rows != tt.rows || d.Bytes <= 0 {
				t.Errorf("got kind %s files %d rows %d bytes %d, want %s %d %d >0", d.Kind, d.Files, d.Rows, d.Bytes, tt.kind, tt.files, tt.rows)
			}
			if strings.Join(cols, " ") != tt.columns {
				t.Errorf("columns = %q, want %q", strings.Join(cols, " "), tt.columns)
			}
			if strings.Join(d.Partitions, ",") != tt.parts || d.PartitionCount != tt.partCount {
				t.Errorf("partitions = %v (%d), want %q (%d)", d.Partitions, d.PartitionCount, tt.parts, tt.partCount)
			}
			if len(d.Problems) > 0 {
				t.Errorf("unexpected problems: %v", d.Problems)
			}
		})
	}
}

// A corrupt file is named in the catalog; the table's other files still count.
func TestCatalogCorruptParquet(t *testing.T) {
	l := sampleLake(t)
	bad := filepath.Join(l.Root(), "Sales", "part-2.parquet")
	writeFile(t, bad, "PAR1 this is not really parquet")
	got, err := l.Catalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range got {
		if d.Name != "Sales" {
			continue
		}
		if len(d.Problems) != 1 || !strings.Contains(d.Problems[0], bad) {
			t.Fatalf("problems = %v, want one naming %s", d.Problems, bad)
		}
		if d.Rows != 3 || d.Files != 3 {
			t.Errorf("rows, files = %d, %d; want 3, 3", d.Rows, d.Files)
		}
		return
	}
	t.Fatal("Sales missing")
}

func TestResolve(t *testing.T) {
	l := sampleLake(t)
	writeFile(t, filepath.Join(l.Root(), "empty", "readme.txt"), "x")
	tests := []struct {
		name    string
		fn      string
		ok      bool
		wantErr string
	}{
		{"sales", "read_parquet", true, ""},
		{"SALES", "read_parquet", true, ""},
		{"daily", "read_parquet", true, ""},
		{"raw/events", "", false, ""}, // raw datasets are views (RawGlob), not table names
		{"unknown", "", false, ""},
		{"empty", "", false, "has no Parquet files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn, args, ok, err := l.Resolve(tt.name)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || ok != tt.ok || fn != tt.fn {
				t.Fatalf("Resolve = %q, %v, %v, %v; want %q, %v", fn, args, ok, err, tt.fn, tt.ok)
			}
		})
	}
}

func TestRawGlob(t *testing.T) {
	l := sampleLake(t)
	tests := []struct {
		name, canonical string
		ok              bool
	}{
		{"events", "events", true},
		{"EVENTS", "events", true},
		{"nope", "", false},
		{"../events", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			canonical, glob, ok := l.RawGlob(tt.name)
			if ok != tt.ok || canonical != tt.canonical {
				t.Fatalf("RawGlob = %q, %q, %v; want %q, %v", canonical, glob, ok, tt.canonical, tt.ok)
			}
			if ok && glob != filepath.Join(l.Root(), "raw", "events", "**", "*.json*") {
				t.Errorf("glob = %q", glob)
			}
		})
	}
}

func listFiles(t *testing.T, dir string) string {
	t.Helper()
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	return strings.Join(files, " ")
}

// liveFiles lists a table's current files, each as its partition folder
// and file name, the way readers see them.
func liveFiles(t *testing.T, l *Lake, table string) string {
	t.Helper()
	st, err := l.state(context.Background(), table)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range st.files {
		p := partitionOf(table, f.Key)
		if p != "" {
			p += "/"
		}
		out = append(out, p+filepath.Base(f.Key))
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

func TestWrite(t *testing.T) {
	ctx := context.Background()
	fill := func(files ...string) func(context.Context, string) error {
		return func(_ context.Context, dir string) error {
			for _, f := range files {
				writeParquet(t, filepath.Join(dir, f), []sale{{1, "x", 1}})
			}
			return nil
		}
	}
	t.Run("overwrite replaces the table", func(t *testing.T) {
		l := sampleLake(t)
		if _, err := l.Write(ctx, "Sales", Overwrite, fill("new.parquet")); err != nil {
			t.Fatal(err)
		}
		if got := liveFiles(t, l, "Sales"); got != "new.parquet" {
			t.Errorf("files = %q", got)
		}
		// The previous version stays a while for queries still reading it,
		// then the next write removes it.
		if got := listFiles(t, filepath.Join(l.Root(), "Sales")); !strings.Contains(got, "part-0.parquet") {
			t.Errorf("the previous version went at once: %s", got)
		}
		later := time.Now().Add(16 * time.Minute)
		l.Now = func() time.Time { return later }
		if _, err := l.Write(ctx, "Sales", Overwrite, fill("newer.parquet")); err != nil {
			t.Fatal(err)
		}
		if got := listFiles(t, filepath.Join(l.Root(), "Sales")); strings.Contains(got, "part-") || !strings.Contains(got, "new.parquet") {
			t.Errorf("16 minutes on, files = %s; want the first version gone and the second still kept", got)
		}
		if got := liveFiles(t, l, "Sales"); got != "newer.parquet" {
			t.Errorf("files = %q", got)
		}
	})
	t.Run("new table", func(t *testing.T) {
		l := sampleLake(t)
		if _, err := l.Write(ctx, "fresh", Overwrite, fill("a.parquet")); err != nil {
			t.Fatal(err)
		}
		if got := liveFiles(t, l, "fresh"); got != "a.parquet" {
			t.Errorf("files = %q", got)
		}
	})
	t.Run("replace partitions keeps the others", func(t *testing.T) {
		l := sampleLake(t)
		if _, err := l.Write(ctx, "daily", ReplacePartitions, fill("day=2024-01-02/y.parquet", "day=2024-01-03/y.parquet")); err != nil {
			t.Fatal(err)
		}
		// Twice: the second replaces what the first wrote.
		if _, err := l.Write(ctx, "daily", ReplacePartitions, fill("day=2024-01-02/y.parquet", "day=2024-01-03/y.parquet")); err != nil {
			t.Fatal(err)
		}
		want := "day=2024-01-01/x.parquet day=2024-01-02/y.parquet day=2024-01-03/y.parquet"
		if got := liveFiles(t, l, "daily"); got != want {
			t.Errorf("files = %q, want %q", got, want)
		}
	})
	failures := []struct {
		name string
		tbl  string
		mode Mode
		fill func(context.Context, string) error
		want string
	}{
		{"fill fails midway", "Sales", Overwrite, func(_ context.Context, dir string) error {
			writeParquet(t, filepath.Join(dir, "half.parquet"), []sale{{9, "z", 9}})
			return errors.New("disk full")
		}, "disk full"},
		{"partitions mode without partitions", "daily", ReplacePartitions, fill("flat.parquet"), "needs partitioned output"},
		{"bad name", "../escape", Overwrite, fill("a.parquet"), "a table name is"},
		{"bad mode", "Sales", Mode("append"), fill("a.parquet"), "unknown mode"},
	}
	for _, tt := range failures {
		t.Run(tt.name+" leaves the previous version", func(t *testing.T) {
			l := sampleLake(t)
			before := listFiles(t, l.Root())
			_, err := l.Write(ctx, tt.tbl, tt.mode, tt.fill)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if after := listFiles(t, l.Root()); after != before {
				t.Errorf("lake changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
	t.Run("canceled context", func(t *testing.T) {
		l := sampleLake(t)
		before := listFiles(t, l.Root())
		cctx, cancel := context.WithCancel(ctx)
		_, err := l.Write(cctx, "Sales", Overwrite, func(c context.Context, dir string) error {
			writeParquet(t, filepath.Join(dir, "a.parquet"), []sale{{1, "x", 1}})
			cancel()
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want canceled", err)
		}
		if after := listFiles(t, l.Root()); after != before {
			t.Errorf("lake changed after cancel")
		}
	})
}
