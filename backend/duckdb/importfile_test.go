package duckdb

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportFile(t *testing.T) {
	s := openSession(t)
	ctx := context.Background()
	// A valid Parquet file, and the same cut short (a download that broke).
	dir := t.TempDir()
	good := filepath.Join(dir, "good.parquet")
	if _, err := s.ImportFile(ctx, "testdata/import/sales.csv", FormatCSV, good); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.parquet")
	if err := os.WriteFile(truncated, data[:len(data)*2/3], 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file, format string
		columns      string // name:type,...
		first        string // the first row as JSON values
		rows         int64
		err          string // in the error, for a file that must fail
	}{
		{file: "testdata/import/sales.csv", format: FormatCSV, columns: "id:BIGINT,name:VARCHAR,amount:DOUBLE,day:DATE", first: `[1,"ann",2.5,"2026-01-02"]`, rows: 3},
		{file: "testdata/import/events.jsonl", format: FormatJSON, columns: "id:BIGINT,tags:VARCHAR[],at:TIMESTAMP", first: `[1,["a","b"],"2026-01-02 03:04:05"]`, rows: 2},
		{file: good, format: FormatParquet, columns: "id:BIGINT,name:VARCHAR,amount:DOUBLE,day:DATE", first: `[1,"ann",2.5,"2026-01-02"]`, rows: 3},
		{file: "testdata/import/ragged.csv", format: FormatCSV, err: "do not all have the same number of fields"},
		{file: "testdata/import/broken.jsonl", format: FormatJSON, err: "Malformed JSON"},
		{file: "testdata/import/junk.csv", format: FormatCSV, err: "not possible to automatically detect the CSV"},
		{file: "testdata/import/junk.parquet", format: FormatParquet, err: "No magic bytes"},
		{file: truncated, format: FormatParquet, err: "No magic bytes"},
		{file: "testdata/import/sales.csv", format: "xlsx", err: "unknown file format"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file)+"/"+tt.format, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.parquet")
			p, perr := s.PreviewFile(ctx, tt.file, tt.format, 10)
			n, ierr := s.ImportFile(ctx, tt.file, tt.format, out)
			if tt.err != "" {
				for what, err := range map[string]error{"preview": perr, "import": ierr} {
					if err == nil || !strings.Contains(ImportError(err, tt.file, "F"), tt.err) {
						t.Errorf("%s error = %v, want one containing %q", what, err, tt.err)
					}
				}
				if _, err := os.Stat(out); !os.IsNotExist(err) {
					t.Errorf("a failed import left %s", out)
				}
				return
			}
			if perr != nil || ierr != nil {
				t.Fatalf("preview: %v, import: %v", perr, ierr)
			}
			var cols []string
			for _, c := range p.Columns {
				cols = append(cols, c.Name+":"+c.Type)
			}
			if got := strings.Join(cols, ","); got != tt.columns {
				t.Errorf("columns = %s, want %s", got, tt.columns)
			}
			if first, _ := json.Marshal(p.Rows[0]); string(first) != tt.first {
				t.Errorf("first row = %s, want %s", first, tt.first)
			}
			if n != tt.rows {
				t.Errorf("imported %d rows, want %d", n, tt.rows)
			}
			var back int64
			if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM read_parquet(?)", out).Scan(&back); err != nil || back != tt.rows {
				t.Errorf("the Parquet written holds %d rows (%v), want %d", back, err, tt.rows)
			}
		})
	}
}

func TestImportErrorIsShort(t *testing.T) {
	s := openSession(t)
	_, err := s.PreviewFile(context.Background(), "testdata/import/junk.csv", FormatCSV, 5)
	if err == nil {
		t.Fatal("junk read as CSV")
	}
	msg := ImportError(err, "testdata/import/junk.csv", "junk.csv")
	if strings.Contains(msg, "testdata/") || strings.Contains(msg, "Possible fixes") || strings.Contains(msg, "LINE 1") || len(msg) > 200 {
		t.Errorf("message = %q, want it short and naming the file as the user knows it", msg)
	}
	if !strings.Contains(msg, `"junk.csv"`) {
		t.Errorf("message = %q, want it to name junk.csv", msg)
	}
}
