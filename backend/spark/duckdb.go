//go:build duckdb_arrow

package spark

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/array"
	duckdb "github.com/duckdb/duckdb-go/v2"
)

var scans atomic.Int64

// copying serializes copies: each runs DuckDB single-threaded for its
// duration, a setting of the whole database (see CopyToDuckDB).
var copying sync.Mutex

// CopyToDuckDB stores a query's stream as the DuckDB table table (created,
// or replaced) on conn, a *duckdb.Conn: DuckDB scans the stream through
// Arrow's C interface while it arrives, so Go holds one batch at a time,
// never the result. It consumes the stream (but does not release it) and
// returns the rows stored. A stream without columns stores nothing.
//
// DuckDB runs the copy on one thread: its scan of an Arrow stream takes
// the batches one at a time under a lock, and a second thread made the
// copy of a 1,000,000-row × 10-column result twice as slow here (170 ms on
// one thread, 340–590 ms on two), with one thread still faster than the
// network brings the batches. DuckDB's threads setting belongs to the
// database, so other queries on it run on one thread meanwhile, and copies
// in this process take turns.
func CopyToDuckDB(ctx context.Context, conn driver.Conn, s *Stream, table string) (int64, error) {
	return CopyReaderToDuckDB(ctx, conn, s, quoteIdent(table))
}

// Source is what CopyReaderToDuckDB reads: a Stream, or a reader over one
// (one that stops at a cap).
type Source interface {
	array.RecordReader
	// Err is what stopped the reader early, nil at the end of the result.
	Err() error
	// Rows is the number of rows read so far.
	Rows() int64
}

// CopyReaderToDuckDB is CopyToDuckDB for any Source, into table as DuckDB
// SQL names it (quoted, maybe with its schema: "_smallfry"."result_3").
func CopyReaderToDuckDB(ctx context.Context, conn driver.Conn, s Source, table string) (int64, error) {
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
	copying.Lock()
	defer copying.Unlock()
	if restore, err := oneThread(ctx, dc); err == nil {
		defer restore()
	}
	q := "CREATE OR REPLACE TABLE " + table + " AS SELECT * FROM " + quoteIdent(view)
	if _, err := dc.ExecContext(ctx, q, nil); err != nil {
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

// oneThread sets DuckDB's threads to 1 and returns what puts it back.
func oneThread(ctx context.Context, dc *duckdb.Conn) (func(), error) {
	rows, err := dc.QueryContext(ctx, "SELECT current_setting('threads')", nil)
	if err != nil {
		return nil, err
	}
	vals := make([]driver.Value, 1)
	err = rows.Next(vals)
	rows.Close()
	if err != nil {
		return nil, err
	}
	was, ok := vals[0].(int64)
	if !ok || was <= 1 {
		return func() {}, nil
	}
	if _, err := dc.ExecContext(ctx, "SET threads = 1", nil); err != nil {
		return nil, err
	}
	return func() {
		_, _ = dc.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("SET threads = %d", was), nil)
	}, nil
}

func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }
