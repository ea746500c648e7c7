package workbench

import (
	"context"
	"time"

	"github.com/distribution/reference"

	"smallfry/backend"
	"smallfry/backend/bridge"
	"smallfry/backend/duckdb"
	"smallfry/backend/notebook"
	"smallfry/backend/runner"
)

// python returns the session's Python side, setting it up the first time a
// Python cell runs (and starting its kernel then): SQL never waits for it.
//
// Setting up may pull a Docker image for minutes, so it runs without the
// session's lock: Cancel and the grid stay responsive meanwhile. Only the
// session's own run calls this, one cell at a time.
func (ss *session) python(ctx context.Context, db *duckdb.Session) (runner.Python, error) {
	ss.mu.Lock()
	py, nb := ss.py, ss.file
	ss.mu.Unlock()
	if py != nil {
		return py, nil
	}
	py, err := ss.svc.cfg.OpenPython(ctx, db, nb, ss.id)
	if err != nil {
		return nil, err
	}
	ss.watchKernel(py)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed {
		closeQuietly(py)
		return nil, backend.Errorf(backend.ENOTFOUND, "the notebook was closed")
	}
	ss.py = py
	return py, nil
}

func closeQuietly(py *bridge.Bridge) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = py.Close(ctx)
}

// closePython shuts the session's kernel down, if it has one. The caller
// holds ss.mu.
func (ss *session) closePython() {
	if ss.py == nil {
		return
	}
	closeQuietly(ss.py)
	ss.py = nil
	ss.forgetPython()
}

func runtimeOf(nb *notebook.Notebook) Runtime {
	return Runtime{Docker: nb.Meta.Image(), Engine: nb.Meta.Engine}
}

// SetRuntime chooses where the notebook's Python cells run: a local kernel,
// or a kernel in a Docker container from an image. The choice is saved in
// the notebook at once (metadata smallfry.docker), so headless runs use it
// too; a running kernel is shut down and the next Python cell starts the
// new one.
func (s *Service) SetRuntime(ctx context.Context, session string, rt Runtime) (*Runtime, error) {
	ss, err := s.lookup(session)
	if err != nil {
		return nil, err
	}
	if rt.Docker != "" {
		if _, err := reference.ParseNormalizedNamed(rt.Docker); err != nil {
			return nil, backend.Errorf(backend.EINVALID, "%q is not a Docker image name (such as python:3.12 or registry.example.com/team/kernel:1): %v", rt.Docker, err)
		}
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.cancel != nil {
		return nil, backend.Errorf(backend.ECONFLICT, "the notebook is running; cancel it or wait before switching where Python runs")
	}
	was := ss.file.Meta.Docker
	if rt.Docker == "" {
		ss.file.Meta.Docker = nil
	} else {
		ss.file.Meta.Docker = &notebook.DockerRuntime{Image: rt.Docker}
	}
	if err := s.writeNotebook(ss.path, ss.file); err != nil {
		ss.file.Meta.Docker = was
		return nil, err
	}
	ss.closePython()
	out := runtimeOf(ss.file)
	return &out, nil
}

// RestartKernel restarts the notebook's Python kernel, a dead one too:
// Python's variables are lost; SQL results are handed over again as cells
// mention them. It returns the kernel's state afterwards: "idle", or
// "none" when no kernel had started (the next Python cell starts one).
func (s *Service) RestartKernel(ctx context.Context, session string) (*KernelEvent, error) {
	ss, err := s.lookup(session)
	if err != nil {
		return nil, err
	}
	ss.mu.Lock()
	py := ss.py
	ss.mu.Unlock()
	if py == nil || !py.Started() {
		return &KernelEvent{Session: session, State: bridge.StateNone}, nil
	}
	ss.mu.Lock()
	ss.forgetPython() // even if the restart fails: the old globals are gone
	ss.mu.Unlock()
	if err := py.Restart(ctx); err != nil {
		return nil, err
	}
	return &KernelEvent{Session: session, State: py.State()}, nil
}
