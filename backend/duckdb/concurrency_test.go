package duckdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
)

// The grid, the column summaries and exports read a session while one of
// its cells runs (Run holds the cell connection; the others borrow the
// pool). These tests read one session from several goroutines at once, during
// a run, and check every answer.

// numsRows is the size of the nums result the readers read: i = 0..n-1,
// m = i % 7, s = 'v' || i.
const numsRows = 100_000

const numsSQL = "SELECT range AS i, range % 7 AS m, 'v' || range AS s FROM range(100000)"

// slowSQL takes about half a second here: 36 million rows through a sum. It
// also reads the lake table gate (see gatedSession).
const (
	slowSide  = 6000
	slowRows  = int64(slowSide * slowSide)
	slowTotal = int64(slowSide*(slowSide-1)/2) * int64(slowSide*(slowSide-1)/2)
)

var slowSQL = fmt.Sprintf("SELECT count(*) AS n, CAST(sum(x * y) AS BIGINT) AS total FROM gate, range(%[1]d) a(x), range(%[1]d) b(y)", slowSide)

// numsWhere lists the i of nums that keep, in order.
func numsWhere(keep func(i int64) bool, desc bool) []int64 {
	var out []int64
	for i := range int64(numsRows) {
		if keep(i) {
			out = append(out, i)
		}
	}
	if desc {
		for l, r := 0, len(out)-1; l < r; l, r = l+1, r-1 {
			out[l], out[r] = out[r], out[l]
		}
	}
	return out
}

func all(int64) bool       { return true }
func mIs3(i int64) bool    { return i%7 == 3 }
func numsS(i int64) string { return "v" + strconv.FormatInt(i, 10) }

// checkNums checks that batches hold the rows of nums whose i are want, in
// order, with their m and s.
func checkNums(recs []arrow.RecordBatch, want []int64) error {
	var n int
	for _, rec := range recs {
		is, ms, ss := rec.Column(0).(*array.Int64), rec.Column(1).(*array.Int64), rec.Column(2).(*array.String)
		for r := range int(rec.NumRows()) {
			if n >= len(want) {
				return fmt.Errorf("more than the %d rows wanted", len(want))
			}
			i := want[n]
			if is.Value(r) != i || ms.Value(r) != i%7 || ss.Value(r) != numsS(i) {
				return fmt.Errorf("row %d = (%d, %d, %q), want (%d, %d, %q)", n, is.Value(r), ms.Value(r), ss.Value(r), i, i%7, numsS(i))
			}
			n++
		}
	}
	if n != len(want) {
		return fmt.Errorf("got %d rows, want %d", n, len(want))
	}
	return nil
}

// window is one grid request over nums and the rows it must return.
type window struct {
	name string
	req  WindowRequest
	keep func(int64) bool
	desc bool
}

func (w window) want() (rows []int64, total int64) {
	rows = numsWhere(w.keep, w.desc)
	total = int64(len(rows))
	rows = rows[min(int(w.req.Offset), len(rows)):]
	return rows[:min(int(w.req.Limit), len(rows))], total
}

// numsTables are the results the readers read. Every ordering reads the
// same one, so orderings replace each other's sorted copy while readers
// hold it (see TestSortedCopyOutlivesAnotherOrdering).
var numsTables = []string{"nums"}

func numsWindows() []window {
	byI := []SortKey{{Column: "i", Desc: true}}
	m3 := []Filter{{Column: "m", Op: "=", Value: 3}}
	return []window{
		{"plain", WindowRequest{Table: Table{Name: "nums"}, Offset: 1234, Limit: 100}, all, false},
		{"sorted", WindowRequest{Table: Table{Name: "nums"}, Offset: 10, Limit: 50, Sort: byI}, all, true},
		{"filtered", WindowRequest{Table: Table{Name: "nums"}, Offset: 5, Limit: 20, Filters: m3}, mIs3, false},
		{"filtered and sorted", WindowRequest{Table: Table{Name: "nums"}, Offset: 0, Limit: 10, Sort: byI, Filters: m3}, mIs3, true},
		{"deep", WindowRequest{Table: Table{Name: "nums"}, Offset: numsRows - 3, Limit: 10}, all, false},
	}
}

// makeNums runs the cells that make numsTables.
func makeNums(t *testing.T, s *Session) {
	t.Helper()
	for _, name := range numsTables {
		if res := run(t, s, Cell{SQL: numsSQL, Result: name}); res.Rows != numsRows {
			t.Fatalf("%s has %d rows, want %d", name, res.Rows, numsRows)
		}
	}
}

// reader is one kind of call the readers make; it returns what was wrong.
type reader struct {
	name string
	read func(ctx context.Context, s *Session) error
}

