package duckdb

import (
	"fmt"
	"reflect"
	"time"
	"unsafe"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"

	"smallfry/backend"
)

// Progress is DuckDB's estimate for the statement running in a cell.
type Progress struct {
	Statement  int     // 1-based index of the running statement
	Statements int     // statements in the cell
	Percent    float64 // 0..100, or -1 when DuckDB cannot estimate
	Rows       uint64  // rows processed so far
	TotalRows  uint64  // rows DuckDB expects to process
	// Downloaded of DownloadTotal bytes are fetched for the statement's
	// attached views (see Catalog); Percent is -1 meanwhile.
	Downloaded, DownloadTotal int64
	// Detail is another engine's own account (a Spark cluster's stages
	// and tasks), shown as it is.
	Detail string
}

// rawConnection returns the C connection behind a duckdb-go driver connection.
//
// duckdb-go v2.10506.0 binds duckdb_query_progress in its mapping package but
// gives no public way to call it on a connection (the Rust, Java and Node
// clients expose it as a connection method). The C call is a lock-free read meant to be polled from another thread while the
// query runs, so we read the driver's unexported handle. The version is
// pinned in go.mod and TestProgressIsReported fails if the layout changes.
func rawConnection(driverConn any) (mapping.Connection, error) {
	c, ok := driverConn.(*duckdb.Conn)
	if !ok {
		return mapping.Connection{}, fmt.Errorf("duckdb progress: unexpected driver connection %T", driverConn)
	}
	f := reflect.ValueOf(c).Elem().FieldByName("conn")
	if !f.IsValid() || f.Type() != reflect.TypeOf(mapping.Connection{}) {
		return mapping.Connection{}, fmt.Errorf("duckdb progress: duckdb-go's Conn layout changed")
	}
	return *(*mapping.Connection)(unsafe.Pointer(f.UnsafeAddr())), nil
}

// progressInterval is how often progress is polled and reported.
const progressInterval = backend.EventInterval

// watchProgress polls the connection until stop is closed, calling report
// when the estimate changes. It returns once polling has ended.
func watchProgress(raw mapping.Connection, stop <-chan struct{}, report func(percent float64, rows, total uint64)) {
	t := time.NewTicker(progressInterval)
	defer t.Stop()
	last := -2.0
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			p := mapping.QueryProgress(raw)
			pct, rows, total := mapping.QueryProgressTypeMembers(&p)
			if pct != last {
				last = pct
				report(pct, rows, total)
			}
		}
	}
}
