// Package runs keeps a workspace's run history: one folder per run holding
// run.json (what ran, with which parameters, how it went) and the output
// notebook, and beside the folder an append-only index that lists them fast.
package runs

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"smallfry/backend"
	"smallfry/backend/atomicfile"
)

// Status of a run or a cell.
const (
	Running  = "running"
	OK       = "ok"
	Failed   = "failed"
	Canceled = "canceled"
	Skipped  = "skipped" // a cell after a failure
)

// Record describes one run. Once finished it is never rewritten.
type Record struct {
	ID         string         `json:"id"`
	Notebook   string         `json:"notebook"` // as given: a path relative to the workspace when inside it
	Mode       string         `json:"mode"`     // headless, interactive or scheduled
	Parameters map[string]any `json:"parameters"`
	Status     string         `json:"status"`
	Error      string         `json:"error,omitempty"`
	StartedAt  time.Time      `json:"startedAt"`
	FinishedAt time.Time      `json:"finishedAt,omitzero"`
	DurationMs int64          `json:"durationMs"`
	Cells      []Cell         `json:"cells"`
	Reads      []string       `json:"reads"`  // lake objects read
	Writes     []string       `json:"writes"` // lake tables written
	// Lineage: the remote objects read and written, each as its location
	// and ETag ("s3://bucket/key#etag").
	ObjectsRead    []string `json:"objectsRead,omitempty"`
	ObjectsWritten []string `json:"objectsWritten,omitempty"`
	// Scheduled is set on a run Airflow started (Mode "scheduled").
	Scheduled *Scheduled `json:"scheduled,omitempty"`
}

// Scheduled says which Airflow run a scheduled run was.
type Scheduled struct {
	DagID string `json:"dagId"`
	RunID string `json:"runId"`
	Try   int    `json:"try"`
	// State is Airflow's state of the DAG run (queued, running, success,
	// failed), when the app asked Airflow; "" in a record a worker wrote.
	State string `json:"state,omitempty"`
	// HasOutput tells whether the run's output notebook was written.
	HasOutput bool `json:"hasOutput"`
}

// Cell is one cell's part of a run.
type Cell struct {
	Index      int    `json:"index"` // 0-based position in the output notebook
	ID         string `json:"id"`
	Name       string `json:"name,omitempty"`
	Kind       string `json:"kind"`
	Status     string `json:"status"`
	DurationMs int64  `json:"durationMs"`
	Rows       int64  `json:"rows,omitempty"`
	Error      string `json:"error,omitempty"`
	// Engine is what ran a SQL cell: "duckdb" (this machine), or the name
	// of the cluster, with the Spark operation id of its last statement
	// and the bytes the cluster sent back.
	Engine        string `json:"engine,omitempty"`
	Operation     string `json:"operation,omitempty"`
	BytesReturned int64  `json:"bytesReturned,omitempty"`
}

// Store is the runs folder of a workspace and its index (see index.go).
type Store struct {
	dir   string
	index string
	Now   func() time.Time // injectable clock

	mu   sync.Mutex // one List at a time reads and updates seen
	seen seenIndex
}

const (
	recordFile = "run.json"
	outputFile = "output.ipynb"
)

// Open returns the store in dir, creating it if needed.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open run history %s: %w", dir, err)
	}
	dir = filepath.Clean(dir)
	return &Store{dir: dir, index: dir + indexSuffix, Now: time.Now}, nil
}

// Start gives rec an id and start time and writes it as running, so that a
// crash mid-run still leaves a trace. Start and Finish write the record,
// then its index line: a crash in between leaves a record the index lacks
// or has as running, which List reads from the folder instead.
func (s *Store) Start(rec *Record) error {
	now := s.Now().UTC()
	var b [4]byte
	_, _ = rand.Read(b[:])
	rec.ID = now.Format("20060102T150405.000Z") + "-" + hex.EncodeToString(b[:])
	rec.StartedAt, rec.Status = now, Running
	if err := os.MkdirAll(filepath.Join(s.dir, rec.ID), 0o755); err != nil {
		return fmt.Errorf("start run record: %w", err)
	}
	if err := s.writeRecord(rec, 0o644); err != nil {
		return err
	}
	s.indexed(rec)
	return nil
}

// Finish stores the output notebook, then the final record; afterwards both
// files are read-only.
func (s *Store) Finish(rec *Record, output []byte) error {
	rec.FinishedAt = s.Now().UTC()
	rec.DurationMs = rec.FinishedAt.Sub(rec.StartedAt).Milliseconds()
	if output != nil {
		if err := atomicfile.Write(s.OutputPath(rec.ID), output, 0o444); err != nil {
			return fmt.Errorf("save run output: %w", err)
		}
	}
	// Windows cannot rename over a read-only file: the running record is
	// writable, the final one is not.
	if err := s.writeRecord(rec, 0o444); err != nil {
		return err
	}
	s.indexed(rec)
	return nil
}

func (s *Store) writeRecord(rec *Record, perm os.FileMode) error {
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fmt.Errorf("save run record: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(s.dir, rec.ID, recordFile), append(data, '\n'), perm); err != nil {
		return fmt.Errorf("save run record: %w", err)
	}
	return nil
}

// OutputPath is where a run's output notebook is kept.
func (s *Store) OutputPath(id string) string { return filepath.Join(s.dir, id, outputFile) }

// Load reads one run record.
func (s *Store) Load(id string) (*Record, error) {
	if id == "" || filepath.Base(id) != id || len(id) > 255 || strings.ContainsRune(id, 0) {
		return nil, backend.Errorf(backend.EINVALID, "run id %q is not valid", id)
	}
	data, err := os.ReadFile(filepath.Join(s.dir, id, recordFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, backend.Errorf(backend.ENOTFOUND, "run %s does not exist", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read run %s: %w", id, err)
	}
	var rec Record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("read run %s: %w", id, err)
	}
	return &rec, nil
}
