// Command runs measures what opening a notebook costs in a long run history:
// runs.Store.List of one notebook with 10,000 runs (and 1,000 of two other
// notebooks beside them), made through the real store, side by side with
// the way List worked before the run index, reading every run folder's
// run.json, on the same history in one process. Opening a notebook lists
// its runs to show the outputs of the latest.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"smallfry/backend/runs"
)

const (
	notebook = "notebooks/sales-by-brand-and-country.ipynb"
	mine     = 10_000
	others   = 500 // runs of each of two other notebooks
	repeats  = 7
	workers  = 8 // record writes wait on fsync: several at once fill the history faster
)

func main() {
	tmp, err := os.MkdirTemp("", "smallfry-bench-runs-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "runs")
	store, err := runs.Open(dir)
	if err != nil {
		fail(err)
	}
	t0 := time.Now()
	if err := fill(store); err != nil {
		fail(err)
	}
	fmt.Printf("run history: %d runs of %s and %d of two other notebooks, made through runs.Store in %.1f s\n",
		mine, notebook, 2*others, time.Since(t0).Seconds())

	index := dir + ".index.jsonl"
	var records []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		fail(err)
	}
	for _, e := range entries {
		records = append(records, filepath.Join(dir, e.Name(), "run.json"))
	}
	want, err := scanFolders(store, dir, notebook)
	if err != nil {
		fail(err)
	}
	check := func(got []*runs.Record) {
		if len(got) != mine || !reflect.DeepEqual(got, want) {
			fail(fmt.Errorf("list gave %d runs, the folders %d, or they differ", len(got), len(want)))
		}
	}
	scan := func() ([]*runs.Record, error) { return scanFolders(store, dir, notebook) }
	var opened *runs.Store
	first := func() ([]*runs.Record, error) { // a process that just opened the workspace: a new Store
		if opened, err = runs.Open(dir); err != nil {
			return nil, err
		}
		return opened.List(notebook)
	}
	again := func() ([]*runs.Record, error) { return opened.List(notebook) }
	measure := func(list func() ([]*runs.Record, error)) sample {
		runtime.GC() // the previous step's garbage is not this one's
		c0, t0 := cpuTime(), time.Now()
		got, err := list()
		m := sample{time.Since(t0), cpuTime() - c0}
		must(err)
		check(got)
		return m
	}

	// Warm: every file in the page cache. Each repetition runs the old way,
	// then a first List in a new Store, then the next List in that Store.
	var ws, wf, wa []sample
	for range repeats {
		ws, wf, wa = append(ws, measure(scan)), append(wf, measure(first)), append(wa, measure(again))
	}
	// Cold: the records and the index dropped from the page cache first, as
	// after a reboot (the folder listing itself stays cached).
	var cs, cf []sample
	cold := evict(append(records, index)...) == nil
	for i := 0; cold && i < repeats; i++ {
		must(evict(append(records, index)...))
		cs = append(cs, measure(scan))
		must(evict(append(records, index)...))
		cf = append(cf, measure(first))
	}
	// The first List after an upgrade (or after the index was deleted)
	// reads every folder and writes the index.
	st, err := os.Stat(index)
	must(err)
	must(os.Remove(index))
	rebuild := measure(first)

	fmt.Printf("List(notebook) = %d runs, newest first; wall and CPU (every thread) in ms, median of %d, %d cores\n", mine, repeats, runtime.GOMAXPROCS(0))
	before := median(ws)
	row := func(what string, m sample) {
		fmt.Printf("  %-46s %s   ratio %.3f (%.1fx faster)\n", what, m, m.wall.Seconds()/before.wall.Seconds(), before.wall.Seconds()/m.wall.Seconds())
	}
	fmt.Printf("  %-46s %s\n", "before: run.json of every folder", before)
	row(fmt.Sprintf("ours: first List of a process (index %.1f MB)", float64(st.Size())/1e6), median(wf))
	row("ours: next List in that process", median(wa))
	if cold {
		cb := median(cs)
		fmt.Printf("  cold file cache:\n  %-46s %s\n", "before: run.json of every folder", cb)
		m := median(cf)
		fmt.Printf("  %-46s %s   ratio %.3f (%.1fx faster)\n", "ours: first List of a process", m, m.wall.Seconds()/cb.wall.Seconds(), cb.wall.Seconds()/m.wall.Seconds())
	}
	fmt.Printf("  %-46s %s   (once, after an upgrade)\n", "ours: first List with no index (rebuilds it)", rebuild)
}

