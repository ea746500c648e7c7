// Command kernel measures the Python side, side by side with peers in one run:
//
//  1. kernel start to first output: Smallfry's Go client vs jupyter_client
//     (KernelManager) starting the same ipykernel spec with the same Python;
//  2. handing a 1,000,000-row SQL result to pandas (DuckDB writes Parquet,
//     the kernel reads it into a DataFrame) vs pyarrow reading that same
//     Parquet file directly into pandas, in the same kernel.
//
// Usage: PYTHON=.venv/bin/python go run -tags duckdb_arrow ./bench/kernel
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"smallfry/backend/bridge"
	"smallfry/backend/duckdb"
	"smallfry/backend/kernel"
)

const repeats = 5

func main() {
	py := os.Getenv("PYTHON")
	if py == "" {
		fail(fmt.Errorf("set PYTHON to the venv's python (make bench does)"))
	}
	py, _ = filepath.Abs(py)
	spec := pythonSpec(py)
	ctx := context.Background()

	fmt.Println("1. kernel start to first output (ipykernel, same spec and Python)")
	var ours []time.Duration
	for range repeats + 1 {
		dir, _ := os.MkdirTemp("", "kbench")
		t0 := time.Now()
		k, err := kernel.Start(ctx, spec, kernel.LocalLauncher{}, kernel.Options{RuntimeDir: dir})
		if err != nil {
			fail(err)
		}
		if _, err := k.Execute(ctx, "print('hi')", nil); err != nil {
			fail(err)
		}
		ours = append(ours, time.Since(t0))
		k.Shutdown(ctx)
		os.RemoveAll(dir)
	}
	ours = ours[1:] // the first warms the file cache
	out, err := exec.Command(py, "bench/kernel/peer.py", strconv.Itoa(repeats)).Output()
	if err != nil {
		fail(fmt.Errorf("jupyter_client peer: %w", err))
	}
	peer := time.Duration(parseFloat(strings.TrimSpace(string(out))) * float64(time.Second))
	o := median(ours)
	fmt.Printf("  ours (Go client)      %7.1f ms\n  jupyter_client        %7.1f ms\n  ratio ours/peer: %.2f\n\n", ms(o), ms(peer), float64(o)/float64(peer))

	fmt.Println("2. a 1,000,000-row x 10-column SQL result into pandas")
	db, err := duckdb.Open(ctx, duckdb.Config{TempDir: os.TempDir()})
	if err != nil {
		fail(err)
	}
	defer db.Close()
	scratch, _ := os.MkdirTemp("", "kbench")
	defer os.RemoveAll(scratch)
	b := bridge.New(db, bridge.Config{Spec: spec, Launcher: kernel.LocalLauncher{}, Scratch: scratch})
	defer b.Close(ctx)
	if _, err := b.Execute(ctx, "import pyarrow.parquet as pq, time", nil); err != nil {
		fail(err)
	}
	const q = `SELECT range AS id, range % 97 AS a, range * 1.5 AS b, 'name ' || (range % 1000) AS c,
		DATE '2000-01-01' + CAST(range % 3650 AS INTEGER) AS d, range % 2 = 0 AS e, hash(range) AS f,
		range / 7 AS g, 'x' || range AS h, range % 13 AS i FROM range(1000000)`
	if _, err := db.Run(ctx, duckdb.Cell{SQL: q, Result: "big"}); err != nil {
		fail(err)
	}
	var hand, direct []time.Duration
	file := filepath.Join(scratch, "sql", "big.parquet")
	for range repeats + 1 {
		b.SQLRan() // as after rerunning the SQL cell: hand it over again
		t0 := time.Now()
		if _, err := b.Execute(ctx, "n = len(big)", nil); err != nil {
			fail(err)
		}
		hand = append(hand, time.Since(t0))
		res, err := b.Execute(ctx, fmt.Sprintf("t = time.perf_counter(); df = pq.read_table(%q).to_pandas(); print(time.perf_counter() - t)", file), nil)
		if err != nil {
			fail(err)
		}
		direct = append(direct, time.Duration(parseFloat(streamText(res))*float64(time.Second)))
	}
	hand, direct = hand[1:], direct[1:]
	h, d := median(hand), median(direct)
	fmt.Printf("  ours: SQL result to DataFrame (write Parquet, read in the kernel, one cell)  %7.1f ms\n", ms(h))
	fmt.Printf("  peer: pyarrow reads the same Parquet file into pandas                        %7.1f ms\n", ms(d))
	fmt.Printf("  ratio ours/peer: %.2f (goal <= 2)\n", float64(h)/float64(d))
}

func pythonSpec(py string) kernel.Spec {
	specs, _ := kernel.Specs(kernel.DefaultPaths(filepath.Dir(filepath.Dir(py))))
	for _, s := range specs {
		if s.Name == "python3" {
			return s.WithPython(py)
		}
	}
	return kernel.IPythonSpec(py)
}

func streamText(out *bridge.Outcome) string {
	var s strings.Builder
	for _, o := range out.Outputs {
		if t, ok := o["text"].(string); ok {
			s.WriteString(t)
		}
	}
	return strings.TrimSpace(s.String())
}

func median(xs []time.Duration) time.Duration {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func parseFloat(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		fail(fmt.Errorf("not a number: %q", s))
	}
	return f
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "kernel bench:", err)
	os.Exit(1)
}
