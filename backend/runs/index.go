package runs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// The index is one file beside the runs folder (.smallfry/runs.index.jsonl
// next to .smallfry/runs/) holding one JSON line per record written: when a
// run starts, and when it finishes (then with the whole record). Lines are
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
// A Store remembers what it has read of the index and the finished records
// it has decoded (they never change), so that a later List in the same
// process reads only the lines appended since and decodes only new records.
//
// It lives beside the folder rather than in it so that the folder keeps
// exactly one entry per run, as tools that count the runs expect.
const indexSuffix = ".index.jsonl"

// indexed appends rec's line to the index. A failure is not the run's: its
// record is written, and List finds records the index lacks.
func (s *Store) indexed(rec *Record) { _ = s.appendIndex([]*Record{rec}) }

// appendIndex appends one line per record, all in one write. A line starts
// with what List chooses by, so that it need not decode the rest:
//
//	{"id":"…","notebook":"…","status":"running"}
//	{"id":"…","notebook":"…","status":"ok","record":{…the whole record…}}
//
// A running record is always read from its folder (it may have finished
// since), so its line carries no record.
func (s *Store) appendIndex(recs []*Record) error {
	var buf []byte
	for _, rec := range recs {
		line, err := indexLine(rec)
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

func indexLine(rec *Record) ([]byte, error) {
	var line []byte
	for i, v := range []string{rec.ID, rec.Notebook, rec.Status} {
		q, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		line = append(append(line, headerKeys[i]...), q...)
	}
	if rec.Status != Running {
		data, err := json.Marshal(rec)
		if err != nil {
			return nil, err
		}
		line = append(append(line, recordKey...), data...)
	}
	return append(line, '}'), nil
}

var (
	headerKeys = []string{`{"id":`, `,"notebook":`, `,"status":`}
	recordKey  = `,"record":`
)

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

// indexEntry is what one index line says of a run.
type indexEntry struct {
	ID, Notebook, Status string
	record               []byte // the whole record, JSON; nil for a running one
}

// parseIndexLine reads a line as appendIndex writes it. Only the header is
// checked here; a record cut short by a torn write fails when it is decoded.
func parseIndexLine(line []byte) (e indexEntry, ok bool) {
	fields := []*string{&e.ID, &e.Notebook, &e.Status}
	for i, key := range headerKeys {
		if line, ok = bytes.CutPrefix(line, []byte(key)); !ok {
			return e, false
		}
		if *fields[i], line, ok = cutString(line); !ok {
			return e, false
		}
	}
	if e.ID == "" || e.Status == "" {
		return e, false
	}
	if string(line) == "}" {
		return e, e.Status == Running
	}
	if rest, ok := bytes.CutPrefix(line, []byte(recordKey)); ok && e.Status != Running && bytes.HasSuffix(rest, []byte("}}")) {
		e.record = rest[:len(rest)-1]
		return e, true
	}
	return e, false
}

// cutString cuts the JSON string at the start of b.
func cutString(b []byte) (s string, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != '"' {
		return "", b, false
	}
	escaped := false
	for i := 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			if !escaped {
				return string(b[1:i]), b[i+1:], true
			}
			if json.Unmarshal(b[:i+1], &s) != nil {
				return "", b, false
			}
			return s, b[i+1:], true
		}
	}
	return "", b, false
}
