package publish

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"smallfry/backend"
	"smallfry/backend/airflow"
	"smallfry/backend/lake"
)

// Airflow is what publishing asks of Airflow (*airflow.Client).
type Airflow interface {
	URL() string
	DAG(ctx context.Context, id string) (*airflow.DAG, error)
	SetPaused(ctx context.Context, id string, paused bool) (*airflow.DAG, error)
	DeleteDAG(ctx context.Context, id string) error
	Reparse(ctx context.Context, fileToken string) error
	ImportErrors(ctx context.Context) ([]airflow.ImportError, error)
	Trigger(ctx context.Context, id string, conf map[string]any) (*airflow.DAGRun, error)
	DAGRuns(ctx context.Context, id string, limit int) ([]airflow.DAGRun, error)
	TaskInstances(ctx context.Context, id, runID string) ([]airflow.TaskInstance, error)
	TaskLog(ctx context.Context, id, runID, task string, try int) (string, error)
	SetVariable(ctx context.Context, key, value, description string) error
	DeleteVariable(ctx context.Context, key string) error
}

var _ Airflow = (*airflow.Client)(nil)

// Publisher publishes notebooks to one Airflow.
type Publisher struct {
	Airflow Airflow
	// Specs is where the specs and snapshots go: the DAG folder's (or the
	// S3 bundle's) smallfry/ folder.
	Specs lake.Storage
	// Outputs is where scheduled runs write, as the workers name it
	// (a folder path or s3://bucket/prefix): it goes into each spec.
	Outputs string
	// Wait bounds how long Airflow may take to list a new DAG; 0 is 90 s.
	Wait time.Duration
	Now  func() time.Time
	// Poll is the pause between checks; 0 is 250 ms.
	Poll time.Duration
}

// TaskID is the one task of each published DAG.
const TaskID = "run_notebook"

// Request is one notebook to publish.
type Request struct {
	Spec     Spec   // DagID, Title, Notebook, Schedule, Timezone, Parameters, Owner, Notify.Email, Retries, Timeout
	Snapshot []byte // the notebook's bytes, as checked by the parity run
	Parity   []byte // the parity run's output notebook, kept beside the snapshot
	// Webhook is the URL failures are posted to; "" keeps none. It goes
	// into an Airflow Variable, never into a file.
	Webhook string
}

// Published is a notebook live in Airflow.
type Published struct {
	Spec    Spec
	DAG     *airflow.DAG
	NextRun *time.Time
}

func (p *Publisher) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// WebhookVariable is the Airflow Variable holding a DAG's webhook URL.
func WebhookVariable(dagID string) string { return "smallfry_webhook__" + dagID }

