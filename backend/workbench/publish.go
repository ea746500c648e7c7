package workbench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"smallfry/backend"
	"smallfry/backend/airflow"
	"smallfry/backend/lake"
	"smallfry/backend/notebook"
	"smallfry/backend/publish"
	"smallfry/backend/runs"
)

// Scheduling is the company's Airflow behind the workbench (package
// smallfry's, over packages airflow and publish).
type Scheduling interface {
	// Airflow says whether an Airflow is set up and signed in to.
	Airflow(ctx context.Context) (*AirflowAccount, error)
	// SignIn checks an Airflow password and keeps it in the keychain.
	SignIn(ctx context.Context, user, password string) error
	SignOut(ctx context.Context) error
	// Publisher publishes to the Airflow; outputs is where scheduled runs
	// write, as this machine reads it.
	Publisher(ctx context.Context) (p *publish.Publisher, outputs lake.Storage, err error)
	// Owner is who publishes: the signed-in user, or this machine's.
	Owner(ctx context.Context) string
	// Binary is the smallfry program check runs start.
	Binary() string
}

// AirflowAccount is the company's Airflow as the publish dialog shows it.
type AirflowAccount struct {
	Configured  bool   `json:"configured"`
	URL         string `json:"url,omitempty"`
	User        string `json:"user,omitempty"`
	HasPassword bool   `json:"hasPassword"`
	// FixedUser is set when the settings name the Airflow user.
	FixedUser bool `json:"fixedUser,omitempty"`
}

// AirflowLogin is what the user types to sign in to Airflow.
type AirflowLogin struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

// ScheduleRequest is a schedule being typed.
type ScheduleRequest struct {
	Cron     string `json:"cron"`
	Timezone string `json:"timezone"`
}

// ScheduleInfo is a schedule in words, with its next run times.
type ScheduleInfo struct {
	Sentence string      `json:"sentence"` // "every day at 03:00 Europe/Berlin"
	Label    string      `json:"label"`    // "daily 03:00"
	Next     []time.Time `json:"next"`
}

// PublishRequest is what the publish dialog sends.
type PublishRequest struct {
	Path     string `json:"path"` // the notebook, as ListNotebooks names it
	Cron     string `json:"cron"` // "" runs only when asked
	Timezone string `json:"timezone"`
	// Params are name=value, as typed after -p.
	Params  []string `json:"params"`
	Webhook string   `json:"webhook,omitempty"`
	Email   []string `json:"email,omitempty"`
	Retries int      `json:"retries"`
	// TimeoutMinutes bounds a scheduled run; 0 is 60.
	TimeoutMinutes int `json:"timeoutMinutes"`
	// Token is the check run's (CheckPublish), which Publish publishes.
	Token string `json:"token,omitempty"`
}

// PublishCheck is the outcome of the check run: a failing cell, or what
// changed since the last published version.
type PublishCheck struct {
	Token        string              `json:"token,omitempty"` // set when the check passed
	DagID        string              `json:"dagId"`
	Failed       *publish.FailedCell `json:"failed,omitempty"`
	FirstPublish bool                `json:"firstPublish"`
	Changes      []publish.Change    `json:"changes"`
	Schedule     *ScheduleInfo       `json:"schedule,omitempty"`
	DurationMs   int64               `json:"durationMs"`
}

// PublishState is a notebook's place on the schedule.
type PublishState struct {
	Path        string            `json:"path"`
	Published   bool              `json:"published"`
	DagID       string            `json:"dagId,omitempty"`
	Airflow     string            `json:"airflow,omitempty"`
	Cron        string            `json:"cron,omitempty"`
	Timezone    string            `json:"timezone,omitempty"`
	Label       string            `json:"label,omitempty"`    // "daily 03:00"
	Sentence    string            `json:"sentence,omitempty"` // "every day at 03:00 UTC"
	Params      map[string]string `json:"params,omitempty"`
	Email       []string          `json:"email,omitempty"`
	Webhook     bool              `json:"webhook,omitempty"`
	PublishedAt time.Time         `json:"publishedAt,omitzero"`
	Paused      bool              `json:"paused"`
	NextRun     *time.Time        `json:"nextRun,omitempty"`
	// LastState is the latest scheduled run's Airflow state (success,
	// failed, running, queued), "" before the first.
	LastState string     `json:"lastState,omitempty"`
	LastRunAt *time.Time `json:"lastRunAt,omitempty"`
	// Problem is why the state could not be read from Airflow (it is then
	// what the notebook's metadata says).
	Problem string `json:"problem,omitempty"`
}

// pendingPublish is a check run's snapshot, kept until it is published.
type pendingPublish struct {
	path     string
	request  string // the request the check ran with, token aside
	snapshot []byte
	output   []byte
	at       time.Time
}

type publishing struct {
	mu      sync.Mutex
	pending map[string]*pendingPublish
}

const pendingFor = 30 * time.Minute

func (s *Service) scheduling() (Scheduling, error) {
	if s.cfg.Scheduling == nil {
		return nil, backend.Errorf(backend.EINVALID, "publishing to a schedule is not set up in this app")
	}
	return s.cfg.Scheduling, nil
}

// AirflowAccount says whether the company's Airflow is set up and signed in to.
func (s *Service) AirflowAccount(ctx context.Context) (*AirflowAccount, error) {
	sch, err := s.scheduling()
	if err != nil {
		return &AirflowAccount{}, nil
	}
	return sch.Airflow(ctx)
}

// AirflowSignIn checks an Airflow user and password and keeps them in the
// OS keychain.
func (s *Service) AirflowSignIn(ctx context.Context, login AirflowLogin) (*AirflowAccount, error) {
	sch, err := s.scheduling()
	if err != nil {
		return nil, err
	}
	if err := sch.SignIn(ctx, strings.TrimSpace(login.User), login.Password); err != nil {
		return nil, err
	}
	return sch.Airflow(ctx)
}

// DescribeSchedule says a schedule in words with its next five run times,
// or why it is not a schedule.
func (s *Service) DescribeSchedule(ctx context.Context, req ScheduleRequest) (*ScheduleInfo, error) {
	return describe(req.Cron, req.Timezone, time.Now())
}

func describe(cron, tz string, now time.Time) (*ScheduleInfo, error) {
	sc := publish.Schedule{Cron: cron, Timezone: tz}
	sentence, label, err := sc.Describe()
	if err != nil {
		return nil, err
	}
	next, err := sc.Next(now, 5)
	if err != nil {
		return nil, err
	}
	return &ScheduleInfo{Sentence: sentence, Label: label, Next: next}, nil
}

// parseParams reads name=value lines as -p takes them.
func parseParams(lines []string) (map[string]string, error) {
	out := map[string]string{}
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		name, value, ok := strings.Cut(l, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, backend.Errorf(backend.EINVALID, "parameter %q is not name=value", l)
		}
		if !backend.IsIdentifier(name) {
			return nil, backend.Errorf(backend.EINVALID, "parameter name %q is not a valid name", name)
		}
		if _, dup := out[name]; dup {
			return nil, backend.Errorf(backend.EINVALID, "parameter %s is given twice", name)
		}
		out[name] = value
	}
	return out, nil
}

func (r PublishRequest) key() string {
	r.Token = ""
	return fmt.Sprintf("%#v", r)
}

// rel is a notebook's path relative to the workspace, as runs record it.
func (s *Service) rel(abs string) string {
	rel, err := filepath.Rel(s.cfg.Root, abs)
	if err != nil {
		return abs
	}
	return filepath.ToSlash(rel)
}

// CheckPublish runs the notebook as saved, headless in a fresh process,
// with the values the schedule will use: the parity run. If a cell fails,
// it says which and nothing may be published. Otherwise it lists what
// changed against the last published version and gives the token Publish
// takes; the snapshot published is exactly what was checked.
func (s *Service) CheckPublish(ctx context.Context, req PublishRequest) (*PublishCheck, error) {
	sch, err := s.scheduling()
	if err != nil {
		return nil, err
	}
	abs, err := s.notebookPath(req.Path)
	if err != nil {
		return nil, err
	}
	values, err := parseParams(req.Params)
	if err != nil {
		return nil, err
	}
	check := &PublishCheck{Changes: []publish.Change{}}
	if req.Cron != "" {
		if check.Schedule, err = describe(req.Cron, req.Timezone, time.Now()); err != nil {
			return nil, err
		}
	}
	snapshot, err := os.ReadFile(abs)
	if err != nil {
		return nil, backend.Errorf(backend.ENOTFOUND, "read notebook %s: %v", req.Path, err)
	}
	nb, err := notebook.Parse(filepath.Base(abs), snapshot)
	if err != nil {
		return nil, err
	}
	pub, _, err := sch.Publisher(ctx)
	if err != nil {
		return nil, err
	}
	check.DagID = s.dagID(ctx, sch, nb, abs)
	start := time.Now()
	parity, err := publish.RunParity(ctx, sch.Binary(), s.cfg.Root, abs, values)
	check.DurationMs = time.Since(start).Milliseconds()
	if err != nil {
		return nil, err
	}
	if parity.Failed != nil {
		check.Failed = parity.Failed
		return check, nil
	}
	spec, err := pub.Spec(ctx, check.DagID)
	if err != nil {
		return nil, fmt.Errorf("read the published version of %s: %w", check.DagID, err)
	}
	check.FirstPublish = spec == nil
	if spec != nil {
		before, err := pub.LastOutput(ctx, spec)
		if err == nil && before == nil {
			before, err = pub.Snapshot(ctx, spec.Snapshot)
		}
		if err == nil {
			if changes, err := publish.Diff(before, parity.Output); err == nil {
				check.Changes = changes
			}
		}
	}
	token := randomToken()
	s.pub.mu.Lock()
	if s.pub.pending == nil {
		s.pub.pending = map[string]*pendingPublish{}
	}
	for k, p := range s.pub.pending {
		if time.Since(p.at) > pendingFor {
			delete(s.pub.pending, k)
		}
	}
	s.pub.pending[token] = &pendingPublish{path: abs, request: req.key(), snapshot: snapshot, output: parity.Output, at: time.Now()}
	s.pub.mu.Unlock()
	check.Token = token
	return check, nil
}

func randomToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// dagID is the notebook's DAG: the one it was published as, else a new one.
func (s *Service) dagID(ctx context.Context, sch Scheduling, nb *notebook.Notebook, abs string) string {
	if nb.Meta.Schedule != nil && nb.Meta.Schedule.DagID != "" {
		return nb.Meta.Schedule.DagID
	}
	return publish.DagID(sch.Owner(ctx), s.rel(abs))
}

