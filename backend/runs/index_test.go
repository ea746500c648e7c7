package runs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	nbA = "notebooks/a.ipynb"
	nbB = "notebooks/b.ipynb"
)

// scanFolders is List as it was before the index: every folder's run.json.
// The index must give exactly the same answer.
func scanFolders(t *testing.T, s *Store, notebook string) []*Record {
	t.Helper()
	entries, err := os.ReadDir(s.dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []*Record
	for _, e := range entries {
		if rec, err := s.Load(e.Name()); e.IsDir() && err == nil && (notebook == "" || rec.Notebook == notebook) {
			out = append(out, rec)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out
}

// fakeClock steps a second per call, safely from several goroutines.
func fakeClock() func() time.Time {
	var n atomic.Int64
	start := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	return func() time.Time { return start.Add(time.Duration(n.Add(1)) * time.Second) }
}

// history makes a store with finished and running runs of two notebooks:
// a1 ok, b1 failed, a2 running, a3 ok, in that order.
func history(t *testing.T) (*Store, map[string]*Record) {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "runs"))
	if err != nil {
		t.Fatal(err)
	}
	s.Now = fakeClock()
	recs := map[string]*Record{}
	for _, r := range []struct{ name, notebook, status string }{
		{"a1", nbA, OK}, {"b1", nbB, Failed}, {"a2", nbA, Running}, {"a3", nbA, OK},
	} {
		rec := &Record{Notebook: r.notebook, Mode: "headless", Parameters: map[string]any{"run": r.name},
			Reads: []string{"Fact_Sales"}, Writes: []string{}}
		if err := s.Start(rec); err != nil {
			t.Fatal(err)
		}
		if r.status != Running {
			rec.Status = r.status
			rec.Cells = []Cell{{Index: 0, ID: "c0", Kind: "sql", Status: r.status, DurationMs: 12, Rows: 100}}
			if err := s.Finish(rec, []byte("{}\n")); err != nil {
				t.Fatal(err)
			}
		}
		recs[r.name] = rec
	}
	return s, recs
}

func appendIndexBytes(t *testing.T, s *Store, data string) {
	t.Helper()
	f, err := os.OpenFile(s.index, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(data); err != nil {
		t.Fatal(err)
	}
}

func line(t *testing.T, rec *Record) string {
	t.Helper()
	l, err := indexLine(rec)
	if err != nil {
		t.Fatal(err)
	}
	return string(l) + "\n"
}

func runningLine(t *testing.T, rec *Record) string {
	t.Helper()
	r := *rec
	r.Status, r.FinishedAt, r.DurationMs, r.Cells = Running, time.Time{}, 0, nil
	return line(t, &r)
}

// indexOf reads the index afresh, as another process would.
func indexOf(s *Store) map[string]indexEntry {
	fresh := &Store{dir: s.dir, index: s.index}
	fresh.readIndex()
	return fresh.seen.entries
}

func ids(list []*Record) []string {
	var out []string
	for _, r := range list {
		out = append(out, r.ID+" "+r.Status)
	}
	return out
}

func TestListMatchesTheFolders(t *testing.T) {
	tests := []struct {
		name string
		// change damages the history the way a crash, an older version or
		// a user would, and returns the status each listed run must have,
		// newest first, for notebook a.
		change func(t *testing.T, s *Store, recs map[string]*Record) []string
	}{
		{"index as written", func(t *testing.T, s *Store, r map[string]*Record) []string {
			return []string{r["a3"].ID + " ok", r["a2"].ID + " running", r["a1"].ID + " ok"}
		}},
		{"no index: a history from before it", func(t *testing.T, s *Store, r map[string]*Record) []string {
			if err := os.Remove(s.index); err != nil {
				t.Fatal(err)
			}
			return []string{r["a3"].ID + " ok", r["a2"].ID + " running", r["a1"].ID + " ok"}
		}},
		{"torn last line", func(t *testing.T, s *Store, r map[string]*Record) []string {
			done := *r["a2"]
			done.Status = OK
			l := line(t, &done)
			appendIndexBytes(t, s, l[:len(l)/2])
			return []string{r["a3"].ID + " ok", r["a2"].ID + " running", r["a1"].ID + " ok"}
		}},
		{"lines that are not records", func(t *testing.T, s *Store, r map[string]*Record) []string {
			head := `{"id":"` + r["a1"].ID + `","notebook":"notebooks/a.ipynb","status":`
			appendIndexBytes(t, s, "\n\nnot json\n{}\n[1,2]\n{\"id\":\"x\",\"status\":7}\n\x00\x00\x00\n"+
				head+`"ok"}`+"\n"+ // finished, without its record
				head+`"ok","record":{"id":"`+r["a1"].ID+`","cells":[{"index":0}}`+"\n"+ // a record cut inside
				head+`"ok","record":{"id":"someone else"}}`+"\n"+
				head+`"running","record":{}}`+"\n")
			return []string{r["a3"].ID + " ok", r["a2"].ID + " running", r["a1"].ID + " ok"}
		}},
		{"a notebook path that needs escaping", func(t *testing.T, s *Store, r map[string]*Record) []string {
			odd := &Record{Notebook: "notebooks/\"<odd>\" \\ ünï\tcode.ipynb", Mode: "headless"}
			if err := s.Start(odd); err != nil {
				t.Fatal(err)
			}
			odd.Status = OK
			if err := s.Finish(odd, nil); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.List(odd.Notebook); len(got) != 1 || got[0].ID != odd.ID {
				t.Errorf("List(%q) = %v, want %s", odd.Notebook, ids(got), odd.ID)
			}
			return []string{r["a3"].ID + " ok", r["a2"].ID + " running", r["a1"].ID + " ok"}
		}},
		{"a record the index lacks (an older version wrote it)", func(t *testing.T, s *Store, r map[string]*Record) []string {
			old := &Record{ID: "20261122T120000.000Z-0ld0ld00", Notebook: nbA, Mode: "headless", Status: Canceled,
				StartedAt: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
			if err := os.Mkdir(filepath.Join(s.dir, old.ID), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := s.writeRecord(old, 0o444); err != nil {
				t.Fatal(err)
			}
			return []string{old.ID + " canceled", r["a3"].ID + " ok", r["a2"].ID + " running", r["a1"].ID + " ok"}
		}},
		{"finished, but the crash came before its index line", func(t *testing.T, s *Store, r map[string]*Record) []string {
			rec := r["a2"]
			rec.Status, rec.FinishedAt = Failed, s.Now().UTC()
			writeRecordOnly(t, s, rec)
			return []string{r["a3"].ID + " ok", rec.ID + " failed", r["a1"].ID + " ok"}
		}},
		{"a running line after the finished one", func(t *testing.T, s *Store, r map[string]*Record) []string {
			appendIndexBytes(t, s, runningLine(t, r["a1"])+runningLine(t, r["a3"]))
			return []string{r["a3"].ID + " ok", r["a2"].ID + " running", r["a1"].ID + " ok"}
		}},
		{"a run folder removed by hand", func(t *testing.T, s *Store, r map[string]*Record) []string {
			if err := os.RemoveAll(filepath.Join(s.dir, r["a3"].ID)); err != nil {
				t.Fatal(err)
			}
			return []string{r["a2"].ID + " running", r["a1"].ID + " ok"}
		}},
		{"an empty folder (a run whose start was cut short)", func(t *testing.T, s *Store, r map[string]*Record) []string {
			if err := os.Mkdir(filepath.Join(s.dir, "20261122T130000.000Z-00000000"), 0o755); err != nil {
				t.Fatal(err)
			}
			return []string{r["a3"].ID + " ok", r["a2"].ID + " running", r["a1"].ID + " ok"}
		}},
		{"the index cannot be read", func(t *testing.T, s *Store, r map[string]*Record) []string {
			if err := os.Remove(s.index); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(s.index, 0o755); err != nil {
				t.Fatal(err)
			}
			return []string{r["a3"].ID + " ok", r["a2"].ID + " running", r["a1"].ID + " ok"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, recs := history(t)
			want := tt.change(t, s, recs)
			// Round 1 learns what the index lacks; round 2 uses what the
			// store remembers; round 3 is another process, reading the index.
			for round := 1; round <= 3; round++ {
				st := s
				if round == 3 {
					st, _ = Open(s.dir)
				}
				got, err := st.List(nbA)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(ids(got), want) {
					t.Errorf("List #%d = %v, want %v", round, ids(got), want)
				}
				for _, nb := range []string{nbA, nbB, ""} {
					got, _ := st.List(nb)
					if folders := scanFolders(t, s, nb); !reflect.DeepEqual(got, folders) {
						t.Errorf("List(%q) #%d differs from the folders:\n got %v\nwant %v", nb, round, ids(got), ids(folders))
					}
				}
			}
		})
	}
}

// After a List, the index knows every finished record: the next List reads
// no run.json of a finished run, so damaging one does not show.
func TestListLearnsWhatTheIndexLacks(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, s *Store)
	}{
		{"index deleted", func(t *testing.T, s *Store) { os.Remove(s.index) }},
		{"index emptied", func(t *testing.T, s *Store) { os.WriteFile(s.index, nil, 0o644) }},
		{"index torn mid-line", func(t *testing.T, s *Store) {
			data, _ := os.ReadFile(s.index)
			os.WriteFile(s.index, data[:len(data)/2], 0o644)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, recs := history(t)
			tt.damage(t, s)
			before, _ := s.List("")
			idx := indexOf(s)
			for name, rec := range recs {
				if e, ok := idx[rec.ID]; !ok || e.Status != rec.Status {
					t.Errorf("after List, the index has %s as %+v (present %v), want %s", name, e, ok, rec.Status)
				}
			}
			// A finished record now comes from the index: another process's
			// List does not read its run.json.
			path := filepath.Join(s.dir, recs["a1"].ID, recordFile)
			os.Chmod(path, 0o644)
			if err := os.WriteFile(path, []byte("garbage"), 0o644); err != nil {
				t.Fatal(err)
			}
			other, _ := Open(s.dir)
			after, _ := other.List("")
			if !reflect.DeepEqual(after, before) {
				t.Errorf("List after learning = %v, want %v", ids(after), ids(before))
			}
		})
	}
}

// A Store remembers what it read; what other processes do in between must
// still show in its next List.
func TestListSeesWhatOthersDidSince(t *testing.T) {
	tests := []struct {
		name string
		// meanwhile acts as another process between two Lists of s, and
		// returns what s's next List of notebook a must give.
		meanwhile func(t *testing.T, s, other *Store, r map[string]*Record) []string
	}{
		{"a run started and one finished", func(t *testing.T, s, other *Store, r map[string]*Record) []string {
			rec := &Record{Notebook: nbA}
			if err := other.Start(rec); err != nil {
				t.Fatal(err)
			}
			a2 := r["a2"]
			a2.Status = Failed
			if err := other.Finish(a2, nil); err != nil {
				t.Fatal(err)
			}
			return []string{rec.ID + " running", r["a3"].ID + " ok", a2.ID + " failed", r["a1"].ID + " ok"}
		}},
		{"the index deleted and rebuilt", func(t *testing.T, s, other *Store, r map[string]*Record) []string {
			os.Remove(s.index)
			other.List("")
			return []string{r["a3"].ID + " ok", r["a2"].ID + " running", r["a1"].ID + " ok"}
		}},
		{"the index cut short and appended to", func(t *testing.T, s, other *Store, r map[string]*Record) []string {
			os.WriteFile(s.index, nil, 0o644)
			rec := &Record{Notebook: nbA}
			other.Start(rec)
			return []string{rec.ID + " running", r["a3"].ID + " ok", r["a2"].ID + " running", r["a1"].ID + " ok"}
		}},
		{"the history deleted and begun again", func(t *testing.T, s, other *Store, r map[string]*Record) []string {
			os.RemoveAll(s.dir)
			os.Remove(s.index)
			rec := &Record{Notebook: nbA}
			other.Start(rec)
			return []string{rec.ID + " running"}
		}},
		{"a line half written, then whole", func(t *testing.T, s, other *Store, r map[string]*Record) []string {
			a2 := *r["a2"]
			a2.Status = OK
			writeRecordOnly(t, s, &a2)
			l := line(t, &a2)
			appendIndexBytes(t, s, l[:len(l)/2])
			if got, _ := s.List(nbA); len(got) != 3 || got[1].Status != OK {
				t.Errorf("List with a line half written = %v, want a2 ok from its folder", ids(got))
			}
			appendIndexBytes(t, s, l[len(l)/2:])
			return []string{r["a3"].ID + " ok", a2.ID + " ok", r["a1"].ID + " ok"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, recs := history(t)
			if _, err := s.List(""); err != nil {
				t.Fatal(err)
			}
			other, _ := Open(s.dir)
			other.Now = s.Now
			want := tt.meanwhile(t, s, other, recs)
			got, err := s.List(nbA)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ids(got), want) {
				t.Errorf("List = %v, want %v", ids(got), want)
			}
			if folders := scanFolders(t, s, nbA); !reflect.DeepEqual(got, folders) {
				t.Errorf("List differs from the folders:\n got %v\nwant %v", ids(got), ids(folders))
			}
		})
	}
}

// writeRecordOnly finishes a record as a crash right after run.json would.
func writeRecordOnly(t *testing.T, s *Store, rec *Record) {
	t.Helper()
	if err := s.writeRecord(rec, 0o444); err != nil {
		t.Fatal(err)
	}
}

func TestListedRecordsAreTheCallers(t *testing.T) {
	s, _ := history(t)
	s.List(nbA) // decoded and remembered
	first, _ := s.List(nbA)
	for _, rec := range first {
		rec.Status = "changed"
		rec.Parameters["run"] = "changed"
		if len(rec.Cells) > 0 {
			rec.Cells[0].Status = "changed"
		}
		rec.Reads[0] = "changed"
	}
	again, _ := s.List(nbA)
	if folders := scanFolders(t, s, nbA); !reflect.DeepEqual(again, folders) {
		t.Errorf("a caller's changes showed in the next List: %+v", again[0])
	}
}

func TestAppendAfterATornLine(t *testing.T) {
	s, recs := history(t)
	appendIndexBytes(t, s, `{"id":"`+recs["a2"].ID+`","notebook":"notebooks/a.ip`)
	rec := &Record{Notebook: nbB, Mode: "interactive"}
	if err := s.Start(rec); err != nil {
		t.Fatal(err)
	}
	if e, ok := indexOf(s)[rec.ID]; !ok || e.Status != Running || e.Notebook != nbB {
		t.Errorf("the line after a torn one was lost: %+v, %v", e, ok)
	}
}

func TestListAfterTheHistoryAndItsIndexWereDeleted(t *testing.T) {
	s, _ := history(t)
	if err := os.RemoveAll(s.dir); err != nil {
		t.Fatal(err)
	}
	if list, err := s.List(""); err != nil || len(list) != 0 {
		t.Fatalf("List = %v, %v; want no runs and no error", ids(list), err)
	}
	if _, err := os.Stat(s.index); !os.IsNotExist(err) {
		t.Errorf("the index of a deleted history is still there: %v", err)
	}
	rec := &Record{Notebook: nbA}
	if err := s.Start(rec); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.List(""); len(list) != 1 || list[0].ID != rec.ID {
		t.Errorf("List after a new start = %v, want only %s", ids(list), rec.ID)
	}
}

// checkIndexLines fails if any index line does not parse: appends from
// several writers must never mix. Empty lines are fine: a writer that saw
// another's line half written starts its own on a fresh line.
func checkIndexLines(t *testing.T, s *Store, wantAtLeast int) {
	t.Helper()
	data, err := os.ReadFile(s.index)
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]byte
	for _, l := range bytes.Split(data, []byte{'\n'}) {
		if len(l) > 0 {
			lines = append(lines, l)
		}
	}
	for i, l := range lines {
		e, ok := parseIndexLine(l)
		var rec Record
		if !ok || e.record != nil && json.Unmarshal(e.record, &rec) != nil {
			t.Fatalf("index line %d does not parse: %.200q", i+1, l)
		}
	}
	if len(lines) < wantAtLeast {
		t.Errorf("index has %d lines, want at least %d", len(lines), wantAtLeast)
	}
}

// bigRecord makes lines of several pages, so that a write that is not one
// append would show as mixed lines.
func bigRecord(notebook, who string, i int) *Record {
	return &Record{Notebook: notebook, Mode: "headless", Parameters: map[string]any{"who": who, "i": i},
		Error: strings.Repeat(who, 3000), Reads: []string{}, Writes: []string{}}
}

func TestConcurrentWritersAndReaders(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "runs")
	const writers, each = 6, 20
	clock := fakeClock()
	var wg sync.WaitGroup
	errs := make(chan error, writers*each*3)
	stop := make(chan struct{})
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(dir) // a store of its own, as another process has
			if err != nil {
				errs <- err
				return
			}
			s.Now = clock
			for i := range each {
				rec := bigRecord([]string{nbA, nbB}[w%2], strconv.Itoa(w), i)
				if err := s.Start(rec); err != nil {
					errs <- err
					continue
				}
				rec.Status = OK
				if err := s.Finish(rec, []byte("{}\n")); err != nil {
					errs <- err
				}
			}
		}()
	}
	var readers sync.WaitGroup
	for range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			s, _ := Open(dir)
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.List(nbA); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s, _ := Open(dir)
	checkIndexLines(t, s, 2*writers*each)
	all, err := s.List("")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != writers*each {
		t.Fatalf("List = %d runs, want %d", len(all), writers*each)
	}
	for _, r := range all {
		if r.Status != OK {
			t.Errorf("run %s is %s, want ok", r.ID, r.Status)
		}
	}
	if folders := scanFolders(t, s, ""); !reflect.DeepEqual(all, folders) {
		t.Errorf("List differs from the folders")
	}
}

