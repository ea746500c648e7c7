package workbench

import (
	"context"
	"encoding/json"
	"time"

	"smallfry/backend"
	"smallfry/backend/bridge"
	"smallfry/backend/duckdb"
	"smallfry/backend/notebook"
	"smallfry/backend/runner"
)

// python returns the session's Python side, set up on first use (its
// kernel starts when a Python cell first runs).
func (ss *session) python(ctx context.Context, db *duckdb.Session) (*bridge.Bridge, error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.py != nil {
		return ss.py, nil
	}
	py, err := runner.NewBridge(ctx, ss.env.Python, db, ss.file, ss.id, "")
	if err != nil {
		return nil, err
	}
	ss.py = py
	return py, nil
}

// closePython shuts the session's kernel down, if it has one. The caller
// holds ss.mu.
func (ss *session) closePython() {
	if ss.py == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = ss.py.Close(ctx)
	ss.py = nil
}

func runtimeOf(nb *notebook.Notebook) Runtime {
	var meta struct {
		Docker struct {
			Image string `json:"image"`
		} `json:"docker"`
	}
	if raw, ok := nb.Metadata("smallfry"); ok {
		_ = json.Unmarshal(raw, &meta)
	}
	return Runtime{Docker: meta.Docker.Image}
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
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.cancel != nil {
		return nil, backend.Errorf(backend.ECONFLICT, "the notebook is running; cancel it or wait before switching where Python runs")
	}
	meta := map[string]any{}
	if raw, ok := ss.file.Metadata("smallfry"); ok {
		_ = json.Unmarshal(raw, &meta)
	}
	if rt.Docker == "" {
		delete(meta, "docker")
	} else {
		meta["docker"] = map[string]any{"image": rt.Docker}
	}
	if len(meta) == 0 {
		ss.file.SetMetadata("smallfry", nil)
	} else {
		ss.file.SetMetadata("smallfry", meta)
	}
	if err := notebook.WriteFile(ss.path, ss.file); err != nil {
		return nil, err
	}
	ss.closePython()
	out := runtimeOf(ss.file)
	return &out, nil
}

// RestartKernel restarts the notebook's Python kernel, a dead one too:
// Python's variables are lost; SQL results are handed over again as cells
// mention them.
func (s *Service) RestartKernel(ctx context.Context, session string) error {
	ss, err := s.lookup(session)
	if err != nil {
		return err
	}
	ss.mu.Lock()
	py := ss.py
	ss.mu.Unlock()
	if py == nil || !py.Started() {
		return nil
	}
	return py.Restart(ctx)
}
