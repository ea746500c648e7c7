package runs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// seenIndex is what a Store has read of the index file so far.
type seenIndex struct {
	file    os.FileInfo           // which file: a replaced index is read from its start
	offset  int64                 // how far: to the end of the last whole line
	entries map[string]indexEntry // the latest entry of each run
	records map[string]*Record    // finished records decoded so far, never handed out
}

// List returns the runs of a notebook ("" for all), newest first. Folders
// that hold no readable record are skipped.
func (s *Store) List(notebook string) ([]*Record, error) {
	entries, err := readDir(s.dir)
	s.mu.Lock()
	defer s.mu.Unlock()
	if errors.Is(err, fs.ErrNotExist) {
		// The history was deleted: no runs, and Start makes it again. The
		// index of the deleted records goes with it.
		_ = os.Remove(s.index)
		s.seen = seenIndex{}
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	s.readIndex()
	var out, learned []*Record
	var undecoded []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		id := e.Name()
		ie, indexed := s.seen.entries[id]
		if indexed && notebook != "" && ie.Notebook != notebook {
			continue // a record's notebook never changes
		}
		if indexed && ie.Status != Running {
			if rec := s.seen.records[id]; rec != nil {
				out = append(out, rec)
				continue
			}
			if ie.record != nil {
				undecoded = append(undecoded, id)
				continue
			}
		}
		if rec, ok := s.loadRecord(id, indexed, &learned); ok && (notebook == "" || rec.Notebook == notebook) {
			out = append(out, rec)
		}
	}
	for i, rec := range s.decode(undecoded) {
		if rec == nil { // a line cut short or not this run's: the folder has it
			if rec, ok := s.loadRecord(undecoded[i], true, &learned); ok {
				out = append(out, rec)
			}
			continue
		}
		s.seen.records[rec.ID] = rec
		out = append(out, rec)
	}
	if len(learned) > 0 {
		_ = s.appendIndex(learned) // best effort: the folders are read again next time
	}
	for i, rec := range out {
		out[i] = rec.clone()
	}
	slices.SortFunc(out, func(a, b *Record) int { return strings.Compare(b.ID, a.ID) })
	return out, nil
}

// readDir is os.ReadDir without the sort by name: List sorts by id anyway.
func readDir(dir string) ([]os.DirEntry, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadDir(-1)
}

// loadRecord reads a record from its folder. What the index lacks or has
// stale is learned: added to learned, to be appended, and remembered if it
// is finished. A record still running is read again next time anyway, and
// one whose id is not its folder's name (a copy) could never be looked up.
func (s *Store) loadRecord(id string, indexed bool, learned *[]*Record) (*Record, bool) {
	rec, err := s.Load(id)
	if err != nil {
		return nil, false
	}
	if rec.ID == id && (!indexed || rec.Status != Running) {
		*learned = append(*learned, rec)
	}
	if rec.ID == id && rec.Status != Running {
		s.seen.records[id] = rec
	}
	return rec, true
}

// readIndex reads the lines appended to the index since the last List (all
// of it, the first time or when the file was replaced). Lines that do not
// parse (torn writes) are skipped. A finished line wins over a running one
// whatever their order, since a List in another process may append a running
// record it read just before the run's own finished line landed; otherwise
// the later line wins.
func (s *Store) readIndex() {
	f, err := os.Open(s.index)
	if err != nil {
		s.seen = seenIndex{entries: map[string]indexEntry{}, records: map[string]*Record{}}
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || s.seen.file == nil || !os.SameFile(s.seen.file, st) || st.Size() < s.seen.offset {
		s.seen = seenIndex{entries: map[string]indexEntry{}, records: map[string]*Record{}}
	}
	if err != nil {
		return
	}
	s.seen.file = st
	data := make([]byte, st.Size()-s.seen.offset)
	n, _ := f.ReadAt(data, s.seen.offset)
	// A line still being written, or torn, is left for the next List: only
	// whole lines are taken.
	end := bytes.LastIndexByte(data[:n], '\n')
	if end < 0 {
		return
	}
	data = data[:end+1]
	s.seen.offset += int64(len(data))
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		e, ok := parseIndexLine(data[:i])
		data = data[i+1:]
		if !ok {
			continue
		}
		if old, seen := s.seen.entries[e.ID]; seen && old.Status != Running && e.Status == Running {
			continue
		}
		s.seen.entries[e.ID] = e
	}
}

// decode decodes the indexed records of ids, on every core: decoding is what
// a long history costs the first List. A record that does not decode, or is
// another run's, comes back nil.
func (s *Store) decode(ids []string) []*Record {
	lines := make([][]byte, len(ids))
	for i, id := range ids {
		lines[i] = s.seen.entries[id].record
	}
	recs := make([]*Record, len(ids))
	workers := min(runtime.GOMAXPROCS(0), len(ids)/64+1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(ids); i += workers {
				var rec Record
				if json.Unmarshal(lines[i], &rec) == nil && rec.ID == ids[i] {
					recs[i] = &rec
				}
			}
		})
	}
	wg.Wait()
	return recs
}

// clone copies rec deeply, so that a caller may change what List returns
// without changing what the Store remembers.
func (rec *Record) clone() *Record {
	c := *rec
	c.Parameters = cloneJSON(rec.Parameters).(map[string]any)
	c.Cells = slices.Clone(rec.Cells)
	c.Reads = slices.Clone(rec.Reads)
	c.Writes = slices.Clone(rec.Writes)
	return &c
}

func cloneJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if v == nil {
			return v
		}
		c := make(map[string]any, len(v))
		for k, x := range v {
			c[k] = cloneJSON(x)
		}
		return c
	case []any:
		c := slices.Clone(v)
		for i, x := range c {
			c[i] = cloneJSON(x)
		}
		return c
	default:
		return v
	}
}
