// Command window measures the grid's window path: fetching every row of a
// 1,000,000-row x 10-column result as Arrow IPC windows, side by side with
// DuckDB's own CREATE TABLE AS of the same rows, in one process and run.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"smallfry/backend/duckdb"
)

const (
	rows    = 1_000_000
	window  = 100_000
	repeats = 5
)

const query = `SELECT range AS id, range % 97 AS a, range * 1.5 AS b, 'name ' || (range % 1000) AS c,
	DATE '2000-01-01' + CAST(range % 3650 AS INTEGER) AS d, range % 2 = 0 AS e, hash(range) AS f,
	CAST(range % 100 AS DECIMAL(10,2)) AS g, 'x' || range AS h, range / 7 AS i FROM range(` + "1000000" + `)`

func main() {
	ctx := context.Background()
	s, err := duckdb.Open(ctx, duckdb.Config{TempDir: os.TempDir()})
	if err != nil {
		fail(err)
	}
	defer s.Close()
	var ctas, fetch []time.Duration
	for i := 0; i < repeats; i++ {
		t0 := time.Now()
		res, err := s.Run(ctx, duckdb.Cell{SQL: query, Result: "wide"})
		if err != nil {
			fail(err)
		}
		ctas = append(ctas, time.Since(t0))
		t0 = time.Now()
		var got int64
		for off := int64(0); off < res.Rows; off += window {
			n, err := countingIPC(ctx, s, res.Table, off)
			if err != nil {
				fail(err)
			}
			got += n
		}
		fetch = append(fetch, time.Since(t0))
		if got != rows {
			fail(fmt.Errorf("fetched %d rows, want %d", got, rows))
		}
	}
	c, f := median(ctas), median(fetch)
	fmt.Printf("window fetch, 1,000,000 rows x 10 columns in %d-row Arrow IPC windows (median of %d)\n", window, repeats)
	fmt.Printf("  ours: fetch all windows      %8.1f ms  (%.2f M rows/s, %.1f MB IPC)\n", ms(f), rows/f.Seconds()/1e6, float64(lastBytes)/1e6)
	fmt.Printf("  peer: DuckDB CREATE TABLE AS %8.1f ms\n", ms(c))
	fmt.Printf("  ratio fetch / CTAS: %.2f (goal <= 1.25; goal >= 3 M rows/s)\n", f.Seconds()/c.Seconds())
}

var lastBytes int64

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// countingIPC streams one window to a byte counter, as the UI's transport does to its socket.
func countingIPC(ctx context.Context, s *duckdb.Session, t duckdb.Table, off int64) (int64, error) {
	var c counter
	n, _, err := s.WindowIPC(ctx, duckdb.WindowRequest{Table: t, Offset: off, Limit: window}, io.Writer(&c))
	if err != nil {
		return 0, err
	}
	if off == 0 {
		lastBytes = 0
	}
	lastBytes += c.n
	return n, nil
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench window:", err)
	os.Exit(1)
}
