package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"smallfry/backend/lake"
	"smallfry/backend/runs"
)

// The files a scheduled run leaves in its folder.
const (
	RecordFile = "run.json"
	OutputFile = "output.ipynb"
)

// RunFolder is the folder of one Airflow run under its DAG's: the run id
// with every character but letters, digits, '.', '_' and '-' written as
// ~XX, so that it is a valid name on every file system and S3 alike.
func RunFolder(runID string) string {
	var b strings.Builder
	for i := 0; i < len(runID); i++ {
		c := runID[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.' && i > 0, c == '_', c == '-':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "~%02X", c)
		}
	}
	return b.String()
}

// WriteRun stores a finished run's record and output notebook in its run
// folder of store, the DAG's folder of the outputs (<outputs>/<dag_id>,
// which the DAG factory passes as --record-to): the output first, then
// the record, so a record always names an output that exists.
func WriteRun(ctx context.Context, store lake.Storage, rec *runs.Record, output []byte) error {
	if rec.Scheduled == nil {
		return errors.New("write the scheduled run: the record is not a scheduled run's")
	}
	dir := RunFolder(rec.Scheduled.RunID)
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	for _, f := range []struct {
		key  string
		data []byte
	}{{path.Join(dir, OutputFile), output}, {path.Join(dir, RecordFile), data}} {
		if err := put(ctx, store, f.key, f.data); err != nil {
			return fmt.Errorf("write the scheduled run to %s: %w", store.Location(f.key), err)
		}
	}
	return nil
}

// put replaces an object whatever it was (a retried try rewrites its run).
func put(ctx context.Context, store lake.Storage, key string, data []byte) error {
	staging, err := store.StagingDir(ctx)
	if err != nil {
		return err
	}
	defer os.RemoveAll(staging)
	file := staging + "/" + path.Base(key)
	if err := os.WriteFile(file, data, 0o644); err != nil {
		return err
	}
	return store.Put(ctx, key, file)
}

// ScheduledRuns reads the records scheduled runs of a DAG wrote, newest
// first. A folder without a readable record (a run still going, a
// worker that died) is left out: Airflow's own state covers it.
func ScheduledRuns(ctx context.Context, store lake.Storage, dagID string) ([]*runs.Record, error) {
	objs, err := store.List(ctx, dagID+"/")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("list the scheduled runs of %s: %w", dagID, err)
	}
	var out []*runs.Record
	for _, o := range objs {
		if path.Base(o.Key) != RecordFile {
			continue
		}
		data, _, err := store.Get(ctx, o.Key)
		if err != nil {
			continue
		}
		var rec runs.Record
		if json.Unmarshal(data, &rec) != nil || rec.Scheduled == nil || rec.Scheduled.DagID != dagID {
			continue
		}
		rec.Scheduled.HasOutput = true
		out = append(out, &rec)
	}
	slices.SortFunc(out, func(a, b *runs.Record) int { return b.StartedAt.Compare(a.StartedAt) })
	return out, nil
}

// ScheduledOutput reads the output notebook of one scheduled run.
func ScheduledOutput(ctx context.Context, store lake.Storage, dagID, runID string) ([]byte, error) {
	data, _, err := store.Get(ctx, path.Join(dagID, RunFolder(runID), OutputFile))
	if err != nil {
		return nil, fmt.Errorf("read the output of scheduled run %s: %w", runID, err)
	}
	return data, nil
}
