package sample

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"smallfry/backend/duckdb"
	"smallfry/backend/lake"
)

func TestCreate(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 1.2M rows")
	}
	ctx := context.Background()
	root := t.TempDir()
	lk, err := lake.Open(filepath.Join(root, "lake"))
	if err != nil {
		t.Fatal(err)
	}
	notebooks := filepath.Join(root, "notebooks")
	if err := os.MkdirAll(notebooks, 0o755); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(notebooks, "tour.ipynb")
	if err := os.WriteFile(mine, []byte("my own tour"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Create(ctx, lk, notebooks); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(mine); string(data) != "my own tour" {
		t.Errorf("an existing notebook was overwritten")
	}
	for _, nb := range []string{"sales-by-brand-and-country.ipynb", "events-etl.ipynb"} {
		if _, err := os.Stat(filepath.Join(notebooks, nb)); err != nil {
			t.Errorf("sample notebook %s: %v", nb, err)
		}
	}
	cat, err := lk.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]int64{}
	for _, d := range cat {
		rows[d.Name] = d.Rows
		if len(d.Problems) > 0 {
			t.Errorf("%s: %v", d.Name, d.Problems)
		}
	}
	wantRows := map[string]int64{"Dim_Date": 2192, "Dim_Store": 48, "Dim_Product": 400, "Fact_Sales": 1200000, "raw.events": -1}
	for name, want := range wantRows {
		if rows[name] != want {
			t.Errorf("%s has %d rows, want %d", name, rows[name], want)
		}
	}

	s, err := duckdb.Open(ctx, duckdb.Config{Resolve: lk.Resolve})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checks := []struct {
		name string
		sql  string
	}{
		{"1997 tv sales in several countries", `SELECT count(DISTINCT S.Country) >= 5 FROM Fact_Sales F JOIN Dim_Date D ON F.Date_Id = D.Id JOIN Dim_Store S ON F.Store_Id = S.Id JOIN Dim_Product P ON F.Product_Id = P.Id WHERE D.Year = 1997 AND P.Product_Category = 'tv'`},
		{"several years", "SELECT count(DISTINCT Year) >= 5 FROM Dim_Date"},
		{"every fact joins its dimensions", "SELECT count(*) = 0 FROM Fact_Sales F LEFT JOIN Dim_Product P ON F.Product_Id = P.Id WHERE P.Id IS NULL"},
		{"raw events have three types and nested objects", `SELECT count(DISTINCT type) = 3 AND count(DISTINCT device.os) = 5 FROM read_json_auto(` + duckdb.QuoteString(filepath.Join(lk.Root(), "raw", "events", "*", "*", "*", "*.jsonl")) + `)`},
	}
	for _, c := range checks {
		res, err := s.Run(ctx, duckdb.Cell{SQL: c.sql})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		w, err := s.Window(ctx, duckdb.WindowRequest{Table: res.Table, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if got := w.Records[0].Column(0).ValueStr(0); got != "true" {
			t.Errorf("%s: got %s", c.name, got)
		}
		w.Release()
	}
}

// The same seed writes the same logs, byte for byte.
func TestWriteEventsDeterministic(t *testing.T) {
	spec := EventSpec{Start: DefaultEvents.Start, Days: 2, PerDay: 200, Users: 50, Jobs: 20, Seed: 7}
	digest := func(dir string) string {
		h := sha256.New()
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(dir, p)
				data, _ := os.ReadFile(p)
				h.Write([]byte(rel))
				h.Write(data)
			}
			return nil
		})
		return hex.EncodeToString(h.Sum(nil))
	}
	a, b := t.TempDir(), t.TempDir()
	if err := WriteEvents(a, spec); err != nil {
		t.Fatal(err)
	}
	if err := WriteEvents(b, spec); err != nil {
		t.Fatal(err)
	}
	if digest(a) != digest(b) {
		t.Error("two runs with one seed wrote different logs")
	}
	if _, err := os.Stat(filepath.Join(a, "2024", "03", "02")); err != nil {
		t.Errorf("bucket yyyy/mm/dd missing: %v", err)
	}
}