func windowReader(w window) reader {
	return reader{"Window " + w.name, func(ctx context.Context, s *Session) error {
		got, err := s.Window(ctx, w.req)
		if err != nil {
			return err
		}
		defer got.Release()
		rows, total := w.want()
		if got.Total != total {
			return fmt.Errorf("total = %d, want %d", got.Total, total)
		}
		return checkNums(got.Records, rows)
	}}
}

func windowIPCReader(w window) reader {
	return reader{"WindowIPC " + w.name, func(ctx context.Context, s *Session) error {
		var buf bytes.Buffer
		written, total, err := s.WindowIPC(ctx, w.req, &buf)
		if err != nil {
			return err
		}
		rows, wantTotal := w.want()
		if written != int64(len(rows)) || total != wantTotal {
			return fmt.Errorf("wrote %d of %d, want %d of %d", written, total, len(rows), wantTotal)
		}
		rd, err := ipc.NewReader(&buf)
		if err != nil {
			return err
		}
		defer rd.Release()
		var recs []arrow.RecordBatch
		for rd.Next() {
			rec := rd.RecordBatch()
			rec.Retain()
			defer rec.Release()
			recs = append(recs, rec)
		}
		if err := rd.Err(); err != nil {
			return err
		}
		return checkNums(recs, rows)
	}}
}

func summarizeReaders() []reader {
	nums := Table{Name: "nums"}
	return []reader{
		{"Summarize i", func(ctx context.Context, s *Session) error {
			sum, err := s.Summarize(ctx, nums, "i")
			if err != nil {
				return err
			}
			if sum.Type != "BIGINT" || sum.Rows != numsRows || sum.Nulls != 0 || sum.Min == nil || *sum.Min != "0" || *sum.Max != strconv.Itoa(numsRows-1) {
				return fmt.Errorf("got %+v", sum)
			}
			var binned int64
			for _, b := range sum.Bins {
				binned += b.Count
			}
			if len(sum.Bins) == 0 || binned != numsRows {
				return fmt.Errorf("histogram of %d bins counts %d rows, want %d", len(sum.Bins), binned, numsRows)
			}
			return nil
		}},
		{"Summarize s", func(ctx context.Context, s *Session) error {
			sum, err := s.Summarize(ctx, nums, "s")
			if err != nil {
				return err
			}
			if sum.Type != "VARCHAR" || sum.Rows != numsRows || sum.Nulls != 0 || len(sum.Top) != 10 || len(sum.Bins) != 0 {
				return fmt.Errorf("got %+v", sum)
			}
			for _, vc := range sum.Top {
				if vc.Count != 1 {
					return fmt.Errorf("top value %v counted %d times, want 1", vc.Value, vc.Count)
				}
			}
			return nil
		}},
	}
}

// exportReader exports w to a file in dir and reads the file back.
func exportReader(w window, format, dir string) reader {
	return reader{"Export " + format + " " + w.name, func(ctx context.Context, s *Session) error {
		path := filepath.Join(dir, strings.ReplaceAll(w.name, " ", "_")+"."+format)
		n, err := s.Export(ctx, w.req, format, path)
		if err != nil {
			return err
		}
		w.req.Offset, w.req.Limit = 0, numsRows // an export is every row
		rows, total := w.want()
		if n != total {
			return fmt.Errorf("exported %d rows, want %d", n, total)
		}
		file := "read_" + format + "(" + QuoteString(path) + ")"
		var count, sum, first int64
		q := "SELECT count(*), CAST(sum(i) AS BIGINT), (SELECT i FROM " + file + " LIMIT 1) FROM " + file
		if err := s.db.QueryRowContext(ctx, q).Scan(&count, &sum, &first); err != nil {
			return fmt.Errorf("read the export back: %w", err)
		}
		var wantSum int64
		for _, i := range rows {
			wantSum += i
		}
		if count != total || sum != wantSum || first != rows[0] {
			return fmt.Errorf("file has %d rows summing to %d, first %d; want %d summing to %d, first %d", count, sum, first, total, wantSum, rows[0])
		}
		return nil
	}}
}

// numsReaders are all the readers of nums.
func numsReaders(dir string) []reader {
	var rs []reader
	ws := numsWindows()
	for _, w := range ws {
		rs = append(rs, windowReader(w), windowIPCReader(w))
	}
	rs = append(rs, summarizeReaders()...)
	rs = append(rs, exportReader(ws[0], "csv", dir), exportReader(ws[3], "parquet", dir))
	return rs
}

