package workbench_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"smallfry/backend/airflow"
	"smallfry/backend/airflow/airflowtest"
	"smallfry/backend/auth"
	"smallfry/backend/auth/authtest"
	"smallfry/backend/notebook"
	"smallfry/backend/publish"
	"smallfry/backend/runs"
	"smallfry/backend/smallfry"
	"smallfry/backend/workbench"
)

const salesNotebook = "sales-by-brand-and-country.ipynb"

// publishApp opens a workspace whose company settings name the real
// Airflow (the IdP part is never used: specs go to the DAG folder).
func publishApp(t *testing.T, peer airflowtest.Peer, ws string, kc auth.Keychain) *smallfry.App {
	t.Helper()
	bin := os.Getenv("SMALLFRY_BIN")
	if bin == "" {
		t.Fatal("SMALLFRY_BIN is not set: the check run starts the smallfry binary (make test sets it)")
	}
	ctx := context.Background()
	app, err := smallfry.Open(ctx, smallfry.Config{Workspace: ws, Binary: bin, Version: "test",
		Auth: auth.Options{Dir: t.TempDir(), Keychain: kc}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	settings, _ := json.Marshal(map[string]any{
		"issuer": "http://127.0.0.1:9/idp", "clientId": "smallfry", "roleArn": "arn:aws:iam::123456789012:role/analyst",
		"region": "us-east-1", "lake": "s3://company-lake/analytics",
		"airflow": map[string]string{"url": peer.URL, "dags": peer.DAGs, "outputs": peer.Outputs},
	})
	if _, err := app.Workbench.ImportSettings(ctx, string(settings)); err != nil {
		t.Fatal(err)
	}
	return app
}

// clearPublished removes what an earlier (failed) run of a test left
// published from these notebooks, now and when the test ends: each test
// works in a new workspace, but the DAG ids are the same.
func clearPublished(t *testing.T, peer airflowtest.Peer, notebooks ...string) {
	t.Helper()
	af := peer.Client(t)
	clear := func() {
		dir := filepath.Join(peer.DAGs, "smallfry", "specs")
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				continue
			}
			spec, err := publish.ParseSpec(data)
			if err != nil || !slices.Contains(notebooks, spec.Notebook) {
				continue
			}
			os.Remove(filepath.Join(dir, e.Name()))
			_ = af.DeleteDAG(context.Background(), spec.DagID)
		}
	}
	clear()
	t.Cleanup(clear)
}

// webhook receives what Airflow posts when a run fails.
type webhook struct {
	mu     sync.Mutex
	bodies []map[string]any
}

func (h *webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	data, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(data, &body)
	h.mu.Lock()
	h.bodies = append(h.bodies, body)
	h.mu.Unlock()
}

func (h *webhook) received() []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]map[string]any(nil), h.bodies...)
}

