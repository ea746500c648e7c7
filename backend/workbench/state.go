package workbench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"smallfry/backend"
	"smallfry/backend/duckdb"
	"smallfry/backend/notebook"
	"smallfry/backend/runner"
	"smallfry/backend/runs"
)

// A session outlives the view that opened it: switching to another
// notebook and back resumes it, with its live results and the cells'
// states, so what the grids show is what the session holds.

// setState keeps a cell's latest state, and with keep its output.
func (ss *session) setState(id string, st *CellState, out *CellOutput, keep bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.states == nil {
		ss.states = map[string]*CellState{}
	}
	if ss.live == nil {
		ss.live = map[string]*CellOutput{}
	}
	ss.states[id] = st
	if keep {
		if out == nil {
			delete(ss.live, id)
		} else {
			ss.live[id] = out
		}
	}
}

// nextCount is the execution count of the session's next cell run.
func (ss *session) nextCount() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.count++
	return ss.count
}

// prerequisites adds to ids the cells defining the named results and the
// Python variables they read that the session does not have
// (runner.Prerequisites).
func (ss *session) prerequisites(ctx context.Context, db *duckdb.Session, nb *notebook.Notebook, ids []string) ([]string, error) {
	tables, err := db.NamedTables(ctx)
	if err != nil {
		return nil, fmt.Errorf("find the results the cells read: %w", err)
	}
	have := make(map[string]bool, len(tables))
	for _, t := range tables {
		have[strings.ToLower(t.Name)] = true
	}
	ss.mu.Lock()
	vars := maps.Clone(ss.pyVars)
	ss.mu.Unlock()
	return runner.Prerequisites(nb, ids, runner.Have{
		Result: func(name string) bool { return have[strings.ToLower(name)] },
		Var:    func(name string) bool { return vars[name] },
	}), nil
}

