package duckdb

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestWriteAndLoadParquet(t *testing.T) {
	ctx := context.Background()
	s := openSession(t)
	if _, err := s.Run(ctx, Cell{SQL: "SELECT i, i % 3 AS k FROM range(10) t(i)", Result: "src"}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name  string
		opts  ParquetOptions
		files []string // what the write leaves, relative to the target
	}{
		{"file", ParquetOptions{}, []string{"."}},
		{"uncompressed", ParquetOptions{Uncompressed: true}, []string{"."}},
		{"partitioned", ParquetOptions{PartitionBy: []string{"k"}}, []string{"k=0", "k=1", "k=2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := filepath.Join(dir, tc.name+".parquet")
			n, err := s.WriteParquet(ctx, Table{Name: "src"}, target, tc.opts)
			if err != nil || n != 10 {
				t.Fatalf("WriteParquet = %d, %v; want 10 rows", n, err)
			}
			for _, f := range tc.files {
				if _, err := os.Stat(filepath.Join(target, f)); err != nil {
					t.Errorf("missing %s: %v", f, err)
				}
			}
			files := []string{target}
			if len(tc.opts.PartitionBy) > 0 {
				files, _ = filepath.Glob(filepath.Join(target, "*", "*.parquet"))
			}
			if err := s.LoadParquet(ctx, "back_"+tc.name[:4], files...); err != nil {
				t.Fatal(err)
			}
			var sum int64
			if err := s.db.QueryRow("SELECT sum(i) FROM back_" + tc.name[:4]).Scan(&sum); err != nil || sum != 45 {
				t.Errorf("loaded back: sum(i) = %d, %v; want 45", sum, err)
			}
		})
	}
	named, err := s.NamedTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, nt := range named {
		names = append(names, nt.Name)
		if nt.Name == "src" && !slices.Equal(nt.Columns, []string{"i", "k"}) {
			t.Errorf("src columns = %v", nt.Columns)
		}
	}
	if !slices.Equal(names, []string{"back_file", "back_part", "back_unco", "src"}) {
		t.Errorf("NamedTables = %v", names)
	}
	if err := s.Drop(ctx, Table{Name: "src"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Drop(ctx, Table{Name: "src"}); err != nil {
		t.Errorf("dropping a missing table: %v", err)
	}
	if _, err := s.WriteParquet(ctx, Table{Name: "src"}, filepath.Join(dir, "gone.parquet"), ParquetOptions{}); err == nil {
		t.Error("writing a dropped table succeeded")
	}
	if err := s.LoadParquet(ctx, "bad", filepath.Join(dir, "missing.parquet")); err == nil {
		t.Error("loading a missing file succeeded")
	}
}