func waitFor(t *testing.T, what string, within time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// scheduledRun waits until the notebook's history holds the scheduled
// run runID finished, and returns it.
func scheduledRun(t *testing.T, s *workbench.Service, path, runID string, within time.Duration) *runs.Record {
	t.Helper()
	var got *runs.Record
	waitFor(t, "scheduled run "+runID+" finished", within, func() bool {
		list, err := s.Runs(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range list {
			if r.Scheduled != nil && r.Scheduled.RunID == runID && r.Status != runs.Running && (r.Scheduled.HasOutput || r.Status == runs.Failed) {
				got = r
				return r.Scheduled.State == "success" || r.Scheduled.State == "failed"
			}
		}
		return false
	})
	return got
}

func TestPublishToAirflow(t *testing.T) {
	peer := airflowtest.Need(t)
	clearPublished(t, peer, "notebooks/"+salesNotebook)
	ctx := context.Background()
	ws := t.TempDir()
	kc := authtest.NewKeychain()
	app := publishApp(t, peer, ws, kc)
	s := app.Workbench
	af := peer.Client(t)

	req := workbench.PublishRequest{Path: salesNotebook, Cron: "0 3 * * *", Timezone: "Europe/Berlin", Params: []string{"year=1998"}}
	if _, err := s.CheckPublish(ctx, req); err == nil || !strings.Contains(err.Error(), "sign in to Airflow") {
		t.Fatalf("publishing before signing in to Airflow: %v", err)
	}
	if _, err := s.AirflowSignIn(ctx, workbench.AirflowLogin{User: peer.User, Password: "wrong"}); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("a wrong Airflow password: %v", err)
	}
	acct, err := s.AirflowSignIn(ctx, workbench.AirflowLogin{User: peer.User, Password: peer.Password})
	if err != nil || !acct.HasPassword || acct.User != peer.User {
		t.Fatalf("AirflowSignIn = %+v, %v", acct, err)
	}
	if kc.Len() != 1 {
		t.Errorf("the keychain holds %d entries, want the Airflow login", kc.Len())
	}

	// Bad input is refused before anything runs.
	for _, bad := range []workbench.PublishRequest{
		{Path: salesNotebook, Cron: "0 3 * *", Timezone: "UTC"},
		{Path: salesNotebook, Cron: "0 3 * * *", Timezone: "Mars/Base"},
		{Path: salesNotebook, Cron: "0 3 * * *", Params: []string{"year"}},
		{Path: salesNotebook, Cron: "0 3 * * *", Params: []string{"colour=red"}},
		{Path: "../../etc/passwd.ipynb"},
	} {
		if c, err := s.CheckPublish(ctx, bad); err == nil {
			t.Errorf("CheckPublish(%+v) = %+v, want an error", bad, c)
		}
	}

	// The check run, then publish: the DAG is listed, unpaused, with its next run.
	check, err := s.CheckPublish(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if check.Failed != nil || check.Token == "" || !check.FirstPublish || check.Schedule.Label != "daily 03:00" || len(check.Schedule.Next) != 5 {
		t.Fatalf("check = %+v", check)
	}
	req.Token = check.Token
	start := time.Now()
	st, err := s.Publish(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("publish (after the check run) took %s", time.Since(start))
	if !st.Published || st.Paused || st.NextRun == nil || st.Label != "daily 03:00" || st.Sentence != "every day at 03:00 Europe/Berlin" {
		t.Fatalf("state = %+v", st)
	}
	if until := time.Until(*st.NextRun); until <= 0 || until > 25*time.Hour {
		t.Errorf("next run in %s", until)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	if h := st.NextRun.In(berlin).Hour(); h != 3 {
		t.Errorf("next run at %s Berlin time, want 03:00", st.NextRun.In(berlin))
	}
	dag, err := af.DAG(ctx, st.DagID)
	if err != nil || dag.Paused || !dag.HasTag(publish.TagSmallfry) {
		t.Fatalf("Airflow's DAG %s: %+v, %v", st.DagID, dag, err)
	}
	if _, err := s.Publish(ctx, req); err == nil {
		t.Error("a check token was used twice")
	}
	req.Token = ""
	// The schedule is in the notebook's metadata.
	if got, err := s.PublishState(ctx, salesNotebook); err != nil || !got.Published || got.DagID != st.DagID || got.Params["year"] != "1998" || got.Problem != "" {
		t.Fatalf("PublishState = %+v, %v", got, err)
	}

	// Run now: the run succeeds and its output notebook is in the history.
	triggered := time.Now()
	rec, err := s.RunNow(ctx, salesNotebook)
	if err != nil {
		t.Fatal(err)
	}
	done := scheduledRun(t, s, salesNotebook, rec.Scheduled.RunID, 3*time.Minute)
	t.Logf("trigger to output notebook in the history: %s", time.Since(triggered))
	if done.Status != runs.OK || done.Scheduled.State != "success" || done.Mode != "scheduled" || done.Parameters["year"] != float64(1998) {
		t.Fatalf("scheduled run = %+v (%+v)", done, done.Scheduled)
	}
	opened, err := s.OpenRun(ctx, done.ID)
	if err != nil || !opened.ReadOnly || len(opened.Outputs) == 0 {
		t.Fatalf("OpenRun(%s) = %+v, %v", done.ID, opened, err)
	}
	log, err := s.ScheduledLog(ctx, salesNotebook, done.Scheduled.RunID)
	if err != nil || !strings.Contains(log, "smallfry") {
		t.Fatalf("task log = %q, %v", log, err)
	}

	// A broken spec beside it hides nothing.
	// (A copy of the good spec, under another id, with a cron Airflow
	// would only refuse after the factory file loaded.)
	good, err := os.ReadFile(filepath.Join(peer.DAGs, "smallfry", "specs", st.DagID+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec map[string]any
	if err := json.Unmarshal(good, &spec); err != nil {
		t.Fatal(err)
	}
	spec["dag_id"], spec["schedule"] = "smallfry_test_broken", "0 3 * *"
	bad, _ := json.Marshal(spec)
	broken := filepath.Join(peer.DAGs, "smallfry", "specs", "smallfry_test_broken.json")
	if err := os.WriteFile(broken, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(broken); _ = af.DeleteDAG(context.Background(), "smallfry_test_broken") })
	sentinel, err := af.DAG(ctx, publish.SentinelDAG)
	if err != nil {
		t.Fatal(err)
	}
	if err := af.Reparse(ctx, sentinel.FileToken); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the broken spec's placeholder", time.Minute, func() bool {
		d, err := af.DAG(ctx, "smallfry_test_broken")
		return err == nil && d.HasTag(publish.TagBroken) && strings.Contains(d.Description, "schedule")
	})
	if d, err := af.DAG(ctx, st.DagID); err != nil || d.Paused || d.HasTag(publish.TagBroken) {
		t.Fatalf("beside a broken spec, %s = %+v, %v", st.DagID, d, err)
	}

	// Republish after an edit: the change is shown and the snapshot changes.
	nbPath := filepath.Join(ws, "notebooks", salesNotebook)
	data, err := os.ReadFile(nbPath)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), "LIMIT 3", "LIMIT 2", 1)
	if edited == string(data) {
		t.Fatal("the sample notebook has no LIMIT 3 to edit")
	}
	if err := os.WriteFile(nbPath, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	firstSnapshot := ""
	if pub, _, err := app.Publisher(ctx); err == nil {
		if spec, err := pub.Spec(ctx, st.DagID); err == nil && spec != nil {
			firstSnapshot = spec.Snapshot
		}
	}
	check, err = s.CheckPublish(ctx, req)
	if err != nil || check.Failed != nil || check.FirstPublish {
		t.Fatalf("recheck = %+v, %v", check, err)
	}
	var sourceChanged bool
	for _, c := range check.Changes {
		sourceChanged = sourceChanged || c.What == "source" && strings.Contains(c.After, "LIMIT 2")
	}
	if !sourceChanged {
		t.Errorf("changes = %+v, want the edited cell's source", check.Changes)
	}
	req.Token = check.Token
	if _, err := s.Publish(ctx, req); err != nil {
		t.Fatal(err)
	}
	req.Token = ""
	pub, _, err := app.Publisher(ctx)
	if err != nil {
		t.Fatal(err)
	}
	republished, err := pub.Spec(ctx, st.DagID)
	if err != nil || republished == nil {
		t.Fatal(republished, err)
	}
	snap, err := pub.Snapshot(ctx, republished.Snapshot)
	if err != nil || !strings.Contains(string(snap), "LIMIT 2") || publish.SnapshotKey(snap) != republished.Snapshot {
		t.Fatalf("the republished snapshot %s: %v", republished.Snapshot, err)
	}
	if republished.Snapshot == firstSnapshot {
		t.Errorf("republishing kept the snapshot %s", republished.Snapshot)
	}

	// Pause and resume.
	if p, err := s.SetPublishedPaused(ctx, salesNotebook, true); err != nil || !p.Paused {
		t.Fatalf("pause = %+v, %v", p, err)
	}
	if p, err := s.SetPublishedPaused(ctx, salesNotebook, false); err != nil || p.Paused {
		t.Fatalf("resume = %+v, %v", p, err)
	}

	// Unpublish: the DAG is gone, the past run stays in the history.
	if _, err := s.Unpublish(ctx, salesNotebook); err != nil {
		t.Fatal(err)
	}
	if _, err := af.DAG(ctx, st.DagID); !airflow.IsNotFound(err) {
		t.Errorf("after unpublish, DAG %s: %v", st.DagID, err)
	}
	if got, _ := s.PublishState(ctx, salesNotebook); got.Published {
		t.Errorf("after unpublish, state = %+v", got)
	}
	if _, err := os.Stat(filepath.Join(peer.Outputs, st.DagID, publish.RunFolder(done.Scheduled.RunID), publish.OutputFile)); err != nil {
		t.Errorf("the scheduled run's output is gone after unpublish: %v", err)
	}
}

// writeSQLNotebook writes a notebook of SQL cells.
func writeSQLNotebook(t *testing.T, path string, sources ...string) {
	t.Helper()
	nb := notebook.New()
	for _, src := range sources {
		nb.InsertCell(len(nb.Cells), notebook.NewCell(notebook.KindSQL, src))
	}
	if err := notebook.WriteFile(path, nb); err != nil {
		t.Fatal(err)
	}
}

// A notebook that passes its check run on the laptop and fails on the
// worker (it reads a file only the laptop has) fails its Airflow run, and
// the webhook hears of it.
func TestScheduledFailureNotifies(t *testing.T) {
	peer := airflowtest.Need(t)
	clearPublished(t, peer, "notebooks/extract.ipynb")
	ctx := context.Background()
	ws := t.TempDir()
	app := publishApp(t, peer, ws, authtest.NewKeychain())
	s := app.Workbench
	if _, err := s.AirflowSignIn(ctx, workbench.AirflowLogin{User: peer.User, Password: peer.Password}); err != nil {
		t.Fatal(err)
	}
	hook := &webhook{}
	srv := httptest.NewServer(hook)
	defer srv.Close()

	dir := filepath.Join(ws, "notebooks")
	if err := os.WriteFile(filepath.Join(dir, "laptop-only.csv"), []byte("n\n1\n2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeSQLNotebook(t, filepath.Join(dir, "extract.ipynb"), "SELECT sum(n) AS total FROM read_csv('laptop-only.csv')")
	req := workbench.PublishRequest{Path: "extract.ipynb", Timezone: "UTC", Webhook: srv.URL}
	check, err := s.CheckPublish(ctx, req)
	if err != nil || check.Failed != nil {
		t.Fatalf("check = %+v, %v", check, err)
	}
	req.Token = check.Token
	st, err := s.Publish(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = s.Unpublish(context.Background(), "extract.ipynb") })
	if st.Label != "manual" || st.NextRun != nil {
		t.Errorf("a notebook published with no cron: %+v", st)
	}
	rec, err := s.RunNow(ctx, "extract.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	done := scheduledRun(t, s, "extract.ipynb", rec.Scheduled.RunID, 3*time.Minute)
	if done.Status != runs.Failed || done.Scheduled.State != "failed" {
		t.Fatalf("the failing run = %+v (%+v)", done, done.Scheduled)
	}
	if done.Scheduled.HasOutput && !strings.Contains(done.Error, "laptop-only.csv") {
		t.Errorf("the run's error does not name the file: %q", done.Error)
	}
	waitFor(t, "the failure webhook", time.Minute, func() bool { return len(hook.received()) > 0 })
	body := hook.received()[0]
	text, _ := body["text"].(string)
	if !strings.Contains(text, "extract") || !strings.Contains(text, "fail") {
		t.Errorf("webhook text %q names neither the notebook nor the failure", text)
	}
	if states, _ := s.PublishedNotebooks(ctx); len(states) != 1 || states[0].LastState != "failed" {
		t.Errorf("the notebook list does not flag the failed run: %+v", states)
	}
}

// Two windows publishing at once (two apps: no shared lock) are
// serialized by retries, with no "database is locked" failure.
func TestParallelPublishes(t *testing.T) {
	peer := airflowtest.Need(t)
	clearPublished(t, peer, "notebooks/first.ipynb", "notebooks/second.ipynb")
	ctx := context.Background()
	ws := t.TempDir()
	var apps []*workbench.Service
	for range 2 {
		app := publishApp(t, peer, ws, authtest.NewKeychain())
		if _, err := app.Workbench.AirflowSignIn(ctx, workbench.AirflowLogin{User: peer.User, Password: peer.Password}); err != nil {
			t.Fatal(err)
		}
		apps = append(apps, app.Workbench)
	}
	dir := filepath.Join(ws, "notebooks")
	names := []string{"first.ipynb", "second.ipynb"}
	for _, n := range names {
		writeSQLNotebook(t, filepath.Join(dir, n), "SELECT 42 AS answer")
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := workbench.PublishRequest{Path: names[i], Cron: "@daily", Timezone: "UTC"}
			check, err := apps[i].CheckPublish(ctx, req)
			if err != nil {
				errs[i] = err
				return
			}
			req.Token = check.Token
			_, errs[i] = apps[i].Publish(ctx, req)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("publish %s: %v", names[i], err)
		}
	}
	for i, n := range names {
		if _, err := apps[i].Unpublish(ctx, n); err != nil {
			t.Errorf("unpublish %s: %v", n, err)
		}
	}
}
