package lake

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

// duckdbCount is what SQL returns for count(*) over a file, or an error.
func duckdbCount(t *testing.T, path string) (int64, error) {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	err = db.QueryRow("SELECT count(*) FROM read_parquet(?)", path).Scan(&n)
	return n, err
}

// The catalog reads every footer DuckDB reads, counts the rows SQL returns,
// and names the file in every problem.
func TestCatalogOddFooters(t *testing.T) {
	tests := []struct {
		file    string
		rows    int64  // the catalog's count, when readable
		columns string // "" when unreadable
		problem string // part of the catalog's problem, "" for none
		duckdb  bool   // DuckDB reads the file
	}{
		{file: "plain.parquet", rows: 3, columns: "id:BIGINT brand:VARCHAR", duckdb: true},
		{file: "key-without-value.parquet", rows: 3, columns: "id:BIGINT brand:VARCHAR", duckdb: true},
		{file: "row-count-differs.parquet", rows: 3, columns: "id:BIGINT brand:VARCHAR", duckdb: true,
			problem: "its footer says 10 rows but its row groups hold 3, which queries return"},
		{file: "nested.parquet", rows: 2, columns: "id:BIGINT tags:LIST addr:STRUCT when:TIMESTAMP", duckdb: true},
		{file: "footer-claims-2gib.parquet", problem: "its footer claims 2147483632 bytes but the file has only 523"},
		{file: "name-claims-2gib.parquet", problem: "its footer is corrupt"},
		{file: "schema-claims-2g-columns.parquet", problem: "its footer is corrupt"},
		{file: "truncated.parquet", problem: "does not end in PAR1"},
		{file: "not-parquet.parquet", problem: "does not end in PAR1"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			src, err := filepath.Abs(filepath.Join(oddDir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			sqlRows, sqlErr := duckdbCount(t, src)
			if tt.duckdb != (sqlErr == nil) {
				t.Fatalf("DuckDB reads it: %v (%v), want %v", sqlErr == nil, sqlErr, tt.duckdb)
			}
			if sqlErr == nil && sqlRows != tt.rows {
				t.Fatalf("DuckDB counts %d rows, the test expects %d", sqlRows, tt.rows)
			}

			root := t.TempDir()
			b, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(root, "odd", "part-0.parquet"), string(b))
			l, err := Open(root)
			if err != nil {
				t.Fatal(err)
			}
			cat, err := l.Catalog(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(cat) != 1 {
				t.Fatalf("catalog %+v, want one table", cat)
			}
			ds := cat[0]
			if got := columnList(ds.Columns); got != tt.columns {
				t.Errorf("columns %q, want %q", got, tt.columns)
			}
			if tt.columns != "" && ds.Rows != tt.rows {
				t.Errorf("rows %d, want %d (what SQL returns)", ds.Rows, tt.rows)
			}
			problems := strings.Join(ds.Problems, "\n")
			switch {
			case tt.problem == "" && problems != "":
				t.Errorf("problems %q, want none", problems)
			case tt.problem != "" && !strings.Contains(problems, tt.problem):
				t.Errorf("problems %q, want one containing %q", problems, tt.problem)
			case tt.problem != "" && !strings.Contains(problems, filepath.Join(root, "odd", "part-0.parquet")):
				t.Errorf("problems %q do not name the file", problems)
			}
		})
	}
}

func columnList(cols []Column) string {
	var parts []string
	for _, c := range cols {
		parts = append(parts, c.Name+":"+c.Type)
	}
	return strings.Join(parts, " ")
}

// A corrupt length (of the footer, or of a string or list inside it) must
// not make the catalog allocate what it claims: reads are bounded by the
// file's size.
func TestFooterAllocationBounded(t *testing.T) {
	for _, file := range []string{"footer-claims-2gib.parquet", "name-claims-2gib.parquet", "schema-claims-2g-columns.parquet"} {
		t.Run(file, func(t *testing.T) {
			f, err := os.Open(filepath.Join(oddDir, file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, err := f.Stat()
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err = readFooter(f, file, st.Size())
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatal("readFooter read a corrupt footer without an error")
			}
			if !strings.Contains(err.Error(), file) {
				t.Errorf("error %q does not name the file", err)
			}
			const budget = 1 << 20 // the 64 KiB tail read, and then some
			if got := after.TotalAlloc - before.TotalAlloc; got > budget {
				t.Errorf("readFooter allocated %d bytes, want at most %d", got, budget)
			}
		})
	}
}
