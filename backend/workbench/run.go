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

	runID := ""
	emit := func(id, status string, elapsed time.Duration, out *CellOutput) {
		s.events.Emit(EventCell, CellEvent{Session: session, RunID: runID, CellID: id, Status: status, ElapsedMs: elapsed.Milliseconds(), Output: out})
	}
	started := map[string]time.Time{}
	var lastProgress time.Time
	py, err := ss.python(ctx, db)
	if err != nil {
		return nil, err
	}
	outcome, err := runner.RunCells(ctx, ss.env, db, nb, path, req.Run, runner.Options{
		Bridge: py,
		OnOutput: func(id string, o kernel.Output) {
			s.events.Emit(EventOutput, OutputEvent{Session: session, CellID: id, Output: o})
		},
		OnBegin: func(id string) {
			runID = id
			for _, id := range req.Run {
				if c := nb.Cell(id); c != nil && c.Kind.IsCode() && !c.IsParameters() {
					emit(id, StatusQueued, 0, nil)
				}
			}
		},
		OnStart: func(e runner.CellEvent) {
			started[e.ID] = time.Now()
			emit(e.ID, StatusRunning, 0, nil)
		},
		OnProgress: func(id string, p duckdb.Progress) {
			if time.Since(lastProgress) < 100*time.Millisecond {
				return
			}
			lastProgress = time.Now()
			s.events.Emit(EventProgress, ProgressEvent{Session: session, RunID: runID, CellID: id, Percent: p.Percent, ElapsedMs: time.Since(started[id]).Milliseconds()})
		},
		OnCell: func(e runner.CellEvent) {
			out := ss.finishCell(ctx, db, nb.Cell(e.ID), e)
			emit(e.ID, cellStatus(e.Status), e.Duration, out)
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

// Cancel stops the notebook's running job; DuckDB stops within a second.
// Canceling an idle notebook does nothing.
func (s *Service) Cancel(ctx context.Context, session string) error {
	ss, err := s.lookup(session)
	if err != nil {
		return err
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.cancel != nil {
		ss.cancel()
	}
	return nil
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
		}
	}
	ss.cancel = cancel
	return nb, ss.path, nil
}

func (ss *session) end() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.cancel = nil
}

// finishCell keeps a finished cell's outputs and live result, and drops
// the unnamed result it replaces.
func (ss *session) finishCell(ctx context.Context, db *duckdb.Session, c *notebook.Cell, e runner.CellEvent) *CellOutput {
	if c == nil || e.Status == runs.Skipped {
		return nil
	}
	outs := c.Outputs()
	out := outputOf(c, outs)
	out.ElapsedMs = e.Duration.Milliseconds()
	if e.Err != nil {
		out.Error = &CellErr{Message: backend.ErrorMessage(e.Err)}
		var se *duckdb.SQLError
		if errors.As(e.Err, &se) {
			out.Error.Line = se.Line
		}
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.outputs[c.ID] = outs
	old, hadOld := ss.results[c.ID]
	delete(ss.results, c.ID)
	if e.Result != nil && e.Result.HasRows() {
		t := e.Result.Table
		out.Result = &ResultRef{Schema: t.Schema, Table: t.Name, Columns: e.Result.Columns, Rows: e.Result.Rows}
		out.Preview = nil
		if t.Schema != "" {
			ss.results[c.ID] = t
		}
		if hadOld && old == t {
			hadOld = false
		}
	}
	if hadOld {
		_, _ = db.DB().ExecContext(ctx, "DROP TABLE IF EXISTS "+old.String())
	}
	return out
}

// outputOf is what the UI shows of a cell's outputs: Python cells' as the
// kernel gave them, SQL cells' read back into results.
func outputOf(c *notebook.Cell, outs []json.RawMessage) *CellOutput {
	if c.Kind == notebook.KindPython || c.Kind == notebook.KindCode {
		return &CellOutput{Jupyter: outs}
	}
	return outputFromJupyter(outs)
}

// outputFromJupyter reads what the UI shows from a cell's Jupyter outputs
// (as the runner writes them): the table bundle's rows as a preview, the
// stream text, the error.
func outputFromJupyter(outs []json.RawMessage) *CellOutput {
	out := &CellOutput{}
	for _, raw := range outs {
		var o struct {
			OutputType string          `json:"output_type"`
			Text       json.RawMessage `json:"text"`
			Ename      string          `json:"ename"`
			Evalue     string          `json:"evalue"`
			Data       map[string]json.RawMessage
			Metadata   struct {
				Smallfry struct {
					Rows    int64           `json:"rows"`
					Columns []duckdb.Column `json:"columns"`
				} `json:"smallfry"`
			} `json:"metadata"`
		}
		if json.Unmarshal(raw, &o) != nil {
			continue
		}
		switch o.OutputType {
		case "stream":
			out.Text += multiline(o.Text)
		case "error":
			out.Error = &CellErr{Message: o.Evalue}
		case "execute_result", "display_data":
			if _, ok := o.Data[runner.VegaLiteMIME]; ok {
				continue // the chart: the UI draws it from the cell's spec
			}
			if bundle, ok := o.Data[runner.TableMIME]; ok {
				out.Preview = previewOf(bundle, o.Metadata.Smallfry.Columns, o.Metadata.Smallfry.Rows)
			} else if text, ok := o.Data["text/plain"]; ok {
				out.Text += multiline(text)
			}
		}
	}
	return out
}

// multiline reads nbformat's string-or-list-of-lines text.
func multiline(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var lines []string
	_ = json.Unmarshal(raw, &lines)
	text := ""
	for _, l := range lines {
		text += l
	}
	return text
}

func previewOf(bundle json.RawMessage, cols []duckdb.Column, total int64) *Preview {
	var b struct {
		Schema struct {
			Fields []struct {
				Name string `json:"name"`
				Type string `json:"type"`
			} `json:"fields"`
		} `json:"schema"`
		Data []map[string]any `json:"data"`
	}
	if json.Unmarshal(bundle, &b) != nil {
		return nil
	}
	if len(cols) != len(b.Schema.Fields) {
		cols = make([]duckdb.Column, len(b.Schema.Fields))
		for i, f := range b.Schema.Fields {
			cols[i] = duckdb.Column{Name: f.Name, Type: f.Type}
		}
	}
	p := &Preview{Columns: cols, Rows: make([][]any, len(b.Data)), TotalRows: total}
	for i, row := range b.Data {
		r := make([]any, len(cols))
		for j, c := range cols {
			r[j] = row[c.Name]
		}
		p.Rows[i] = r
	}
	if p.TotalRows < int64(len(p.Rows)) {
		p.TotalRows = int64(len(p.Rows))
	}
	return p
}
