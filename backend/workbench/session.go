package workbench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sync"

	"smallfry/backend"
	"smallfry/backend/bridge"
	"smallfry/backend/cluster"
	"smallfry/backend/duckdb"
	"smallfry/backend/notebook"
)

// session is one open notebook: the file's model, a DuckDB session (opened
// on first use) and the cells' runtime state.
type session struct {
	id     string
	svc    *Service
	client string // the browser tab that opened it (backend.ClientOf), or ""

	mu      sync.Mutex
	path    string             // the notebook file, absolute
	file    *notebook.Notebook // as saved, without outputs the file did not have
	outputs map[string][]json.RawMessage
	results map[string]duckdb.Table // unnamed results by cell, dropped on rerun
	live    map[string]*CellOutput  // what each cell last produced in this session
	states  map[string]*CellState   // each cell's last status in this session
	count   int                     // the last execution count given
	db      *duckdb.Session
	py      *bridge.Bridge     // the Python side, set up on first use
	pyVars  map[string]bool    // globals the cells that ran in its kernel bound
	cancel  context.CancelFunc // the running job's, nil when idle
	runID   string             // the running job's run, once it has a record
	closed  bool
	conns   map[string]*cluster.Conn // by cluster name, dialed on first use
}

func newSessionID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// duck returns the session's DuckDB, opening it on first use.
func (ss *session) duck(ctx context.Context) (*duckdb.Session, error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed {
		return nil, backend.Errorf(backend.ENOTFOUND, "the notebook was closed")
	}
	if ss.db == nil {
		db, err := ss.svc.cfg.OpenSession(ctx)
		if err != nil {
			return nil, err
		}
		ss.db = db
	}
	return ss.db, nil
}

func (ss *session) close() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.closed = true
	if ss.cancel != nil {
		ss.cancel()
	}
	ss.closePython()
	ss.closeClusters()
	if ss.db != nil {
		// Close waits for a running cell, which the cancel above stops.
		ss.db.Close()
		ss.db = nil
	}
}

func (ss *session) renamed(from, to string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.path == from {
		ss.path = to
	}
}

// lookup finds an open session by id.
func (s *Service) lookup(id string) (*session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.sessions[id]
	if !ok {
		return nil, backend.Errorf(backend.ENOTFOUND, "no open notebook with session %q (it was closed or reopened elsewhere)", id)
	}
	return ss, nil
}

// OpenNotebook opens a notebook in a new session. The cells' last outputs
// come from the run history; unsaved edits left by a crash are restored.
// Opening a notebook that is already open ends its earlier session (one
// editor per file; a reloaded browser tab simply takes over).
func (s *Service) OpenNotebook(ctx context.Context, path string) (*OpenedNotebook, error) {
	abs, err := s.notebookPath(path)
	if err != nil {
		return nil, err
	}
	nb, err := notebook.ReadFile(abs)
	if err != nil {
		return nil, err
	}
	// A notebook from elsewhere that opening would refuse is repaired as a
	// save would repair it, in the editor only: the file changes when saved.
	var repairs []string
	if err := nb.Validate(); err != nil {
		if repairs = repairOpened(nb); repairs == nil {
			return nil, err
		}
	}
	if opened, err := s.resume(abs, path, backend.ClientOf(ctx)); opened != nil || err != nil {
		return opened, err
	}
	ss := &session{id: newSessionID(), svc: s, client: backend.ClientOf(ctx), path: abs, file: nb, outputs: map[string][]json.RawMessage{}, results: map[string]duckdb.Table{}}
	rel, _ := filepath.Rel(s.cfg.Root, abs)
	last, states, err := s.lastRun(abs, filepath.ToSlash(rel))
	if err != nil {
		return nil, err
	}
	opened := &OpenedNotebook{Session: ss.id, Path: path, Outputs: map[string]*CellOutput{}, States: map[string]*CellState{}, Repairs: repairs, Publish: publishOf(path, nb)}
	for id, st := range states {
		if nb.Cell(id) != nil {
			opened.States[id] = st
		}
	}
	ss.states = maps.Clone(opened.States)
	for id, outs := range last {
		if c := nb.Cell(id); c != nil {
			ss.outputs[id] = outs
			opened.Outputs[id] = outputOf(c, outs)
		}
	}
	opened.Runtime = runtimeOf(nb)
	draft, err := s.readDraft(abs)
	if err != nil {
		return nil, err
	}
	opened.Cells = cellsOf(nb)
	if draft != nil && !sameCells(opened.Cells, draft.Cells) {
		if err := applyCells(nb, draft.Cells); err != nil {
			return nil, fmt.Errorf("restore unsaved edits of %s: %w", path, err)
		}
		opened.Recovered = &Recovery{SavedAt: draft.SavedAt}
		opened.Unsaved = true
		opened.Cells = cellsOf(nb)
	}

	s.mu.Lock()
	var previous []*session
	for id, other := range s.sessions {
		other.mu.Lock()
		same := other.path == abs
		other.mu.Unlock()
		if same {
			previous = append(previous, other)
			delete(s.sessions, id)
		}
	}
	s.sessions[ss.id] = ss
	s.mu.Unlock()
	for _, p := range previous {
		p.close()
	}
	return opened, nil
}