// gatedSession opens a session whose lake has one table, gate (one row),
// whose lookup blocks until open is closed: a cell that reads gate is
// running, for sure, until then.
func gatedSession(t *testing.T, open <-chan struct{}) *Session {
	t.Helper()
	resolve := func(name string) (string, []any, bool, error) {
		if !strings.EqualFold(name, "gate") {
			return "", nil, false, nil
		}
		select {
		case <-open:
		case <-time.After(time.Minute):
			return "", nil, false, errors.New("the gate was never opened")
		}
		return "range", []any{int64(1)}, true, nil
	}
	s, err := Open(context.Background(), Config{TempDir: t.TempDir(), Resolve: resolve})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// Windows (plain, sorted, filtered), WindowIPC, Summarize and Export,
// from several goroutines at once, while a cell runs: every answer is
// right, and so is the cell's. Each reader does a first round while the cell
// is held in its lookup of the lake table gate (so those calls surely overlap
// the run), then goes on until the cell has finished.
func TestReadsDuringRun(t *testing.T) {
	open := make(chan struct{})
	s := gatedSession(t, open)
	makeNums(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	type outcome struct {
		res *Result
		err error
	}
	ran := make(chan outcome, 1)
	go func() {
		res, err := s.Run(ctx, Cell{SQL: slowSQL, Result: "slow"})
		ran <- outcome{res, err}
	}()
	runDone := make(chan struct{})
	var firstRound, readers sync.WaitGroup
	rs := numsReaders(t.TempDir())
	rounds := make([]int, len(rs))
	for ri, r := range rs {
		firstRound.Add(1)
		readers.Add(1)
		go func() {
			defer readers.Done()
			for round := 0; ; round++ {
				err := r.read(ctx, s)
				if round == 0 {
					firstRound.Done()
				}
				if err != nil {
					t.Errorf("%s, round %d: %v", r.name, round, err)
					return
				}
				rounds[ri]++
				select {
				case <-runDone:
					return
				default:
				}
			}
		}()
	}
	// The run is blocked in its lookup until every reader has read once.
	firstRound.Wait()
	select {
	case o := <-ran:
		t.Fatalf("the run ended before the gate opened: %+v, %v", o.res, o.err)
	default:
	}
	close(open)
	o := <-ran
	close(runDone)
	readers.Wait()
	for i, r := range rs {
		t.Logf("%s: %d rounds", r.name, rounds[i])
	}

	if o.err != nil {
		t.Fatalf("Run: %v", o.err)
	}
	if o.res.Table != (Table{Name: "slow"}) || o.res.Rows != 1 || len(o.res.Columns) != 2 || strings.Join(o.res.TablesRead, ",") != "gate" {
		t.Errorf("Run = %+v, want one row in main.slow having read gate", o.res)
	}
	var n, total int64
	if err := s.db.QueryRow("SELECT n, total FROM slow").Scan(&n, &total); err != nil {
		t.Fatal(err)
	}
	if n != slowRows || total != slowTotal {
		t.Errorf("the run computed n = %d, total = %d; want %d, %d", n, total, slowRows, slowTotal)
	}
}

// Without a run, the readers at once still agree, many rounds each.
func TestConcurrentReads(t *testing.T) {
	s := openSession(t)
	makeNums(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for _, r := range numsReaders(t.TempDir()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 5 {
				if err := r.read(ctx, s); err != nil {
					t.Errorf("%s, round %d: %v", r.name, round, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// A result has one cached sorted or filtered copy; asking for another
// ordering replaces it, but a reader that was just handed the old copy can
// still read it (two grids, or a grid and an export, over one result in
// different orders): the old copy goes when its last reader is done.
func TestSortedCopyOutlivesAnotherOrdering(t *testing.T) {
	s := openSession(t)
	run(t, s, Cell{SQL: numsSQL, Result: "nums"})
	ctx := context.Background()
	sorted := WindowRequest{Table: Table{Name: "nums"}, Limit: 1, Sort: []SortKey{{Column: "i", Desc: true}}}
	filtered := WindowRequest{Table: Table{Name: "nums"}, Limit: 1, Filters: []Filter{{Column: "m", Op: "=", Value: 3}}}
	src, _, release, err := s.windowSource(ctx, sorted) // a first reader gets the sorted copy
	if err != nil {
		t.Fatal(err)
	}
	_, _, release2, err := s.windowSource(ctx, filtered) // a second asks for another order
	if err != nil {
		t.Fatal(err)
	}
	defer release2()
	var first int64
	if err := s.db.QueryRow("SELECT i FROM " + src.String() + " LIMIT 1").Scan(&first); err != nil {
		t.Fatalf("the first reader's copy is gone before it read it: %v", err)
	}
	if first != numsRows-1 {
		t.Errorf("first i = %d, want %d", first, numsRows-1)
	}
	release()
	if err := s.db.QueryRow("SELECT i FROM " + src.String() + " LIMIT 1").Scan(&first); err == nil {
		t.Error("the replaced copy outlived its last reader")
	}
}