// sample is one timing: wall time and the process's CPU time.
type sample struct{ wall, cpu time.Duration }

func (m sample) String() string { return fmt.Sprintf("wall %7.1f  cpu %7.1f", ms(m.wall), ms(m.cpu)) }

// median takes the median wall time and, apart, the median CPU time.
func median(ms []sample) sample {
	w, c := make([]time.Duration, len(ms)), make([]time.Duration, len(ms))
	for i, m := range ms {
		w[i], c[i] = m.wall, m.cpu
	}
	slices.Sort(w)
	slices.Sort(c)
	return sample{w[len(w)/2], c[len(c)/2]}
}

func must(err error) {
	if err != nil {
		fail(err)
	}
}

// fill makes the history: each run started, then finished with an output
// notebook, as the runner does. Runs of the three notebooks interleave.
func fill(store *runs.Store) error {
	var tick atomic.Int64
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	store.Now = func() time.Time { return start.Add(time.Duration(tick.Add(1)) * time.Second) }
	output := []byte(`{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}` + "\n")
	jobs := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				nb := notebook
				if i%11 == 10 {
					nb = []string{"notebooks/tour.ipynb", "notebooks/etl.ipynb"}[i/11%2]
				}
				rec := record(nb, i)
				if err := store.Start(rec); err != nil {
					errs <- err
					return
				}
				rec.Status = runs.OK
				if i%50 == 0 {
					rec.Status, rec.Error = runs.Failed, "cell 3 (by_country), line 2: Binder Error: column \"contry\" not found"
				}
				if err := store.Finish(rec, output); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := range mine + 2*others {
		select {
		case err := <-errs:
			close(jobs)
			return err
		case jobs <- i:
		}
	}
	close(jobs)
	wg.Wait()
	close(errs)
	return <-errs
}

// record is a run of the sample sales notebook: its parameters, six cells,
// the lake tables it read and wrote.
func record(nb string, i int) *runs.Record {
	cells := []runs.Cell{
		{Index: 0, ID: "params", Kind: "code", Status: runs.OK},
		{Index: 1, ID: "injected", Kind: "code", Status: runs.OK},
		{Index: 2, ID: "sales", Name: "sales", Kind: "sql", Status: runs.OK, DurationMs: 41, Rows: 1_200_000},
		{Index: 3, ID: "by-country", Name: "by_country", Kind: "sql", Status: runs.OK, DurationMs: 12, Rows: 8},
		{Index: 4, ID: "top-brand", Name: "top_brand", Kind: "sql", Status: runs.OK, DurationMs: 3, Rows: 1},
		{Index: 5, ID: "chart", Kind: "markdown", Status: runs.OK},
	}
	return &runs.Record{Notebook: nb, Mode: []string{"headless", "interactive"}[i%2],
		Parameters: map[string]any{"year": 1995 + i%6, "country": "Germany"}, Cells: cells,
		Reads: []string{"Fact_Sales", "Dim_Date", "Dim_Store", "Dim_Product"}, Writes: []string{"sales_by_country"}}
}

// scanFolders is runs.Store.List as it was before the index: every run
// folder's run.json read and decoded, then filtered and sorted.
func scanFolders(store *runs.Store, dir, notebook string) ([]*runs.Record, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []*runs.Record
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		rec, err := store.Load(e.Name())
		if err != nil {
			continue
		}
		if notebook == "" || rec.Notebook == notebook {
			out = append(out, rec)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench runs:", err)
	os.Exit(1)
}