// Publish writes the snapshot and the spec, has Airflow parse them, waits
// until the DAG is listed with no import error and unpauses it. On any
// failure the previous spec (or none) is put back: nothing is left
// half-published.
func (p *Publisher) Publish(ctx context.Context, req Request) (*Published, error) {
	spec := req.Spec
	now := p.now().UTC().Truncate(time.Second)
	spec.Version = SpecVersion
	spec.Snapshot = SnapshotKey(req.Snapshot)
	spec.StartDate, spec.PublishedAt = now, now
	spec.Outputs = p.Outputs
	if spec.Parameters == nil {
		spec.Parameters = map[string]string{}
	}
	if req.Webhook != "" {
		spec.Notify.WebhookVariable = WebhookVariable(spec.DagID)
	} else {
		spec.Notify.WebhookVariable = ""
	}
	if err := spec.Check(); err != nil {
		return nil, err
	}
	where := fmt.Sprintf("publish %s to Airflow at %s", spec.Title, p.Airflow.URL())

	// The sentinel first: without the factory nothing we write is read.
	sentinel, err := p.Airflow.DAG(ctx, SentinelDAG)
	if airflow.IsNotFound(err) {
		return nil, backend.Errorf(backend.EINVALID, "%s: Airflow has no DAG %s, so the Smallfry DAG factory (smallfry_dags.py) is not installed in its DAG folder or bundle: see docs/airflow.md", where, SentinelDAG)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}

	prev, prevTag, err := p.Specs.Get(ctx, specKey(spec.DagID))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		prev, prevTag.ETag = nil, ""
	case err != nil:
		return nil, fmt.Errorf("%s: read the published spec: %w", where, err)
	default:
		old, perr := ParseSpec(prev)
		if perr == nil && old.Notebook != spec.Notebook {
			return nil, backend.Errorf(backend.ECONFLICT, "%s: the DAG %s is already published from %s by %s; rename the notebook or unpublish that one", where, spec.DagID, old.Notebook, old.PublishedBy)
		}
	}
	before, err := p.Airflow.DAG(ctx, spec.DagID)
	if err != nil && !airflow.IsNotFound(err) {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	var lastParsed time.Time
	if before != nil && before.LastParsed != nil {
		lastParsed = *before.LastParsed
	}

	if err := p.Specs.Swap(ctx, spec.Snapshot, req.Snapshot, ""); err != nil && !errors.Is(err, lake.ErrConflict) {
		return nil, fmt.Errorf("%s: write the snapshot: %w", where, err)
	}
	if req.Parity != nil {
		if err := p.Specs.Swap(ctx, parityKey(spec.Snapshot), req.Parity, ""); err != nil && !errors.Is(err, lake.ErrConflict) {
			return nil, fmt.Errorf("%s: write the check run's output: %w", where, err)
		}
	}
	if req.Webhook != "" {
		if err := p.Airflow.SetVariable(ctx, spec.Notify.WebhookVariable, req.Webhook, "Smallfry: where failures of "+spec.DagID+" are posted"); err != nil {
			return nil, fmt.Errorf("%s: store the webhook: %w", where, err)
		}
	}
	if err := p.Specs.Swap(ctx, specKey(spec.DagID), spec.Marshal(), prevTag.ETag); err != nil {
		if errors.Is(err, lake.ErrConflict) {
			return nil, backend.Errorf(backend.ECONFLICT, "%s: someone published %s at the same moment; try again", where, spec.DagID)
		}
		return nil, fmt.Errorf("%s: write the spec: %w", where, err)
	}
	// From here on, a failure puts the previous spec back.
	dag, err := p.awaitParsed(ctx, sentinel, spec.DagID, lastParsed)
	if err == nil && dag.Paused {
		dag, err = p.Airflow.SetPaused(ctx, spec.DagID, false)
		if err != nil {
			err = fmt.Errorf("unpause: %w", err)
		}
	}
	if err != nil {
		p.rollback(context.WithoutCancel(ctx), sentinel, spec.DagID, prev, before == nil)
		if backend.ErrorCode(err) != backend.EINTERNAL {
			return nil, &backend.Error{Code: backend.ErrorCode(err), Message: where + ": " + backend.ErrorMessage(err) + "; nothing was published", Err: err}
		}
		return nil, fmt.Errorf("%s: %w; nothing was published", where, err)
	}
	return &Published{Spec: spec, DAG: dag, NextRun: dag.NextRunAfter}, nil
}

// awaitParsed asks Airflow to parse the factory file and waits until the
// DAG shows a parse newer than since, then checks it is not a broken
// spec's placeholder and the file has no import error.
func (p *Publisher) awaitParsed(ctx context.Context, sentinel *airflow.DAG, dagID string, since time.Time) (*airflow.DAG, error) {
	wait := p.Wait
	if wait <= 0 {
		wait = 90 * time.Second
	}
	poll := p.Poll
	if poll <= 0 {
		poll = 250 * time.Millisecond
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if err := p.Airflow.Reparse(ctx, sentinel.FileToken); err != nil {
		return nil, err
	}
	reparsed := time.Now()
	for {
		dag, err := p.Airflow.DAG(ctx, dagID)
		switch {
		case err == nil && dag.LastParsed != nil && dag.LastParsed.After(since):
			if dag.HasTag(TagBroken) {
				return nil, backend.Errorf(backend.EINVALID, "Airflow's DAG factory rejected the spec: %s", strings.TrimPrefix(dag.Description, "broken spec: "))
			}
			return dag, nil
		case err != nil && !airflow.IsNotFound(err):
			return nil, err
		}
		// A file that fails to import lists no new DAG: say why.
		if errs, ierr := p.Airflow.ImportErrors(ctx); ierr == nil {
			for _, ie := range errs {
				if ie.Filename == sentinel.Fileloc || strings.HasSuffix(ie.Filename, "smallfry_dags.py") {
					return nil, backend.Errorf(backend.EINVALID, "Airflow cannot import the DAG factory %s: %s", ie.Filename, lastLine(ie.StackTrace))
				}
			}
		}
		// The processor may have been busy with the file when asked.
		if time.Since(reparsed) > reask(wait) {
			_ = p.Airflow.Reparse(ctx, sentinel.FileToken)
			reparsed = time.Now()
		}
		select {
		case <-ctx.Done():
			if parent.Err() == nil {
				return nil, backend.Errorf(backend.EINTERNAL, "Airflow did not list DAG %s within %s of writing its spec: is its DAG processor running?", dagID, wait)
			}
			return nil, ctx.Err()
		case <-time.After(poll):
		}
	}
}

// rollback puts back the previous spec (or removes the new one) and has
// Airflow parse the file again.
func (p *Publisher) rollback(ctx context.Context, sentinel *airflow.DAG, dagID string, prev []byte, created bool) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, cur, err := p.Specs.Get(ctx, specKey(dagID))
	if err == nil {
		if prev != nil {
			_ = p.Specs.Swap(ctx, specKey(dagID), prev, cur.ETag)
		} else {
			_ = p.Specs.Delete(ctx, specKey(dagID))
		}
	}
	_ = p.Airflow.Reparse(ctx, sentinel.FileToken)
	if created {
		_ = p.Airflow.DeleteDAG(ctx, dagID)
	}
}

