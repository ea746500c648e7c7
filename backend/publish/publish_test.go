package publish

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	"smallfry/backend"
	"smallfry/backend/airflow"
	"smallfry/backend/lake"
)

// fakeAirflow plays the DAG processor over the specs folder: on Reparse
// it "parses" the specs the way the factory does, as a test decides.
// It supports the rollback tests; the real Airflow is exercised in
// backend/workbench's publish tests.
type fakeAirflow struct {
	mu        sync.Mutex
	specs     lake.Storage
	dags      map[string]*airflow.DAG
	noFactory bool
	broken    map[string]string // dag id → the factory's complaint
	importErr string            // the factory file fails to import
	deleted   []string
	live      []string // deleted while the last parse still listed them
}

func (f *fakeAirflow) URL() string { return "http://127.0.0.1:1" }

func (f *fakeAirflow) DAG(ctx context.Context, id string) (*airflow.DAG, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id == SentinelDAG && !f.noFactory {
		return &airflow.DAG{ID: id, FileToken: "tok", Fileloc: "/dags/smallfry_dags.py"}, nil
	}
	if d, ok := f.dags[id]; ok {
		c := *d
		return &c, nil
	}
	return nil, &airflow.Error{Status: 404, Detail: "not found", Op: "read DAG " + id}
}

func (f *fakeAirflow) Reparse(ctx context.Context, token string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.importErr != "" {
		return nil
	}
	objs, _ := f.specs.List(ctx, specsDir)
	now := time.Now()
	seen := map[string]bool{}
	for _, o := range objs {
		data, _, _ := f.specs.Get(ctx, o.Key)
		s, err := ParseSpec(data)
		if err != nil {
			continue
		}
		seen[s.DagID] = true
		d := f.dags[s.DagID]
		if d == nil {
			d = &airflow.DAG{ID: s.DagID, Paused: true}
			f.dags[s.DagID] = d
		}
		d.LastParsed = &now
		d.Tags = []airflow.Tag{{Name: TagSmallfry}}
		d.Description = "smallfry: " + s.Title
		if msg, ok := f.broken[s.DagID]; ok {
			d.Tags = append(d.Tags, airflow.Tag{Name: TagBroken})
			d.Description = "broken spec: " + msg
		}
	}
	for id := range f.dags {
		if !seen[id] {
			f.dags[id].Stale = true
		}
	}
	return nil
}

func (f *fakeAirflow) ImportErrors(ctx context.Context) ([]airflow.ImportError, error) {
	if f.importErr == "" {
		return nil, nil
	}
	return []airflow.ImportError{{Filename: "/dags/smallfry_dags.py", StackTrace: "Traceback…\n  File x\n" + f.importErr}}, nil
}

func (f *fakeAirflow) SetPaused(ctx context.Context, id string, paused bool) (*airflow.DAG, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := f.dags[id]
	d.Paused = paused
	c := *d
	return &c, nil
}

func (f *fakeAirflow) DeleteDAG(ctx context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d, ok := f.dags[id]; ok && !d.Stale {
		f.live = append(f.live, id)
	}
	delete(f.dags, id)
	f.deleted = append(f.deleted, id)
	return nil
}

func (f *fakeAirflow) Trigger(context.Context, string, map[string]any) (*airflow.DAGRun, error) {
	return nil, errors.New("not faked")
}
func (f *fakeAirflow) DAGRuns(context.Context, string, int) ([]airflow.DAGRun, error) {
	return nil, nil
}
func (f *fakeAirflow) TaskInstances(context.Context, string, string) ([]airflow.TaskInstance, error) {
	return nil, nil
}
func (f *fakeAirflow) TaskLog(context.Context, string, string, string, int) (string, error) {
	return "", nil
}
func (f *fakeAirflow) SetVariable(context.Context, string, string, string) error { return nil }
func (f *fakeAirflow) DeleteVariable(context.Context, string) error              { return nil }

func newPublisher(t *testing.T) (*Publisher, *fakeAirflow) {
	t.Helper()
	specs, err := lake.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeAirflow{specs: specs, dags: map[string]*airflow.DAG{}, broken: map[string]string{}}
	return &Publisher{Airflow: f, Specs: specs, Outputs: "/srv/runs", Wait: 2 * time.Second, Poll: 10 * time.Millisecond}, f
}

