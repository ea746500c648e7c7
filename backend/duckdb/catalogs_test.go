package duckdb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fileCatalog serves one hive-partitioned table, sales, whose files start
// as empty placeholders (not fetched) and are "fetched" by copying from src.
type fileCatalog struct {
	src, cache string
	days       []string
	asked      []ViewRequest
	missing    []string
}

func (c *fileCatalog) path(day string) string {
	return filepath.Join(c.cache, "day="+day, "part.parquet")
}

func (c *fileCatalog) fetch(day string) error {
	data, err := os.ReadFile(filepath.Join(c.src, "day="+day, "part.parquet"))
	if err != nil {
		return err
	}
	return os.WriteFile(c.path(day), data, 0o644)
}

func (c *fileCatalog) View(ctx context.Context, req ViewRequest) (View, bool, error) {
	c.asked = append(c.asked, req)
	if req.Schema == "raw" && strings.EqualFold(req.Name, "events") {
		return View{Name: "events", JSONGlob: filepath.Join(c.src, "events", "*.json")}, true, nil
	}
	if req.Schema != "main" || !strings.EqualFold(req.Name, "sales") {
		return View{}, false, nil
	}
	match, filtered := KeyFilter(req.Statement, "day", req.Params)
	var files []string
	for i, d := range c.days {
		if i == 0 || !filtered || match(d) {
			if err := c.fetch(d); err != nil {
				return View{}, false, err
			}
		}
		if req.Progress != nil {
			req.Progress(Download{Done: int64(i + 1), Total: int64(len(c.days))})
		}
		files = append(files, QuoteString(c.path(d)))
	}
	return View{Name: "Sales", Query: "SELECT * FROM read_parquet([" + strings.Join(files, ", ") + "], hive_partitioning = true)", Objects: []string{"mem://sales@v1"}}, true, nil
}

func (c *fileCatalog) Missing(ctx context.Context, file string, progress func(Download)) (bool, error) {
	c.missing = append(c.missing, file)
	for _, d := range c.days {
		if file == c.path(d) {
			for _, d := range c.days {
				if err := c.fetch(d); err != nil {
					return false, err
				}
			}
			return true, nil
		}
	}
	return false, nil
}

func TestCatalogViews(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cat := &fileCatalog{src: filepath.Join(dir, "src"), cache: filepath.Join(dir, "cache"), days: []string{"2026-01-01", "2026-01-02", "2026-01-03"}}
	maker := openSession(t)
	for i, d := range cat.days {
		for _, p := range []string{filepath.Join(cat.src, "day="+d), filepath.Join(cat.cache, "day="+d)} {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(cat.path(d), nil, 0o644); err != nil { // a placeholder
			t.Fatal(err)
		}
		run(t, maker, Cell{SQL: fmt.Sprintf("COPY (SELECT %d AS amount) TO %s (FORMAT parquet)", (i+1)*10, QuoteString(filepath.Join(cat.src, "day="+d, "part.parquet")))})
	}
	os.MkdirAll(filepath.Join(cat.src, "events"), 0o755)
	os.WriteFile(filepath.Join(cat.src, "events", "a.json"), []byte(`{"kind": "click"}`+"\n"), 0o644)

	s, err := Open(ctx, Config{Catalogs: map[string]Catalog{"s3": cat}, JSONViews: map[string]func(string) (string, string, bool){
		"raw": func(name string) (string, string, bool) {
			t.Errorf("local raw.%s asked for an s3 name", name)
			return "", "", false
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	t.Run("a partition filter reads only its partition", func(t *testing.T) {
		var progress []Progress
		res, err := s.Run(ctx, Cell{SQL: "SELECT amount FROM s3.sales WHERE day = $day", Params: map[string]any{"day": "2026-01-02"}, OnProgress: func(p Progress) { progress = append(progress, p) }})
		if err != nil {
			t.Fatal(err)
		}
		if got := scalar(t, s, "SELECT amount FROM "+res.Table.String()); got != "20" {
			t.Errorf("amount = %s, want 20", got)
		}
		if len(cat.missing) != 0 {
			t.Errorf("asked for missing files %v: the filter should have skipped them", cat.missing)
		}
		if !reflect.DeepEqual(res.TablesRead, []string{"s3.Sales"}) || !reflect.DeepEqual(res.ObjectsRead, []string{"mem://sales@v1"}) {
			t.Errorf("reads = %v, objects = %v", res.TablesRead, res.ObjectsRead)
		}
		if len(progress) == 0 || progress[len(progress)-1].DownloadTotal != 3 {
			t.Errorf("download progress = %+v", progress)
		}
	})
	t.Run("a file the hint skipped but DuckDB needs is fetched and the statement run again", func(t *testing.T) {
		// The hint takes day = … even inside an OR; DuckDB cannot prune on it.
		res, err := s.Run(ctx, Cell{SQL: "SELECT sum(amount) AS total FROM s3.Sales WHERE day = '2026-01-01' OR amount > 25"})
		if err != nil {
			t.Fatal(err)
		}
		if got := scalar(t, s, "SELECT total FROM "+res.Table.String()); got != "40" {
			t.Errorf("total = %s, want 40", got)
		}
		if len(cat.missing) != 1 {
			t.Errorf("missing = %v, want one retry", cat.missing)
		}
	})
	t.Run("a three-part name is the catalog's schema, not the local raw", func(t *testing.T) {
		res, err := s.Run(ctx, Cell{SQL: "SELECT kind FROM s3.raw.events"})
		if err != nil {
			t.Fatal(err)
		}
		if got := scalar(t, s, "SELECT kind FROM "+res.Table.String()); got != "click" {
			t.Errorf("kind = %s", got)
		}
	})
	t.Run("an unknown name is DuckDB's error", func(t *testing.T) {
		_, err := s.Run(ctx, Cell{SQL: "SELECT * FROM s3.nope"})
		if err == nil || !strings.Contains(err.Error(), "nope") {
			t.Errorf("err = %v", err)
		}
	})
}

func scalar(t *testing.T, s *Session, q string) string {
	t.Helper()
	var v any
	if err := s.db.QueryRow(q).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return fmt.Sprint(v)
}