// Unpublish removes the spec and the DAG (and its webhook). The runs
// already written to the outputs stay.
func (p *Publisher) Unpublish(ctx context.Context, dagID string) error {
	where := fmt.Sprintf("unpublish %s from Airflow at %s", dagID, p.Airflow.URL())
	if err := p.Specs.Delete(ctx, specKey(dagID)); err != nil {
		return fmt.Errorf("%s: remove the spec: %w", where, err)
	}
	if sentinel, err := p.Airflow.DAG(ctx, SentinelDAG); err == nil {
		if err := p.awaitDropped(ctx, sentinel, dagID); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
	}
	if err := p.Airflow.DeleteDAG(ctx, dagID); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if err := p.Airflow.DeleteVariable(ctx, WebhookVariable(dagID)); err != nil {
		return fmt.Errorf("%s: remove the webhook: %w", where, err)
	}
	return nil
}

// awaitDropped asks Airflow to parse the factory file and waits until a
// parse has dropped the DAG (Airflow marks it stale). Deleting it before
// that is not enough: a parse of an S3 bundle's local copy from before
// its next refresh would bring it back. After p.Wait (at most 30 s) it
// gives up waiting rather than fail: the spec is gone, and a later parse
// drops the DAG.
func (p *Publisher) awaitDropped(ctx context.Context, sentinel *airflow.DAG, dagID string) error {
	wait := min(p.Wait, 30*time.Second)
	if wait <= 0 {
		wait = 30 * time.Second
	}
	poll := p.Poll
	if poll <= 0 {
		poll = 250 * time.Millisecond
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	reparsed := time.Time{}
	for {
		dag, err := p.Airflow.DAG(ctx, dagID)
		switch {
		case airflow.IsNotFound(err) || (err == nil && dag.Stale):
			return nil
		case err != nil && parent.Err() == nil && ctx.Err() != nil:
			return nil
		case err != nil:
			return err
		}
		// The processor may have been busy with the file when asked, or
		// parsed the bundle's copy before it synced.
		if time.Since(reparsed) > reask(wait) {
			_ = p.Airflow.Reparse(ctx, sentinel.FileToken)
			reparsed = time.Now()
		}
		select {
		case <-ctx.Done():
			if parent.Err() != nil {
				return parent.Err()
			}
			return nil
		case <-time.After(poll):
		}
	}
}

// reask is how long a wait of the given length leaves the DAG processor
// before asking it again to parse the file.
func reask(wait time.Duration) time.Duration { return min(5*time.Second, wait/4) }

// Spec reads a published spec; nil when none is published under dagID.
func (p *Publisher) Spec(ctx context.Context, dagID string) (*Spec, error) {
	data, _, err := p.Specs.Get(ctx, specKey(dagID))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseSpec(data)
}

// Snapshot reads a published snapshot.
func (p *Publisher) Snapshot(ctx context.Context, key string) ([]byte, error) {
	data, _, err := p.Specs.Get(ctx, key)
	return data, err
}

func parityKey(snapshot string) string {
	return strings.TrimSuffix(snapshot, ".ipynb") + ".output.ipynb"
}

// LastOutput is the output notebook of the check run the published
// version passed (nil if none was kept).
func (p *Publisher) LastOutput(ctx context.Context, spec *Spec) ([]byte, error) {
	data, _, err := p.Specs.Get(ctx, parityKey(spec.Snapshot))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return data, err
}

// List lists every published spec.
func (p *Publisher) List(ctx context.Context) ([]*Spec, error) {
	objs, err := p.Specs.List(ctx, specsDir)
	if err != nil {
		return nil, err
	}
	var out []*Spec
	for _, o := range objs {
		if !strings.HasSuffix(o.Key, ".json") {
			continue
		}
		data, _, err := p.Specs.Get(ctx, o.Key)
		if err != nil {
			continue
		}
		if s, err := ParseSpec(data); err == nil {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b *Spec) int { return strings.Compare(a.DagID, b.DagID) })
	return out, nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
