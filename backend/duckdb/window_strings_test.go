package duckdb

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
)

// peakRSS is the process's peak resident memory so far, from Linux's
// /proc/self/status ("" elsewhere).
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:"))
		}
	}
	return ""
}

// A window whose strings or blobs pass 2 GiB (Arrow's limit for one string
// or binary column of a batch) shows what DuckDB reads: huge values are cut
// for the grid, with a note of their length, and the rest of the row is
// intact.
//
// Memory: 22 values of 100 MB are made by a view, so only the one data
// chunk DuckDB builds from it holds them (2.2 GB); the test's peak RSS is
// logged (about 2.3 GB here).
func TestWindowOfHugeValues(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 2.2 GB of values")
	}
	const rows, size = 22, 100_000_000
	for _, tc := range []struct {
		name, value string
		text        func(arrow.Array, int) string
	}{
		{"strings", "repeat('x', 100000000)", func(a arrow.Array, i int) string { return a.(*array.String).Value(i) }},
		{"blobs", "repeat('x', 100000000)::BLOB", func(a arrow.Array, i int) string { return string(a.(*array.Binary).Value(i)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openSession(t)
			ctx := context.Background()
			if _, err := s.db.ExecContext(ctx, "CREATE VIEW huge AS SELECT i, "+tc.value+" AS s, 'small' AS t FROM range(22) r(i)"); err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			written, total, err := s.WindowIPC(ctx, WindowRequest{Table: Table{Name: "huge"}, Limit: 100}, &buf)
			t.Logf("peak RSS %s; %d bytes of Arrow", peakRSS(), buf.Len())
			if err != nil {
				t.Fatalf("window: %v", err)
			}
			if written != rows || total != rows {
				t.Fatalf("window wrote %d rows of %d, want %d", written, total, rows)
			}
			rd, err := ipc.NewReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			defer rd.Release()
			n := 0
			for rd.Next() {
				rec := rd.RecordBatch()
				ids, small := rec.Column(0).(*array.Int64), rec.Column(2).(*array.String)
				for i := 0; i < int(rec.NumRows()); i++ {
					v := tc.text(rec.Column(1), i)
					if !strings.HasPrefix(v, strings.Repeat("x", GridStringMax)) || !strings.Contains(v[GridStringMax:], fmt.Sprintf("%d bytes in all", size)) {
						t.Fatalf("row %d: value of %d bytes, %q…; want the first %d and a note of the length", ids.Value(i), len(v), v[:min(len(v), 20)], GridStringMax)
					}
					if small.Value(i) != "small" {
						t.Errorf("row %d: t = %q, want small", ids.Value(i), small.Value(i))
					}
					n++
				}
			}
			if n != rows {
				t.Errorf("read %d rows, want %d", n, rows)
			}
		})
	}
}
