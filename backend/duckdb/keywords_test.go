package duckdb

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"slices"
	"testing"

	"smallfry/backend"
)

var updateKeywords = flag.Bool("update-keywords", false, "rewrite backend/sqlkeywords.json from DuckDB")

// backend/sqlkeywords.json lists the words DuckDB does not take as a bare
// name (every keyword but the unreserved ones); the backend and the
// frontend quote names found in it. This test keeps it equal to what this
// DuckDB says.
func TestSQLKeywordsAreDuckDBs(t *testing.T) {
	s := openSession(t)
	rows, err := s.db.QueryContext(context.Background(), "SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category <> 'unreserved' ORDER BY keyword_name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var want []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		want = append(want, k)
	}
	if *updateKeywords {
		b, _ := json.MarshalIndent(want, "", "  ")
		if err := os.WriteFile("../sqlkeywords.json", append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := backend.SQLKeywords(); !slices.Equal(got, want) {
		t.Errorf("backend/sqlkeywords.json has %d words, DuckDB %d (go test ./backend/duckdb -run TestSQLKeywordsAreDuckDBs -update-keywords)", len(got), len(want))
	}
	for _, k := range []string{"binary", "select", "order"} {
		if !slices.Contains(want, k) {
			t.Errorf("DuckDB no longer reserves %q", k)
		}
	}
}

// A keyword named as SQLName writes it works as a table name; bare, it does not.
func TestSQLNameQuotesKeywords(t *testing.T) {
	s := openSession(t)
	ctx := context.Background()
	for _, name := range []string{"binary", "select", "order", "Sales", "name"} {
		t.Run(name, func(t *testing.T) {
			if _, err := s.db.ExecContext(ctx, "CREATE TABLE "+QuoteIdent(name)+" AS SELECT 1 AS x"); err != nil {
				t.Fatal(err)
			}
			var x int
			if err := s.db.QueryRowContext(ctx, "SELECT x FROM "+backend.SQLName(name)).Scan(&x); err != nil {
				t.Errorf("SELECT x FROM %s: %v", backend.SQLName(name), err)
			}
		})
	}
}
