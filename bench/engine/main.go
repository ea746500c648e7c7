// Command engine times DuckDB alone, through the same duckdb-go library
// Smallfry links, on a script of statements: each repetition opens a fresh
// in-memory database and runs the script in order. bench/compare.py runs the
// same script in the DuckDB Python package, so the two builds of the engine
// are compared on identical work, apart from everything Smallfry adds.
//
// Usage: engine REPEATS SCRIPT.json (a JSON list of statements); prints the
// median wall time and the median CPU time of the process (every thread:
// DuckDB's workers included), both in milliseconds.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

func main() {
	if len(os.Args) != 3 {
		fail(fmt.Errorf("usage: engine REPEATS SCRIPT.json"))
	}
	repeats, err := strconv.Atoi(os.Args[1])
	if err != nil || repeats < 1 {
		fail(fmt.Errorf("repeats %q is not a positive number", os.Args[1]))
	}
	data, err := os.ReadFile(os.Args[2])
	if err != nil {
		fail(err)
	}
	var script []string
	if err := json.Unmarshal(data, &script); err != nil {
		fail(fmt.Errorf("script %s: %w", os.Args[2], err))
	}
	ctx := context.Background()
	var walls, cpus []time.Duration
	for range repeats {
		c0, t0 := cpuTime(), time.Now()
		if err := runScript(ctx, script); err != nil {
			fail(err)
		}
		walls, cpus = append(walls, time.Since(t0)), append(cpus, cpuTime()-c0)
	}
	fmt.Printf("%.3f %.3f\n", ms(median(walls)), ms(median(cpus)))
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func runScript(ctx context.Context, script []string) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, q := range script {
		rows, err := conn.QueryContext(ctx, q)
		if err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
		for rows.Next() {
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	return nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "engine:", err)
	os.Exit(1)
}