// TestTwoProcessesAppend runs this test binary twice at once, each writing
// runs into the same history, as the desktop app and `smallfry run` do.
func TestTwoProcessesAppend(t *testing.T) {
	if os.Getenv("SMALLFRY_RUNS_CHILD") != "" {
		t.Skip("inside a child")
	}
	dir := filepath.Join(t.TempDir(), "runs")
	const each = 100
	var cmds []*exec.Cmd
	for _, who := range []string{"p", "q"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcessAppends$", "-test.count=1")
		cmd.Env = append(os.Environ(), "SMALLFRY_RUNS_CHILD="+who, "SMALLFRY_RUNS_DIR="+dir, "SMALLFRY_RUNS_EACH="+strconv.Itoa(each))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("child %s:\n%s", who, out.String())
			}
		})
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("child: %v", err)
		}
	}
	s, _ := Open(dir)
	checkIndexLines(t, s, 2*2*each)
	all, err := s.List("")
	if err != nil {
		t.Fatal(err)
	}
	byWho := map[string]int{}
	for _, r := range all {
		if r.Status != OK {
			t.Errorf("run %s is %s, want ok", r.ID, r.Status)
		}
		byWho[fmt.Sprint(r.Parameters["who"])]++
	}
	if byWho["p"] != each || byWho["q"] != each {
		t.Errorf("runs by process = %v, want %d each", byWho, each)
	}
	if folders := scanFolders(t, s, ""); !reflect.DeepEqual(all, folders) {
		t.Errorf("List differs from the folders")
	}
}

// TestHelperProcessAppends is one of TestTwoProcessesAppend's writers.
func TestHelperProcessAppends(t *testing.T) {
	who := os.Getenv("SMALLFRY_RUNS_CHILD")
	if who == "" {
		t.Skip("run by TestTwoProcessesAppend")
	}
	each, _ := strconv.Atoi(os.Getenv("SMALLFRY_RUNS_EACH"))
	s, err := Open(os.Getenv("SMALLFRY_RUNS_DIR"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range each {
		rec := bigRecord(nbA, who, i)
		if err := s.Start(rec); err != nil {
			t.Fatal(err)
		}
		if i%10 == 0 {
			if _, err := s.List(nbA); err != nil {
				t.Fatal(err)
			}
		}
		rec.Status = OK
		if err := s.Finish(rec, []byte("{}\n")); err != nil {
			t.Fatal(err)
		}
	}
}
