package runs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// The index is one file beside the runs folder (.smallfry/runs.index.jsonl
// next to .smallfry/runs/) holding one compact JSON line per record written:
// the whole record when a run starts, and again when it finishes. Lines are
// only ever appended, each in a single write to a file opened with O_APPEND,
// so the desktop app and a headless `smallfry run` can append at the same
// time without a lock and without mixing their lines. It is never rewritten.
//
// The folders stay the truth; the index only spares List from reading them.
// List reads the folder names (one directory read, no file opened) and takes
// each finished record from the index. It reads run.json only for a folder
// the index lacks (a record written by a version without the index, a torn
// or lost line, a deleted index) or has as running (the run may have
// finished since, in another process), and appends what it learned, so the
// next List does not read it again. A torn line, a missing index or a run
// folder removed by hand thus give the list that reading every folder would.
//
// It lives beside the folder rather than in it so that the folder keeps
// exactly one entry per run, as tools that count the runs expect.
const indexSuffix = ".index.jsonl"

// indexed appends rec to the index. A failure is not the run's: its record
// is written, and List finds records the index lacks.
func (s *Store) indexed(rec *Record) { _ = s.appendIndex([]*Record{rec}) }

// appendIndex appends one line per record, all in one write.
func (s *Store) appendIndex(recs []*Record) error {
	var buf []byte
	for _, rec := range recs {
		line, err := json.Marshal(rec)
		if err != nil {
			return fmt.Errorf("index run %s: %w", rec.ID, err)
		}
		buf = append(append(buf, line...), '\n')
	}
	f, err := os.OpenFile(s.index, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("index runs: %w", err)
	}
	defer f.Close()
	if tornTail(f) {
		buf = append([]byte{'\n'}, buf...)
	}
	if _, err := f.Write(buf); err != nil {
		return fmt.Errorf("index runs: %w", err)
	}
	return f.Close()
}

// tornTail says whether f does not end with a newline: a writer died in the
// middle of a line (or is still writing it). The next line then starts on a
// line of its own, so that only the torn line is lost, not this one with it.
func tornTail(f *os.File) bool {
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return false
	}
	var last [1]byte
	_, err = f.ReadAt(last[:], st.Size()-1)
	return err == nil && last[0] != '\n'
}

// indexEntry is what the index says of one run: enough to choose its lines
// without decoding the whole record.
type indexEntry struct {
	ID       string `json:"id"`
	Notebook string `json:"notebook"`
	Status   string `json:"status"`
	line     []byte
}

// readIndex returns the index's entry for each run id; nil when there is no
// index. Lines that do not parse (torn writes) are skipped. A finished line
// wins over a running one whatever their order, since a List in another
// process may append a running record it read just before the run's own
// finished line landed; otherwise the later line wins.
func (s *Store) readIndex() map[string]indexEntry {
	data, err := os.ReadFile(s.index)
	if err != nil {
		return nil
	}
	idx := make(map[string]indexEntry, bytes.Count(data, []byte{'\n'})/2+1)
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		var e indexEntry
		if len(line) == 0 || json.Unmarshal(line, &e) != nil || e.ID == "" {
			continue
		}
		if old, ok := idx[e.ID]; ok && old.Status != Running && e.Status == Running {
			continue
		}
		e.line = line
		idx[e.ID] = e
	}
	return idx
}

// List returns the runs of a notebook ("" for all), newest first. Folders
// that hold no readable record are skipped.
func (s *Store) List(notebook string) ([]*Record, error) {
	entries, err := os.ReadDir(s.dir)
	if errors.Is(err, fs.ErrNotExist) {
		// The history was deleted: no runs, and Start makes it again. The
		// index of the deleted records goes with it.
		_ = os.Remove(s.index)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	idx := s.readIndex()
	var out, learned []*Record
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		id := e.Name()
		ie, indexed := idx[id]
		if indexed && notebook != "" && ie.Notebook != notebook {
			continue // a record's notebook never changes
		}
		if indexed && ie.Status != Running {
			var rec Record
			if json.Unmarshal(ie.line, &rec) == nil {
				out = append(out, &rec)
				continue
			}
		}
		rec, err := s.Load(id)
		if err != nil {
			continue
		}
		// Learn what the index lacks or has stale; a record still running
		// is read again next time anyway, and one whose id is not its
		// folder's name (a copy) could never be looked up by it.
		if rec.ID == id && (!indexed || rec.Status != Running) {
			learned = append(learned, rec)
		}
		if notebook == "" || rec.Notebook == notebook {
			out = append(out, rec)
		}
	}
	if len(learned) > 0 {
		_ = s.appendIndex(learned) // best effort: the folders are read again next time
	}
	slices.SortFunc(out, func(a, b *Record) int { return strings.Compare(b.ID, a.ID) })
	return out, nil
}
