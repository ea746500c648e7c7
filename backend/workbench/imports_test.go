package workbench_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"smallfry/backend"
	"smallfry/backend/workbench"
)

// The import fixtures are the DuckDB package's (CSV, JSON lines, broken files).
const importFixtures = "../duckdb/testdata/import"

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(importFixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lakeFolders lists the local lake's top folders: a failed import must add none.
func lakeFolders(t *testing.T, s *workbench.Service) []string {
	t.Helper()
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(info.WorkspaceDir, "lake"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestImportCSVFromTheBrowser(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	src, err := s.SaveUpload("Sales 2026.csv", bytes.NewReader(fixture(t, "sales.csv")))
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.PreviewImport(ctx, *src)
	if err != nil {
		t.Fatal(err)
	}
	if p.Table != "Sales_2026" || p.Format != "csv" || p.Exists || len(p.Rows) != 3 {
		t.Errorf("preview = %+v", p)
	}
	var types []string
	for _, c := range p.Columns {
		types = append(types, c.Name+" "+c.Type)
	}
	if got := strings.Join(types, ", "); got != "id BIGINT, name VARCHAR, amount DOUBLE, day DATE" {
		t.Errorf("detected %s", got)
	}
	d, err := s.ImportData(ctx, workbench.ImportRequest{Source: *src, Table: "Sales2026"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "Sales2026" || d.Rows != 3 || len(d.Columns) != 4 {
		t.Errorf("dataset = %+v", d)
	}
	// A notebook queries it by name, with the detected types.
	nb := open(t, s, "tour.ipynb")
	cells := []workbench.CellData{{ID: "q", Kind: "sql", Source: "SELECT sum(amount) AS total, max(day) AS last FROM Sales2026", Name: "q"}}
	if sum, err := s.RunCells(ctx, nb.Session, workbench.RunRequest{Cells: cells, Run: []string{"q"}}); err != nil || sum.Status != "ok" {
		t.Fatalf("query the import: %+v, %v", sum, err)
	}
	// The upload is gone once imported; importing it again says so.
	if _, err := s.PreviewImport(ctx, *src); backend.ErrorCode(err) != backend.ENOTFOUND {
		t.Errorf("preview of a used upload: %v", err)
	}
	// The same name again is a conflict unless replacing.
	again, _ := s.SaveUpload("sales.jsonl", bytes.NewReader(fixture(t, "events.jsonl")))
	p, err = s.PreviewImport(ctx, *again)
	if err != nil || p.Format != "json" {
		t.Fatalf("preview of JSON lines: %+v, %v", p, err)
	}
	if _, err := s.ImportData(ctx, workbench.ImportRequest{Source: *again, Table: "sales2026"}); backend.ErrorCode(err) != backend.ECONFLICT || !strings.Contains(err.Error(), "Sales2026") {
		t.Errorf("import over an existing table: %v", err)
	}
	d, err = s.ImportData(ctx, workbench.ImportRequest{Source: *again, Table: "sales2026", Replace: true})
	if err != nil || d.Name != "Sales2026" || d.Rows != 2 {
		t.Errorf("replace: %+v, %v", d, err)
	}
}

func TestImportBrokenFilesLeaveTheLakeAlone(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	dir := t.TempDir()
	// A Parquet file cut short: a valid one's first half.
	good := filepath.Join(dir, "good.parquet")
	gs, _ := s.SaveUpload("sales.csv", bytes.NewReader(fixture(t, "sales.csv")))
	if _, err := s.ImportData(ctx, workbench.ImportRequest{Source: *gs, Table: "Good"}); err != nil {
		t.Fatal(err)
	}
	before := lakeFolders(t, s)
	info, _ := s.Info(ctx)
	parts, _ := filepath.Glob(filepath.Join(info.WorkspaceDir, "lake", "Good", "_v", "*", "*.parquet"))
	if len(parts) != 1 {
		t.Fatalf("the good table's files: %v", parts)
	}
	whole, _ := os.ReadFile(parts[0])
	os.WriteFile(good, whole[:len(whole)/2], 0o644)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"ragged.csv", fixture(t, "ragged.csv"), "same number of fields"},
		{"junk.csv", fixture(t, "junk.csv"), "cannot read it as CSV"},
		{"junk.parquet", fixture(t, "junk.parquet"), "cannot read it as Parquet"},
		{"truncated.parquet", whole[:len(whole)/2], "cannot read it as Parquet"},
		{"broken.jsonl", fixture(t, "broken.jsonl"), "Malformed JSON"},
		{"empty.csv", nil, "the file is empty"},
		{"notes.xyz", []byte("hello"), "cannot tell what this file is"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := s.SaveUpload(tt.name, bytes.NewReader(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			_, perr := s.PreviewImport(ctx, *src)
			_, ierr := s.ImportData(ctx, workbench.ImportRequest{Source: *src, Table: "Broken"})
			for what, err := range map[string]error{"preview": perr, "import": ierr} {
				if backend.ErrorCode(err) != backend.EINVALID || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.name) {
					t.Errorf("%s: %v (%s), want %s naming %s and saying %q", what, err, backend.ErrorCode(err), backend.EINVALID, tt.name, tt.want)
				}
				if strings.Contains(backend.ErrorMessage(err), ".smallfry") {
					t.Errorf("%s: the message shows the upload's folder: %v", what, err)
				}
			}
			if got := lakeFolders(t, s); strings.Join(got, ",") != strings.Join(before, ",") {
				t.Errorf("lake folders %v, want %v", got, before)
			}
			if staged, _ := os.ReadDir(filepath.Join(info.WorkspaceDir, "lake", ".staging")); len(staged) != 0 {
				t.Errorf("the failed import left %d staged entries", len(staged))
			}
		})
	}
	// A file of this machine, by path, as the window passes a dropped one.
	p, err := s.PreviewImport(ctx, workbench.ImportSource{Path: good})
	if err == nil || !strings.Contains(err.Error(), "good.parquet") {
		t.Errorf("a truncated file by path: %+v, %v", p, err)
	}
	if _, err := s.PreviewImport(ctx, workbench.ImportSource{Path: "relative.csv"}); backend.ErrorCode(err) != backend.EINVALID {
		t.Errorf("a relative path: %v", err)
	}
	if _, err := s.PreviewImport(ctx, workbench.ImportSource{Upload: "../../etc"}); backend.ErrorCode(err) != backend.EINVALID {
		t.Errorf("a made-up upload id: %v", err)
	}
	if _, err := s.ImportData(ctx, workbench.ImportRequest{Source: workbench.ImportSource{Path: good}, Table: "1bad"}); backend.ErrorCode(err) != backend.EINVALID {
		t.Errorf("a bad table name: %v", err)
	}
}

// brokenReader fails after some bytes: a browser that went away mid-upload.
type brokenReader struct{ n int }

func (b *brokenReader) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, errors.New("connection reset")
	}
	n := min(len(p), b.n)
	b.n -= n
	return n, nil
}

func TestUploadCutShortLeavesNothing(t *testing.T) {
	s, _ := newService(t)
	info, _ := s.Info(context.Background())
	if _, err := s.SaveUpload("big.csv", io.MultiReader(strings.NewReader("a,b\n"), &brokenReader{n: 1000})); err == nil {
		t.Fatal("a broken body was stored")
	}
	if _, err := s.SaveUpload("../../escape.csv", strings.NewReader("a")); err != nil {
		t.Errorf("a name with folders is reduced to its base: %v", err)
	}
	entries, _ := filepath.Glob(filepath.Join(info.WorkspaceDir, ".smallfry", "tmp", "uploads", "*", "*"))
	if len(entries) != 1 || filepath.Base(entries[0]) != "escape.csv" {
		t.Fatalf("uploads left: %v", entries)
	}
	// An upload never imported (its preview canceled) is removed by a later one after a day.
	old := filepath.Dir(entries[0])
	long := time.Now().Add(-25 * time.Hour)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveUpload("next.csv", strings.NewReader("a")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("a day-old upload is still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(info.WorkspaceDir, "..", "escape.csv")); err == nil {
		t.Error("an upload escaped the uploads folder")
	}
}