// CloseNotebook ends a session: its running job is canceled and its
// results are freed. Unsaved edits stay in the autosave draft.
func (s *Service) CloseNotebook(ctx context.Context, session string) error {
	s.mu.Lock()
	ss, ok := s.sessions[session]
	delete(s.sessions, session)
	s.mu.Unlock()
	if ok {
		ss.close()
	}
	return nil
}

// SaveNotebook writes the editor's cells to the notebook file, atomically.
// Cells that were not edited keep their bytes; outputs are not written
// (they live in the run history). What opening or `smallfry run` would
// refuse is repaired first (repairCells) and said in Repairs, and the
// notebook is checked as opening checks it: a save never writes a file
// that cannot be opened again. The autosave draft is then dropped.
func (s *Service) SaveNotebook(ctx context.Context, session string, cells []CellData) (*SavedNotebook, error) {
	ss, err := s.lookup(session)
	if err != nil {
		return nil, err
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	cells, repairs := repairCells(cells)
	if err := ss.checkSave(cells); err != nil {
		return nil, err
	}
	if err := applyCells(ss.file, cells); err != nil {
		return nil, err
	}
	if err := s.writeNotebook(ss.path, ss.file); err != nil {
		return nil, err
	}
	if err := os.Remove(s.draftPath(ss.path)); err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("drop autosave draft: %w", err)
	}
	entry, err := s.entry(ss.path)
	if err != nil {
		return nil, err
	}
	saved := &SavedNotebook{NotebookEntry: *entry, Repairs: repairs}
	if len(repairs) > 0 {
		saved.Cells = cells
	}
	return saved, nil
}

// checkSave applies cells to a copy of the file and checks the copy as
// opening does, so a refused save leaves the session's model as it was.
// The caller holds ss.mu.
func (ss *session) checkSave(cells []CellData) error {
	data, err := ss.file.Marshal()
	if err != nil {
		return err
	}
	nb, err := notebook.Parse(ss.path, data)
	if err != nil {
		return err
	}
	for i, c := range nb.Cells {
		c.ID = ss.file.Cells[i].ID // ids the file does not keep (before nbformat 4.5)
	}
	if err := applyCells(nb, cells); err != nil {
		return err
	}
	if err := nb.Validate(); err != nil {
		return backend.Errorf(backend.EINVALID, "not saved, as it could not be opened again: %s", backend.ErrorMessage(err))
	}
	return nil
}

// applyCells makes nb's cells those of the editor, in the editor's order.
// Cells are matched by id, so an unedited cell keeps its bytes and its
// unknown metadata.
func applyCells(nb *notebook.Notebook, cells []CellData) error {
	byID := make(map[string]*notebook.Cell, len(nb.Cells))
	for _, c := range nb.Cells {
		byID[c.ID] = c
	}
	seen := make(map[string]bool, len(cells))
	out := make([]*notebook.Cell, 0, len(cells))
	for i, d := range cells {
		kind := notebook.Kind(d.Kind)
		switch kind {
		case notebook.KindSQL, notebook.KindPython, notebook.KindCode, notebook.KindMarkdown, notebook.KindRaw:
		default:
			return backend.Errorf(backend.EINVALID, "cell %d: unknown kind %q", i+1, d.Kind)
		}
		if d.ID == "" || seen[d.ID] {
			return backend.Errorf(backend.EINVALID, "cell %d: missing or repeated id %q", i+1, d.ID)
		}
		seen[d.ID] = true
		if d.Name != "" && (kind != notebook.KindSQL || !backend.IsIdentifier(d.Name)) {
			return backend.Errorf(backend.EINVALID, "cell %d: result name %q is not valid (a SQL cell's name: %s)", i+1, d.Name, backend.IdentifierRule)
		}
		if d.Name != "" && backend.IsSQLKeyword(d.Name) {
			return backend.Errorf(backend.EINVALID, "cell %d: result name %q is a SQL keyword, which later cells could not query by name; choose another, such as %s_result", i+1, d.Name, d.Name)
		}
		c := byID[d.ID]
		if c == nil {
			c = notebook.NewCell(kind, d.Source)
			c.ID = d.ID
		}
		c.Kind, c.Source, c.Name = kind, d.Source, d.Name
		if len(d.Tags) == 0 && len(c.Tags) == 0 {
			// keep nil vs empty as read, so the cell stays unedited
		} else {
			c.Tags = d.Tags
		}
		c.Meta.Chart = d.Chart
		c.Meta.Engine = d.Engine
		setOutputsCollapsed(c, d.Collapsed)
		out = append(out, c)
	}
	nb.Cells = out
	return nil
}

// cellsOf is the editor's view of a notebook's cells.
func cellsOf(nb *notebook.Notebook) []CellData {
	out := make([]CellData, 0, len(nb.Cells))
	for _, c := range nb.Cells {
		out = append(out, CellData{ID: c.ID, Kind: string(c.Kind), Source: c.Source, Name: c.Name, Tags: c.Tags, Chart: c.Meta.Chart, Engine: c.Meta.Engine, Collapsed: outputsCollapsed(c)})
	}
	return out
}

func sameCells(a, b []CellData) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
