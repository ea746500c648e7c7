package workbench

import (
	"context"
	"sync"

	"smallfry/backend"
)

// EventPythonSetup carries PythonSetupEvent: a line of the Python set-up's
// progress (pip's output), and its end.
const EventPythonSetup = "pythonSetup"

// PythonSetupEvent is one step of "Set up Python".
type PythonSetupEvent struct {
	State string `json:"state"`          // running, done, failed, canceled
	Line  string `json:"line,omitempty"` // a line of progress while running
	Error string `json:"error,omitempty"`
}

// PythonSetup is how SetupPython ended.
type PythonSetup struct {
	State string `json:"state"` // done, failed or canceled
	Error string `json:"error,omitempty"`
}

// setupJob is the one Python set-up that may run at a time.
type setupJob struct {
	mu     sync.Mutex
	cancel context.CancelFunc
}

// SetupPython makes the managed Python environment (a virtualenv with
// ipykernel, pandas, pyarrow and matplotlib in the user's data folder) that
// Python cells then use; pip's output arrives as pythonSetup events.
// CancelPythonSetup stops it and removes what it made. A failure (offline:
// what to install instead) is the summary's error, not the call's.
func (s *Service) SetupPython(ctx context.Context) (*PythonSetup, error) {
	if s.cfg.SetupPython == nil {
		return nil, backend.Errorf(backend.EINVALID, "this Smallfry cannot set up Python")
	}
	s.setup.mu.Lock()
	if s.setup.cancel != nil {
		s.setup.mu.Unlock()
		return nil, backend.Errorf(backend.ECONFLICT, "Python is being set up already")
	}
	jctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.setup.cancel = cancel
	s.setup.mu.Unlock()
	defer func() {
		s.setup.mu.Lock()
		s.setup.cancel = nil
		s.setup.mu.Unlock()
		cancel()
	}()
	s.events.Emit(EventPythonSetup, PythonSetupEvent{State: "running"})
	err := s.cfg.SetupPython(jctx, func(line string) {
		s.events.Emit(EventPythonSetup, PythonSetupEvent{State: "running", Line: line})
	})
	out := &PythonSetup{State: "done"}
	switch {
	case err != nil && (jctx.Err() != nil || backend.ErrorCode(err) == backend.ECANCELED):
		out = &PythonSetup{State: "canceled", Error: backend.ErrorMessage(err)}
	case err != nil:
		out = &PythonSetup{State: "failed", Error: backend.ErrorMessage(err)}
	}
	s.events.Emit(EventPythonSetup, PythonSetupEvent{State: out.State, Error: out.Error})
	return out, nil
}

// CancelPythonSetup stops a running SetupPython, which then removes the
// unfinished environment.
func (s *Service) CancelPythonSetup(ctx context.Context) error {
	s.setup.mu.Lock()
	defer s.setup.mu.Unlock()
	if s.setup.cancel != nil {
		s.setup.cancel()
	}
	return nil
}
