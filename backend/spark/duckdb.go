//go:build duckdb_arrow

package spark

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync/atomic"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

var scans atomic.Int64

// CopyToDuckDB stores a query's stream as the DuckDB table table (created,
// or replaced) on conn, a *duckdb.Conn: DuckDB scans the stream through
// Arrow's C interface while it arrives, so Go holds one batch at a time,
// never the result. It consumes the stream (but does not release it) and
// returns the rows stored. A stream without columns stores nothing.
func CopyToDuckDB(ctx context.Context, conn driver.Conn, s *Stream, table string) (int64, error) {
	if s.Schema().NumFields() == 0 {
		for s.Next() {
		}
		return 0, s.Err()
	}
	dc, ok := conn.(*duckdb.Conn)
	if !ok {
		return 0, fmt.Errorf("copy spark result into %s: %T is not a DuckDB connection", table, conn)
	}
	ar, err := duckdb.NewArrowFromConn(dc)
	if err != nil {
		return 0, fmt.Errorf("copy spark result into %s: %w", table, err)
	}
	view := fmt.Sprintf("smallfry_spark_scan_%d", scans.Add(1))
	// RegisterView takes a reference and drops it when the scan ends.
	s.Retain()
	release, err := ar.RegisterView(s, view)
	if err != nil {
		s.Release()
		return 0, fmt.Errorf("copy spark result into %s: %w", table, err)
	}
	defer release()
	ex, ok := conn.(driver.ExecerContext)
	if !ok {
		return 0, fmt.Errorf("copy spark result into %s: the connection cannot run statements", table)
	}
	q := "CREATE OR REPLACE TABLE " + quoteIdent(table) + " AS SELECT * FROM " + quoteIdent(view)
	if _, err := ex.ExecContext(ctx, q, nil); err != nil {
		// The stream's own error (a cut, a cancel, a failed query) says more
		// than DuckDB's report that the scan failed.
		if serr := s.Err(); serr != nil {
			return 0, serr
		}
		return 0, fmt.Errorf("copy spark result into %s: %w", table, err)
	}
	if err := s.Err(); err != nil {
		return 0, err
	}
	return s.Rows(), nil
}

func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }
