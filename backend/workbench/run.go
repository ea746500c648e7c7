package workbench

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"time"

	"smallfry/backend"
	"smallfry/backend/duckdb"
	"smallfry/backend/kernel"
	"smallfry/backend/notebook"
	"smallfry/backend/outputs"
	"smallfry/backend/runner"
	"smallfry/backend/runs"
)

// RunCells runs cells of an open notebook as the editor shows them (saved
// or not) on the notebook's DuckDB session. Each cell's status, progress
// and output are pushed as events while the call lasts; it returns when the
// run ends, with its final status. Like every run it leaves a record in the
// run history, whose output notebook holds every cell's latest output.
func (s *Service) RunCells(ctx context.Context, session string, req RunRequest) (*RunSummary, error) {
	ss, err := s.lookup(session)
	if err != nil {
		return nil, err
	}
	if len(req.Params) > 0 {
		return nil, backend.Errorf(backend.EINVALID, "interactive runs take their parameters from the parameters cell; edit it instead")
	}
	db, err := ss.duck(ctx)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	nb, path, err := ss.begin(req, cancel)
	if err != nil {
		return nil, err
	}
	defer ss.end()
	// A cell never fails for a named result this session has not made yet
	// (the notebook was just opened): the cells defining it run first.
	ids, err := ss.prerequisites(ctx, db, nb, req.Run)
	if err != nil {
		return nil, err
	}

	runID := ""
	emit := func(id, status string, elapsed time.Duration, out *CellOutput, count int) {
		s.events.Emit(EventCell, CellEvent{Session: session, RunID: runID, CellID: id, Status: status, ElapsedMs: elapsed.Milliseconds(), Output: out, ExecutionCount: count})
	}
	started := map[string]time.Time{}
	var throttle backend.Throttle
	engines, offload := s.engines(ss, db)
	estimates := map[string]*runner.Estimate{}
	if offload != nil {
		offload.Download = map[string]bool{}
		for _, id := range req.Download {
			offload.Download[id] = true
		}
		offload.OnEstimate = func(id string, e runner.Estimate) { estimates[id] = &e }
	}
	outcome, err := runner.RunCells(ctx, s.runEnv(), db, nb, path, ids, runner.Options{
		Engines: engines,
		Offload: offload,
		Python:  func(ctx context.Context, _ string) (runner.Python, error) { return ss.python(ctx, db) },
		Count:   ss.nextCount,
		OnOutput: func(id string, o kernel.Output) {
			s.events.Emit(EventOutput, OutputEvent{Session: session, CellID: id, Output: o})
		},
		OnBegin: func(id string) {
			runID = id
			ss.mu.Lock()
			ss.runID = id
			ss.mu.Unlock()
			for _, id := range ids {
				if c := nb.Cell(id); c != nil && c.Kind.IsCode() && !c.IsParameters() {
					ss.setState(id, &CellState{Status: StatusQueued}, nil, false)
					emit(id, StatusQueued, 0, nil, 0)
				}
			}
		},
		OnStart: func(e runner.CellEvent) {
			started[e.ID] = time.Now()
			ss.setState(e.ID, &CellState{Status: StatusRunning, ExecutionCount: e.Count}, nil, false)
			emit(e.ID, StatusRunning, 0, nil, e.Count)
		},
		OnProgress: func(id string, p duckdb.Progress) {
			if !throttle.Allow(false) {
				return
			}
			s.events.Emit(EventProgress, ProgressEvent{Session: session, RunID: runID, CellID: id, Percent: p.Percent, ElapsedMs: time.Since(started[id]).Milliseconds(), Downloaded: p.Downloaded, DownloadTotal: p.DownloadTotal, Detail: p.Detail})
		},
		OnCell: func(e runner.CellEvent) {
			if c := nb.Cell(e.ID); c != nil && e.Status == runs.OK {
				ss.ranPython(c)
			}
			out := ss.finishCell(ctx, db, nb.Cell(e.ID), e)
			if out != nil {
				out.Estimate = estimates[e.ID]
			}
			ss.setState(e.ID, &CellState{Status: cellStatus(e.Status), ElapsedMs: e.Duration.Milliseconds(), ExecutionCount: e.Count}, out, true)
			emit(e.ID, cellStatus(e.Status), e.Duration, out, e.Count)
		},
	})
	if err != nil {
		return nil, err
	}
	rec := outcome.Record
	sum := &RunSummary{RunID: rec.ID, Status: rec.Status, Error: rec.Error, DurationMs: rec.DurationMs}
	s.events.Emit(EventRun, RunEvent{Session: session, RunSummary: *sum})
	return sum, nil
}

// Cancel stops a run (by the id its cell events carry): DuckDB stops
// within a second, a Python cell is interrupted. Canceling a run that has
// finished does nothing; an unknown run is an error.
func (s *Service) Cancel(ctx context.Context, runID string) error {
	s.mu.Lock()
	var found *session
	for _, ss := range s.sessions {
		ss.mu.Lock()
		if ss.runID == runID && ss.cancel != nil {
			ss.cancel()
			found = ss
		}
		ss.mu.Unlock()
	}
	s.mu.Unlock()
	if found != nil {
		return nil
	}
	if _, err := s.cfg.Runs.Load(runID); err != nil {
		return backend.Errorf(backend.ENOTFOUND, "no run %q to cancel", runID)
	}
	return nil // it has already finished
}

func cellStatus(runStatus string) string {
	switch runStatus {
	case runs.OK:
		return StatusDone
	case runs.Failed:
		return StatusError
	case runs.Canceled:
		return StatusCanceled
	case runs.Skipped:
		return StatusSkipped
	}
	return runStatus
}

// begin marks the session busy and builds the run's notebook: the saved
// model with the editor's cells applied and the cells' latest outputs.
func (ss *session) begin(req RunRequest, cancel context.CancelFunc) (*notebook.Notebook, string, error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.cancel != nil {
		return nil, "", backend.Errorf(backend.ECONFLICT, "%s is already running; wait for it or cancel it", filepath.Base(ss.path))
	}
	data, err := ss.file.Marshal()
	if err != nil {
		return nil, "", err
	}
	nb, err := notebook.Parse(ss.path, data)
	if err != nil {
		return nil, "", err
	}
	// Notebooks before nbformat 4.5 do not save ids: give the copy the ids
	// the editor knows.
	for i, c := range nb.Cells {
		c.ID = ss.file.Cells[i].ID
	}
	if err := applyCells(nb, req.Cells); err != nil {
		return nil, "", err
	}
	for _, c := range nb.Cells {
		if outs, ok := ss.outputs[c.ID]; ok && c.Kind.IsCode() {
			list := make([]any, len(outs))
			for i, o := range outs {
				list[i] = o
			}
			c.SetOutputs(list)
			if st := ss.states[c.ID]; st != nil && st.ExecutionCount > 0 {
				n := st.ExecutionCount
				c.SetExecutionCount(&n)
			}
		}
	}
	ss.cancel = cancel
	return nb, ss.path, nil
}

func (ss *session) end() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.cancel, ss.runID = nil, ""
}

// finishCell keeps a finished cell's outputs and live result, and drops
// the unnamed result it replaces.
func (ss *session) finishCell(ctx context.Context, db *duckdb.Session, c *notebook.Cell, e runner.CellEvent) *CellOutput {
	if c == nil {
		return nil
	}
	if e.Status == runs.Skipped {
		// Not run: what it showed no longer follows from the cells above.
		ss.mu.Lock()
		delete(ss.outputs, c.ID)
		ss.mu.Unlock()
		return nil
	}
	outs := c.Outputs()
	out := &CellOutput{ElapsedMs: e.Duration.Milliseconds(), Text: e.Text}
	if c.Kind == notebook.KindPython || c.Kind == notebook.KindCode {
		out.Jupyter = outs
	}
	if e.Err != nil {
		out.Error = &CellErr{Message: backend.ErrorMessage(e.Err)}
		var se *duckdb.SQLError
		var pe *runner.PythonError
		switch {
		case errors.As(e.Err, &se):
			out.Error.Line = se.Line
		case errors.As(e.Err, &pe):
			out.Error.Line = tracebackLine(outs)
		}
		var oe *runner.OffloadError
		if errors.As(e.Err, &oe) {
			out.Error.Offload = &OffloadOffer{ToDownload: oe.ToDownload, Bytes: oe.Bytes, Threshold: oe.Threshold, Clusters: oe.Clusters}
		}
	}
	if r := e.Result; r != nil && r.Engine != "" {
		out.Engine, out.Operation, out.BytesReturned = r.Engine, r.Operation, r.BytesReturned
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.outputs[c.ID] = outs
	old, hadOld := ss.results[c.ID]
	delete(ss.results, c.ID)
	if e.Result != nil && e.Result.HasRows() {
		t := e.Result.Table
		out.Result = &ResultRef{Schema: t.Schema, Table: t.Name, Columns: e.Result.Columns, Rows: e.Result.Rows}
		if t.Schema != "" {
			ss.results[c.ID] = t
		}
		if hadOld && old == t {
			hadOld = false
		}
	}
	if hadOld {
		_ = db.Drop(ctx, old) // a leftover only costs memory until the session ends
	}
	return out
}

// outputOf is what the UI shows of a cell's saved outputs (from the run
// history): Python cells' as the kernel gave them, SQL cells' read back
// into a preview, text and error.
func outputOf(c *notebook.Cell, outs []json.RawMessage) *CellOutput {
	if c.Kind == notebook.KindPython || c.Kind == notebook.KindCode {
		return &CellOutput{Jupyter: outs}
	}
	sum := outputs.Read(outs)
	out := &CellOutput{Preview: sum.Preview, Chart: sum.Chart, Text: sum.Text}
	if sum.Error != "" {
		out.Error = &CellErr{Message: sum.Error}
	}
	return out
}
