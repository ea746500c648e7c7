package workbench_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"smallfry/backend"
)

// Parquet files from elsewhere in the lake, as the lake browser shows them:
// the catalog reads what DuckDB reads, and a file nobody can read is the
// user's problem (EINVALID, which the server answers with 400), named in
// the message, never an internal error.
func TestPreviewLakeFilesFromElsewhere(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		table string // the lake table the file is put in
		file  string // of backend/lake/testdata/parquet
		rows  int64  // what Preview shows; 0 when it must fail
	}{
		{"binary", "plain.parquet", 3},
		{"from_arrow", "key-without-value.parquet", 3},
		{"miscounted", "row-count-differs.parquet", 3},
		{"huge_footer", "footer-claims-2gib.parquet", 0},
		{"truncated", "truncated.parquet", 0},
		{"csv_in_disguise", "not-parquet.parquet", 0},
	}
	for _, tt := range tests {
		b, err := os.ReadFile(filepath.Join("..", "lake", "testdata", "parquet", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(info.WorkspaceDir, "lake", tt.table)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "part-0.parquet"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	nb := open(t, s, "tour.ipynb")
	for _, tt := range tests {
		t.Run(tt.table, func(t *testing.T) {
			out, err := s.PreviewLake(ctx, nb.Session, tt.table)
			if tt.rows > 0 {
				if err != nil || out.Result == nil || out.Result.Rows != tt.rows {
					t.Fatalf("PreviewLake = %+v, %v; want %d rows", out, err, tt.rows)
				}
				return
			}
			file := filepath.Join(info.WorkspaceDir, "lake", tt.table, "part-0.parquet")
			if code := backend.ErrorCode(err); code != backend.EINVALID {
				t.Errorf("error %v has code %s, want %s", err, code, backend.EINVALID)
			}
			if msg := backend.ErrorMessage(err); !strings.Contains(msg, file) {
				t.Errorf("error %q does not name %s", msg, file)
			}
		})
	}
}