func request(source string) Request {
	cron := "0 3 * * *"
	return Request{
		Spec: Spec{DagID: "smallfry_ana_sales", Title: "sales", Notebook: "notebooks/sales.ipynb", Schedule: &cron,
			Timezone: "UTC", TimeoutSeconds: 3600, Parameters: map[string]string{"year": "1998"}},
		Snapshot: []byte(source), Parity: []byte(source + " (output)"),
	}
}

func TestPublishWritesSpecAndUnpauses(t *testing.T) {
	p, f := newPublisher(t)
	ctx := context.Background()
	got, err := p.Publish(ctx, request(`{"v": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	if got.DAG.Paused || got.Spec.Snapshot != SnapshotKey([]byte(`{"v": 1}`)) || got.Spec.Outputs != "/srv/runs" || got.Spec.StartDate.IsZero() {
		t.Fatalf("published %+v", got)
	}
	spec, err := p.Spec(ctx, "smallfry_ana_sales")
	if err != nil || spec.Parameters["year"] != "1998" || *spec.Schedule != "0 3 * * *" {
		t.Fatalf("spec %+v, %v", spec, err)
	}
	if data, err := p.Snapshot(ctx, spec.Snapshot); err != nil || string(data) != `{"v": 1}` {
		t.Errorf("snapshot %q, %v", data, err)
	}
	if data, err := p.LastOutput(ctx, spec); err != nil || !strings.Contains(string(data), "(output)") {
		t.Errorf("check run output %q, %v", data, err)
	}
	if !f.dags["smallfry_ana_sales"].LastParsed.After(time.Time{}) {
		t.Error("never reparsed")
	}
}

func TestNothingHalfPublished(t *testing.T) {
	ctx := context.Background()
	t.Run("no factory", func(t *testing.T) {
		p, f := newPublisher(t)
		f.noFactory = true
		_, err := p.Publish(ctx, request("{}"))
		if err == nil || !strings.Contains(err.Error(), "DAG factory") || backend.ErrorCode(err) != backend.EINVALID {
			t.Fatalf("got %v", err)
		}
		if objs, _ := p.Specs.List(ctx, ""); len(objs) != 0 {
			t.Errorf("wrote %v", objs)
		}
	})
	t.Run("spec rejected, first publish", func(t *testing.T) {
		p, f := newPublisher(t)
		f.broken["smallfry_ana_sales"] = "snapshot: its sha256 is not its name"
		_, err := p.Publish(ctx, request("{}"))
		if err == nil || !strings.Contains(err.Error(), "sha256") || !strings.Contains(err.Error(), "nothing was published") {
			t.Fatalf("got %v", err)
		}
		if s, _ := p.Spec(ctx, "smallfry_ana_sales"); s != nil {
			t.Errorf("the rejected spec stayed: %+v", s)
		}
		if len(f.deleted) != 1 {
			t.Errorf("the new DAG's placeholder was not removed: %v", f.deleted)
		}
	})
	t.Run("spec rejected, republish", func(t *testing.T) {
		p, f := newPublisher(t)
		if _, err := p.Publish(ctx, request(`{"v": 1}`)); err != nil {
			t.Fatal(err)
		}
		f.broken["smallfry_ana_sales"] = "timezone: unknown"
		if _, err := p.Publish(ctx, request(`{"v": 2}`)); err == nil {
			t.Fatal("a rejected republish passed")
		}
		s, _ := p.Spec(ctx, "smallfry_ana_sales")
		if s == nil || s.Snapshot != SnapshotKey([]byte(`{"v": 1}`)) {
			t.Errorf("the previous spec was not put back: %+v", s)
		}
		if len(f.deleted) != 0 {
			t.Errorf("a republish removed the DAG: %v", f.deleted)
		}
	})
	t.Run("import error", func(t *testing.T) {
		p, f := newPublisher(t)
		f.importErr = "SyntaxError: invalid syntax"
		_, err := p.Publish(ctx, request("{}"))
		if err == nil || !strings.Contains(err.Error(), "SyntaxError: invalid syntax") || !strings.Contains(err.Error(), "smallfry_dags.py") {
			t.Fatalf("got %v", err)
		}
		if s, _ := p.Spec(ctx, "smallfry_ana_sales"); s != nil {
			t.Errorf("the spec stayed: %+v", s)
		}
	})
	t.Run("never listed", func(t *testing.T) {
		p, f := newPublisher(t)
		p.Wait = 200 * time.Millisecond
		p.Airflow = neverParses{f}
		_, err := p.Publish(ctx, request("{}"))
		if err == nil || !strings.Contains(err.Error(), "did not list DAG") {
			t.Fatalf("got %v", err)
		}
		if s, _ := p.Spec(ctx, "smallfry_ana_sales"); s != nil {
			t.Errorf("the spec stayed: %+v", s)
		}
	})
	t.Run("another notebook's DAG", func(t *testing.T) {
		p, _ := newPublisher(t)
		if _, err := p.Publish(ctx, request("{}")); err != nil {
			t.Fatal(err)
		}
		other := request("{}")
		other.Spec.Notebook = "notebooks/old/sales.ipynb"
		_, err := p.Publish(ctx, other)
		if backend.ErrorCode(err) != backend.ECONFLICT || !strings.Contains(err.Error(), "notebooks/sales.ipynb") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("bad spec never written", func(t *testing.T) {
		p, _ := newPublisher(t)
		req := request("{}")
		req.Spec.Timezone = "Atlantis/Capital"
		if _, err := p.Publish(ctx, req); err == nil {
			t.Fatal("took an unknown time zone")
		}
		if objs, _ := p.Specs.List(ctx, ""); len(objs) != 0 {
			t.Errorf("wrote %v", objs)
		}
	})
}

// neverParses is an Airflow whose DAG processor is down.
type neverParses struct{ *fakeAirflow }

func (neverParses) Reparse(context.Context, string) error { return nil }

// lagsOnce is a DAG processor whose first parse after it is set up reads
// an S3 bundle's local copy from before its refresh: it changes nothing.
type lagsOnce struct {
	*fakeAirflow
	lagged bool
}

func (l *lagsOnce) Reparse(ctx context.Context, token string) error {
	if !l.lagged {
		l.lagged = true
		return nil
	}
	return l.fakeAirflow.Reparse(ctx, token)
}

func TestUnpublishWaitsForAParseThatDropsTheDAG(t *testing.T) {
	for _, tc := range []struct {
		name string
		wrap func(*fakeAirflow) Airflow
	}{
		{"a parse of the bundle's old copy first", func(f *fakeAirflow) Airflow { return &lagsOnce{fakeAirflow: f} }},
		{"the processor down: gives up waiting, deletes", func(f *fakeAirflow) Airflow { return neverParses{f} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, f := newPublisher(t)
			ctx := context.Background()
			if _, err := p.Publish(ctx, request("{}")); err != nil {
				t.Fatal(err)
			}
			p.Airflow = tc.wrap(f)
			start := time.Now()
			if err := p.Unpublish(ctx, "smallfry_ana_sales"); err != nil {
				t.Fatal(err)
			}
			if _, err := f.DAG(ctx, "smallfry_ana_sales"); !airflow.IsNotFound(err) {
				t.Errorf("DAG still there: %v", err)
			}
			_, down := p.Airflow.(neverParses)
			if !down && len(f.live) != 0 {
				t.Errorf("deleted %v before a parse had dropped it: the lagging parse would bring it back", f.live)
			}
			if took := time.Since(start); down && (took < p.Wait || took > 2*p.Wait) {
				t.Errorf("with no parse, Unpublish took %s (wait %s)", took, p.Wait)
			}
		})
	}
}

func TestUnpublishKeepsRuns(t *testing.T) {
	p, _ := newPublisher(t)
	ctx := context.Background()
	if _, err := p.Publish(ctx, request("{}")); err != nil {
		t.Fatal(err)
	}
	if err := p.Unpublish(ctx, "smallfry_ana_sales"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Airflow.DAG(ctx, "smallfry_ana_sales"); !airflow.IsNotFound(err) {
		t.Errorf("DAG still there: %v", err)
	}
	if s, err := p.Spec(ctx, "smallfry_ana_sales"); s != nil || err != nil {
		t.Errorf("spec %+v, %v", s, err)
	}
	if _, _, err := p.Specs.Get(ctx, SnapshotKey([]byte("{}"))); errors.Is(err, fs.ErrNotExist) {
		t.Error("the snapshot, which past runs name, was removed")
	}
}
