package workbench

import (
	"context"
	"time"

	"smallfry/backend/bridge"
	"smallfry/backend/duckdb"
)

// EventKernel carries KernelEvent: the session's Python kernel changed state.
const EventKernel = "kernel"

// KernelEvent reports the state of a session's kernel: none, starting,
// idle, busy, restarting or dead (bridge.State*).
type KernelEvent struct {
	Session string `json:"session"`
	State   string `json:"state"`
}

// Variables is what a session holds now: its named results and the
// Python kernel's global variables.
type Variables struct {
	Results []duckdb.ResultSize `json:"results"`
	// Python is nil when there is no kernel, or it is busy (Kernel says
	// which); a kernel is never started to answer.
	Python []bridge.Variable `json:"python"`
	Kernel string            `json:"kernel"`
	// PythonError says why the kernel's variables could not be listed.
	PythonError string `json:"pythonError,omitempty"`
}

// variablesTimeout bounds the kernel's answer: a slow __repr__ must not
// hold the panel.
const variablesTimeout = 5 * time.Second

// Variables lists the session's live named results (name, rows, columns)
// and, if its kernel runs and is idle, Python's variables (name, type,
// short repr), asked with a silent execution.
func (s *Service) Variables(ctx context.Context, session string) (*Variables, error) {
	ss, err := s.lookup(session)
	if err != nil {
		return nil, err
	}
	ss.mu.Lock()
	db, py := ss.db, ss.py
	ss.mu.Unlock()
	out := &Variables{Results: []duckdb.ResultSize{}, Kernel: bridge.StateNone}
	if db != nil {
		if out.Results, err = db.ResultSizes(ctx); err != nil {
			return nil, err
		}
	}
	if py == nil {
		return out, nil
	}
	vctx, cancel := context.WithTimeout(ctx, variablesTimeout)
	defer cancel()
	vars, state, err := py.Variables(vctx)
	out.Kernel = state
	if err != nil {
		out.PythonError = err.Error()
		return out, nil
	}
	out.Python = vars
	return out, nil
}

// watchKernel reports the session's kernel's state changes as events.
func (ss *session) watchKernel(py *bridge.Bridge) {
	events, id := ss.svc.events, ss.id
	py.OnState(func(state string) {
		events.Emit(EventKernel, KernelEvent{Session: id, State: state})
	})
}