// Publish publishes what CheckPublish checked: the snapshot and spec are
// written, Airflow lists the DAG with no import error, and it is unpaused.
// The schedule is kept in the notebook's metadata.
func (s *Service) Publish(ctx context.Context, req PublishRequest) (*PublishState, error) {
	sch, err := s.scheduling()
	if err != nil {
		return nil, err
	}
	abs, err := s.notebookPath(req.Path)
	if err != nil {
		return nil, err
	}
	s.pub.mu.Lock()
	pending := s.pub.pending[req.Token]
	s.pub.mu.Unlock()
	if pending == nil || pending.path != abs || time.Since(pending.at) > pendingFor {
		return nil, backend.Errorf(backend.ECONFLICT, "the check run of this notebook is missing or too old: check it again before publishing")
	}
	if pending.request != req.key() {
		return nil, backend.Errorf(backend.ECONFLICT, "the schedule or parameters changed since the check run: check again before publishing")
	}
	values, err := parseParams(req.Params)
	if err != nil {
		return nil, err
	}
	nb, err := notebook.Parse(filepath.Base(abs), pending.snapshot)
	if err != nil {
		return nil, err
	}
	pub, _, err := sch.Publisher(ctx)
	if err != nil {
		return nil, err
	}
	owner := sch.Owner(ctx)
	spec := publish.Spec{
		DagID: s.dagID(ctx, sch, nb, abs), Title: strings.TrimSuffix(filepath.Base(abs), ".ipynb"), Notebook: s.rel(abs),
		Timezone: firstNonEmpty(req.Timezone, "UTC"), Parameters: values, Owner: owner, PublishedBy: owner,
		Notify: publish.Notify{Email: req.Email}, Retries: req.Retries, RetryDelaySeconds: 300,
		TimeoutSeconds: 60 * 60,
	}
	if req.TimeoutMinutes > 0 {
		spec.TimeoutSeconds = req.TimeoutMinutes * 60
	}
	if req.Cron != "" {
		cron := strings.Join(strings.Fields(req.Cron), " ")
		spec.Schedule = &cron
	}
	published, err := pub.Publish(ctx, publish.Request{Spec: spec, Snapshot: pending.snapshot, Parity: pending.output, Webhook: req.Webhook})
	if err != nil {
		return nil, err
	}
	s.pub.mu.Lock()
	delete(s.pub.pending, req.Token)
	s.pub.mu.Unlock()
	meta := &notebook.Schedule{
		Airflow: pub.Airflow.URL(), DagID: published.Spec.DagID, Cron: req.Cron, Timezone: published.Spec.Timezone,
		Parameters: values, Email: req.Email, Webhook: req.Webhook != "", Snapshot: published.Spec.Snapshot,
		PublishedAt: published.Spec.PublishedAt.Format(time.RFC3339),
	}
	if len(meta.Parameters) == 0 {
		meta.Parameters = nil
	}
	if err := s.setSchedule(abs, meta); err != nil {
		return nil, fmt.Errorf("the notebook is published, but its file could not record it: %w", err)
	}
	st := stateOf(req.Path, meta)
	st.Paused = published.DAG.Paused
	st.NextRun = published.NextRun
	return st, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// setSchedule records the schedule in the notebook file (and in its open
// session's copy), changing nothing else of the file.
func (s *Service) setSchedule(abs string, sc *notebook.Schedule) error {
	s.mu.Lock()
	var open []*session
	for _, ss := range s.sessions {
		open = append(open, ss)
	}
	s.mu.Unlock()
	for _, ss := range open {
		ss.mu.Lock()
		if ss.path == abs && !ss.closed {
			was := ss.file.Meta.Schedule
			ss.file.Meta.Schedule = sc
			err := s.writeNotebook(abs, ss.file)
			if err != nil {
				ss.file.Meta.Schedule = was
			}
			ss.mu.Unlock()
			return err
		}
		ss.mu.Unlock()
	}
	nb, err := notebook.ReadFile(abs)
	if err != nil {
		return err
	}
	nb.Meta.Schedule = sc
	return s.writeNotebook(abs, nb)
}

func stateOf(path string, sc *notebook.Schedule) *PublishState {
	st := &PublishState{Path: path}
	if sc == nil {
		return st
	}
	st.Published, st.DagID, st.Airflow = true, sc.DagID, sc.Airflow
	st.Cron, st.Timezone, st.Params, st.Email, st.Webhook = sc.Cron, sc.Timezone, sc.Parameters, sc.Email, sc.Webhook
	if t, err := time.Parse(time.RFC3339, sc.PublishedAt); err == nil {
		st.PublishedAt = t
	}
	if sc.Cron != "" {
		if sentence, label, err := (publish.Schedule{Cron: sc.Cron, Timezone: sc.Timezone}).Describe(); err == nil {
			st.Sentence, st.Label = sentence, label
		}
	} else {
		st.Sentence, st.Label = "only when run by hand", "manual"
	}
	return st
}

// publishOf is a published notebook's state as its file has it; nil for
// one not published.
func publishOf(path string, nb *notebook.Notebook) *PublishState {
	if nb.Meta.Schedule == nil {
		return nil
	}
	return stateOf(path, nb.Meta.Schedule)
}

// scheduleOf reads a notebook's published schedule from its file.
func (s *Service) scheduleOf(path string) (string, *notebook.Schedule, error) {
	abs, err := s.notebookPath(path)
	if err != nil {
		return "", nil, err
	}
	nb, err := notebook.ReadFile(abs)
	if err != nil {
		return "", nil, err
	}
	return abs, nb.Meta.Schedule, nil
}

// PublishState is a notebook's place on the schedule, as Airflow has it
// now: paused or not, the next run, the last run's state.
func (s *Service) PublishState(ctx context.Context, path string) (*PublishState, error) {
	_, sc, err := s.scheduleOf(path)
	if err != nil {
		return nil, err
	}
	st := stateOf(path, sc)
	if sc == nil {
		return st, nil
	}
	sch, err := s.scheduling()
	if err != nil {
		st.Problem = backend.ErrorMessage(err)
		return st, nil
	}
	pub, _, err := sch.Publisher(ctx)
	if err != nil {
		st.Problem = backend.ErrorMessage(err)
		return st, nil
	}
	s.liveState(ctx, pub, st)
	return st, nil
}

func (s *Service) liveState(ctx context.Context, pub *publish.Publisher, st *PublishState) {
	dag, err := pub.Airflow.DAG(ctx, st.DagID)
	if airflow.IsNotFound(err) {
		st.Problem = fmt.Sprintf("Airflow has no DAG %s any more: publish the notebook again", st.DagID)
		return
	}
	if err != nil {
		st.Problem = backend.ErrorMessage(err)
		return
	}
	st.Paused, st.NextRun = dag.Paused, dag.NextRunAfter
	if dag.HasTag(publish.TagBroken) {
		st.Problem = "Airflow's DAG factory rejected the spec: " + strings.TrimPrefix(dag.Description, "broken spec: ")
	}
	if list, err := pub.Airflow.DAGRuns(ctx, st.DagID, 1); err == nil && len(list) > 0 {
		st.LastState = list[0].State
		st.LastRunAt = firstTime(list[0].StartDate, list[0].RunAfter, list[0].QueuedAt)
	}
}

func firstTime(ts ...*time.Time) *time.Time {
	for _, t := range ts {
		if t != nil {
			return t
		}
	}
	return nil
}

// PublishedNotebooks lists the workspace's published notebooks with their
// state in Airflow, so the notebook list can flag a failed scheduled run.
func (s *Service) PublishedNotebooks(ctx context.Context) ([]PublishState, error) {
	entries, err := s.ListNotebooks(ctx)
	if err != nil {
		return nil, err
	}
	out := []PublishState{}
	var pub *publish.Publisher
	var pubErr error
	if sch, err := s.scheduling(); err == nil {
		pub, _, pubErr = sch.Publisher(ctx)
	}
	for _, e := range entries {
		_, sc, err := s.scheduleOf(e.Path)
		if err != nil || sc == nil {
			continue
		}
		st := stateOf(e.Path, sc)
		switch {
		case pub != nil:
			s.liveState(ctx, pub, st)
		case pubErr != nil:
			st.Problem = backend.ErrorMessage(pubErr)
		}
		out = append(out, *st)
	}
	return out, nil
}

// publishedDAG is the publisher and DAG of a published notebook.
func (s *Service) publishedDAG(ctx context.Context, path string) (*publish.Publisher, lake.Storage, string, *notebook.Schedule, error) {
	abs, sc, err := s.scheduleOf(path)
	if err != nil {
		return nil, nil, "", nil, err
	}
	if sc == nil {
		return nil, nil, "", nil, backend.Errorf(backend.EINVALID, "%s is not published", path)
	}
	sch, err := s.scheduling()
	if err != nil {
		return nil, nil, "", nil, err
	}
	pub, outputs, err := sch.Publisher(ctx)
	if err != nil {
		return nil, nil, "", nil, err
	}
	return pub, outputs, abs, sc, nil
}

// RunNow starts a scheduled run of a published notebook at once.
func (s *Service) RunNow(ctx context.Context, path string) (*runs.Record, error) {
	pub, _, _, sc, err := s.publishedDAG(ctx, path)
	if err != nil {
		return nil, err
	}
	run, err := pub.Airflow.Trigger(ctx, sc.DagID, nil)
	if err != nil {
		return nil, fmt.Errorf("run %s now: %w", path, err)
	}
	return scheduledRecord(s.rel(filepath.Join(s.cfg.Notebooks, path)), run), nil
}

// SetPublishedPaused pauses or resumes a published notebook's schedule.
func (s *Service) SetPublishedPaused(ctx context.Context, path string, paused bool) (*PublishState, error) {
	pub, _, _, sc, err := s.publishedDAG(ctx, path)
	if err != nil {
		return nil, err
	}
	if _, err := pub.Airflow.SetPaused(ctx, sc.DagID, paused); err != nil {
		return nil, err
	}
	st := stateOf(path, sc)
	s.liveState(ctx, pub, st)
	return st, nil
}

// Unpublish removes the notebook from Airflow; its past scheduled runs
// stay in its history.
func (s *Service) Unpublish(ctx context.Context, path string) (*PublishState, error) {
	pub, _, abs, sc, err := s.publishedDAG(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := pub.Unpublish(ctx, sc.DagID); err != nil {
		return nil, err
	}
	if err := s.setSchedule(abs, nil); err != nil {
		return nil, err
	}
	return stateOf(path, nil), nil
}

// scheduledRecord is a run record made from Airflow's view of a DAG run,
// for a run whose own record is not (yet) written.
func scheduledRecord(nb string, r *airflow.DAGRun) *runs.Record {
	rec := &runs.Record{
		ID: scheduledID(r.DAGID, r.ID), Notebook: nb, Mode: "scheduled", Status: airflowStatus(r.State),
		Parameters: map[string]any{}, Cells: []runs.Cell{}, Reads: []string{}, Writes: []string{},
		Scheduled: &runs.Scheduled{DagID: r.DAGID, RunID: r.ID, Try: 1, State: r.State},
	}
	if t := firstTime(r.StartDate, r.QueuedAt, r.RunAfter); t != nil {
		rec.StartedAt = *t
	}
	if r.EndDate != nil {
		rec.FinishedAt = *r.EndDate
		rec.DurationMs = r.EndDate.Sub(rec.StartedAt).Milliseconds()
	}
	return rec
}

func airflowStatus(state string) string {
	switch state {
	case "success":
		return runs.OK
	case "failed":
		return runs.Failed
	}
	return runs.Running
}

const scheduledPrefix = "scheduled:"

func scheduledID(dagID, runID string) string { return scheduledPrefix + dagID + "/" + runID }

// scheduledRuns merges the records scheduled runs wrote with Airflow's
// runs of the DAG (queued, running, or dead before writing one).
func (s *Service) scheduledRuns(ctx context.Context, rel string, sc *notebook.Schedule) ([]*runs.Record, error) {
	sch, err := s.scheduling()
	if err != nil {
		return nil, nil
	}
	pub, outputs, err := sch.Publisher(ctx)
	if err != nil {
		return nil, nil // the local history still shows
	}
	written, err := publish.ScheduledRuns(ctx, outputs, sc.DagID)
	if err != nil && !errors.Is(err, lake.ErrOffline) {
		return nil, err
	}
	byRun := map[string]*runs.Record{}
	for _, rec := range written {
		rec.ID = scheduledID(sc.DagID, rec.Scheduled.RunID)
		rec.Notebook = rel // the worker ran the snapshot; the history is the notebook's
		byRun[rec.Scheduled.RunID] = rec
	}
	var out []*runs.Record
	if list, err := pub.Airflow.DAGRuns(ctx, sc.DagID, 50); err == nil {
		for i := range list {
			r := &list[i]
			if rec := byRun[r.ID]; rec != nil {
				rec.Scheduled.State = r.State
				// A run that wrote its record but was then failed by
				// Airflow (a timeout) is failed.
				if r.State == "failed" && rec.Status == runs.OK {
					rec.Status = runs.Failed
				}
				out = append(out, rec)
				delete(byRun, r.ID)
				continue
			}
			out = append(out, scheduledRecord(rel, r))
		}
	}
	for _, rec := range byRun { // the DAG was removed; its runs stay
		out = append(out, rec)
	}
	return out, nil
}

// ScheduledLog is the Airflow task log of a scheduled run (its last try).
func (s *Service) ScheduledLog(ctx context.Context, path, runID string) (string, error) {
	pub, _, _, sc, err := s.publishedDAG(ctx, path)
	if err != nil {
		return "", err
	}
	tasks, err := pub.Airflow.TaskInstances(ctx, sc.DagID, runID)
	if err != nil {
		return "", err
	}
	try := 1
	for _, t := range tasks {
		if t.TaskID == publish.TaskID && t.Try > 0 {
			try = t.Try
		}
	}
	return pub.Airflow.TaskLog(ctx, sc.DagID, runID, publish.TaskID, try)
}

// openScheduledRun opens a scheduled run's output notebook, read-only.
func (s *Service) openScheduledRun(ctx context.Context, id string) (*OpenedNotebook, error) {
	dagID, runID, ok := strings.Cut(strings.TrimPrefix(id, scheduledPrefix), "/")
	if !ok {
		return nil, backend.Errorf(backend.ENOTFOUND, "no run %q", id)
	}
	sch, err := s.scheduling()
	if err != nil {
		return nil, err
	}
	_, outputs, err := sch.Publisher(ctx)
	if err != nil {
		return nil, err
	}
	data, err := publish.ScheduledOutput(ctx, outputs, dagID, runID)
	if err != nil {
		return nil, backend.Errorf(backend.ENOTFOUND, "scheduled run %s has no output notebook yet: %v", runID, err)
	}
	nb, err := notebook.Parse("output.ipynb", data)
	if err != nil {
		return nil, err
	}
	opened := &OpenedNotebook{Path: runID, Cells: cellsOf(nb), ReadOnly: true, Outputs: map[string]*CellOutput{}, States: papermillStates(nb)}
	for _, c := range nb.Cells {
		if outs := c.Outputs(); len(outs) > 0 {
			opened.Outputs[c.ID] = outputOf(c, outs)
		}
	}
	return opened, nil
}