// ranPython notes the globals a Python cell that ran to its end bound in
// the session's kernel.
func (ss *session) ranPython(c *notebook.Cell) {
	names := runner.PythonBindings(c)
	if len(names) == 0 {
		return
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.pyVars == nil {
		ss.pyVars = map[string]bool{}
	}
	for _, n := range names {
		ss.pyVars[n] = true
	}
}

// forgetPython forgets the kernel's globals: it restarted or stopped.
// The caller holds ss.mu.
func (ss *session) forgetPython() {
	ss.pyVars = nil
}

// resume returns the open session of a notebook file as OpenedNotebook,
// nil when it has none.
func (s *Service) resume(abs, path, client string) (*OpenedNotebook, error) {
	s.mu.Lock()
	var ss *session
	for _, other := range s.sessions {
		other.mu.Lock()
		if other.path == abs && !other.closed {
			ss = other
		}
		other.mu.Unlock()
	}
	if ss != nil {
		// The tab that opens it now owns it: closing the tab that opened it
		// first must not end what this one shows.
		ss.client = client
	}
	s.mu.Unlock()
	if ss == nil {
		return nil, nil
	}
	disk, err := notebook.ReadFile(abs)
	if err != nil {
		return nil, err
	}
	draft, err := s.readDraft(abs)
	if err != nil {
		return nil, err
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	opened := &OpenedNotebook{Session: ss.id, Path: path, Resumed: true, Runtime: runtimeOf(ss.file), Outputs: map[string]*CellOutput{}, States: maps.Clone(ss.states), Publish: publishOf(path, ss.file)}
	opened.Cells = cellsOf(ss.file)
	if draft != nil {
		opened.Cells = draft.Cells
	}
	opened.Unsaved = !sameCells(opened.Cells, cellsOf(disk))
	for _, c := range ss.file.Cells {
		if out, ok := ss.live[c.ID]; ok {
			opened.Outputs[c.ID] = out
		} else if outs, ok := ss.outputs[c.ID]; ok && len(outs) > 0 {
			opened.Outputs[c.ID] = outputOf(c, outs)
		}
	}
	return opened, nil
}

// lastRun is what the latest finished run of a notebook (path as recorded)
// left: every cell's outputs and state, less what the user cleared since.
func (s *Service) lastRun(abs, rel string) (map[string][]json.RawMessage, map[string]*CellState, error) {
	list, err := s.cfg.Runs.List(rel)
	if err != nil {
		return nil, nil, err
	}
	cleared, err := s.readCleared(abs)
	if err != nil {
		return nil, nil, err
	}
	for _, rec := range list {
		if rec.Status == runs.Running {
			continue
		}
		nb, err := notebook.ReadFile(s.cfg.Runs.OutputPath(rec.ID))
		if err != nil {
			continue // a record without a readable output (a crash) is skipped
		}
		outs, states := map[string][]json.RawMessage{}, statesOf(rec, nb)
		for _, c := range nb.Cells {
			if o := c.Outputs(); len(o) > 0 {
				outs[c.ID] = o
			}
		}
		for id, at := range cleared {
			if at.After(rec.StartedAt) {
				delete(outs, id)
				delete(states, id)
			}
		}
		return outs, states, nil
	}
	return nil, nil, nil
}

// statesOf is the cells' states a run's record and output notebook tell:
// the cells the run ran or skipped with their timings, the others that
// hold outputs of an earlier run as done, with their execution counts.
func statesOf(rec *runs.Record, nb *notebook.Notebook) map[string]*CellState {
	states := map[string]*CellState{}
	for _, rc := range rec.Cells {
		states[rc.ID] = &CellState{Status: cellStatus(rc.Status), ElapsedMs: rc.DurationMs}
	}
	for _, c := range nb.Cells {
		if !c.Kind.IsCode() {
			continue
		}
		n := c.ExecutionCount()
		st, ok := states[c.ID]
		if !ok && (n == nil || len(c.Outputs()) == 0) {
			continue
		}
		if !ok {
			st = &CellState{Status: StatusDone, ElapsedMs: -1} // ran before this run: its time is that run's
			states[c.ID] = st
		}
		if n != nil && st.Status != StatusSkipped {
			st.ExecutionCount = *n
		}
	}
	return states
}

// DiscardDraft drops the notebook's unsaved edits (the autosave draft, a
// recovered one too) and returns the cells as the file has them.
func (s *Service) DiscardDraft(ctx context.Context, session string) ([]CellData, error) {
	ss, err := s.lookup(session)
	if err != nil {
		return nil, err
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	nb, err := notebook.ReadFile(ss.path)
	if err != nil {
		return nil, err
	}
	if err := os.Remove(s.draftPath(ss.path)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("discard unsaved changes: %w", err)
	}
	ss.file = nb
	return cellsOf(nb), nil
}

// ClearOutputs clears cells' outputs: the session forgets them (a cell's
// unnamed result is dropped; a named one stays, later cells read it), and
// reopening the notebook no longer shows what earlier runs left for them.
func (s *Service) ClearOutputs(ctx context.Context, session string, cells []string) error {
	ss, err := s.lookup(session)
	if err != nil {
		return err
	}
	ss.mu.Lock()
	if ss.cancel != nil {
		ss.mu.Unlock()
		return backend.Errorf(backend.ECONFLICT, "%s is running; clear outputs when the run ends", filepath.Base(ss.path))
	}
	var drop []duckdb.Table
	for _, id := range cells {
		delete(ss.outputs, id)
		delete(ss.live, id)
		delete(ss.states, id)
		if t, ok := ss.results[id]; ok {
			drop = append(drop, t)
			delete(ss.results, id)
		}
	}
	path, db := ss.path, ss.db
	ss.mu.Unlock()
	for _, t := range drop {
		if db != nil {
			_ = db.Drop(ctx, t) // a leftover only costs memory until the session ends
		}
	}
	return s.markCleared(path, cells, time.Now().UTC())
}

// The cells whose outputs were cleared, and when, by notebook file: runs
// older than that no longer give them outputs when the notebook opens.
type clearedFile struct {
	Path  string               `json:"path"`
	Cells map[string]time.Time `json:"cells"`
}

func (s *Service) clearedPath(notebookFile string) string {
	return strings.Replace(s.draftPath(notebookFile), filepath.Join(".smallfry", "drafts"), filepath.Join(".smallfry", "cleared"), 1)
}

func (s *Service) readCleared(notebookFile string) (map[string]time.Time, error) {
	data, err := os.ReadFile(s.clearedPath(notebookFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read cleared outputs: %w", err)
	}
	var f clearedFile
	if json.Unmarshal(data, &f) != nil || f.Path != notebookFile {
		return nil, nil // another file's (a hash collision) or damaged: nothing was cleared
	}
	return f.Cells, nil
}

func (s *Service) markCleared(notebookFile string, cells []string, at time.Time) error {
	have, err := s.readCleared(notebookFile)
	if err != nil {
		return err
	}
	f := clearedFile{Path: notebookFile, Cells: map[string]time.Time{}}
	maps.Copy(f.Cells, have)
	for _, id := range cells {
		f.Cells[id] = at
	}
	data, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("clear outputs: %w", err)
	}
	// Through the workspace's Files: a link planted in .smallfry/ leads
	// nowhere outside.
	if err := s.files().WriteAtomic(s.wsRel(s.clearedPath(notebookFile)), data, 0o600); err != nil {
		return fmt.Errorf("clear outputs: %w", err)
	}
	return nil
}

// The line a Python traceback places the error on in the cell: IPython
// names the cell "Cell In[n], line L" (8.x) or <ipython-input-…> (older).
var (
	ansi         = regexp.MustCompile(`\x1b\[[0-9;]*m`)
	cellLineRe   = regexp.MustCompile(`(?:Cell In\s*\[\d*\]|File "<ipython-input-[^"]*>"|Input In \[\d*\]),\s*line (\d+)`)
	syntaxLineRe = regexp.MustCompile(`File "<[^"]*>", line (\d+)`)
	// IPython 7 names the frame <ipython-input-…> and points at the line: ----> 2
	oldFrameRe = regexp.MustCompile(`<ipython-input-[^>]*>[^\n]*\n(?:[^\n]*\n)*?\s*-+>\s*(\d+)`)
)

// tracebackLine finds the cell's line in the error output of a Python
// cell's outputs; 0 when the traceback does not say (the error is raised
// in a library called from the cell's last line, say, names only files).
func tracebackLine(outs []json.RawMessage) int {
	for _, raw := range outs {
		var o struct {
			OutputType string   `json:"output_type"`
			Traceback  []string `json:"traceback"`
		}
		if json.Unmarshal(raw, &o) != nil || o.OutputType != "error" {
			continue
		}
		text := ansi.ReplaceAllString(strings.Join(o.Traceback, "\n"), "")
		// The cell's frame comes first; frames inside libraries follow.
		for _, re := range []*regexp.Regexp{cellLineRe, syntaxLineRe, oldFrameRe} {
			if m := re.FindStringSubmatch(text); m != nil {
				n, _ := strconv.Atoi(m[1])
				return n
			}
		}
	}
	return 0
}

// papermillStates is the cells' states an output notebook's papermill
// metadata tells (a scheduled run's, which has no local record): each code
// cell's status and duration, "pending" being not run. The parameters
// cells, which papermill marks completed, are not runs of their own.
func papermillStates(nb *notebook.Notebook) map[string]*CellState {
	states := map[string]*CellState{}
	for _, c := range nb.Cells {
		if !c.Kind.IsCode() || c.IsParameters() || c.IsInjectedParameters() {
			continue
		}
		raw, ok := c.Metadata("papermill")
		if !ok {
			continue
		}
		var pm struct {
			Duration  *float64 `json:"duration"`
			Status    string   `json:"status"`
			Exception *bool    `json:"exception"`
		}
		if json.Unmarshal(raw, &pm) != nil {
			continue
		}
		st := &CellState{Status: StatusDone, ElapsedMs: -1}
		switch {
		case pm.Status == "pending":
			st.Status, st.ElapsedMs = StatusSkipped, 0
		case pm.Status == "failed" || pm.Exception != nil && *pm.Exception:
			st.Status = StatusError
		}
		if pm.Duration != nil && st.Status != StatusSkipped {
			st.ElapsedMs = int64(*pm.Duration * 1000)
		}
		if n := c.ExecutionCount(); n != nil && st.Status != StatusSkipped {
			st.ExecutionCount = *n
		}
		states[c.ID] = st
	}
	return states
}
