// Package workspace lays out a Smallfry workspace folder and creates the
// sample workspace on first start.
package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"smallfry/backend/docker"
	"smallfry/backend/lake"
	"smallfry/backend/runner"
	"smallfry/backend/runs"
	"smallfry/backend/sample"
)

// Layout of a workspace folder:
//
//	notebooks/            the user's .ipynb files
//	lake/                 the local Parquet lake (see package lake)
//	.smallfry/workspace.json   marks the folder as a workspace
//	.smallfry/runs/       run history (see package runs)
//	.smallfry/tmp/        DuckDB spill files
const (
	stateDir     = ".smallfry"
	markerFile   = "workspace.json"
	notebooksDir = "notebooks"
	lakeDir      = "lake"
)

// Workspace is an opened workspace folder.
type Workspace struct {
	Root      string
	Notebooks string
	Lake      *lake.Lake
	Runs      *runs.Store
	TempDir   string
	// Python says how Python cells run: kernels found in the standard
	// Jupyter folders, run by $SMALLFRY_PYTHON or python3 on PATH; each
	// session's scratch folder under .smallfry/tmp/kernels. Set Docker to
	// run kernels in containers.
	Python runner.Python

	docker *runner.DockerKernels
}

// OnPull sets who hears the progress of pulling a kernel image.
func (w *Workspace) OnPull(fn func(image string, p docker.Progress)) { w.docker.OnPull = fn }

// ReapContainers removes kernel containers left by Smallfry processes that
// are gone (after a crash or kill -9). Without Docker it does nothing;
// problems are not worth failing a start over.
func (w *Workspace) ReapContainers(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, _ = w.docker.Reap(ctx)
}

// Open opens the workspace at root, creating it (with the sample notebooks
// and lake) when the folder is not a workspace yet. Creation is idempotent:
// if it is interrupted, the next Open finishes it.
func Open(ctx context.Context, root string) (*Workspace, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("open workspace %q: %w", root, err)
	}
	w := &Workspace{Root: abs, Notebooks: filepath.Join(abs, notebooksDir), TempDir: filepath.Join(abs, stateDir, "tmp")}
	settings, err := readSettings(filepath.Join(abs, stateDir, settingsFile))
	if err != nil {
		return nil, err
	}
	w.docker = &runner.DockerKernels{CPUs: settings.Docker.CPUs, MemoryMB: settings.Docker.MemoryMB}
	w.Python = runner.Python{Interpreter: os.Getenv("SMALLFRY_PYTHON"), ScratchRoot: filepath.Join(w.TempDir, "kernels"), Docker: w.docker}
	for _, d := range []string{w.Notebooks, w.TempDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("open workspace %s: %w", abs, err)
		}
	}
	if w.Lake, err = lake.Open(filepath.Join(abs, lakeDir)); err != nil {
		return nil, err
	}
	if w.Runs, err = runs.Open(filepath.Join(abs, stateDir, "runs")); err != nil {
		return nil, err
	}
	marker := filepath.Join(abs, stateDir, markerFile)
	if _, err := os.Stat(marker); errors.Is(err, os.ErrNotExist) {
		if err := sample.Create(ctx, w.Lake, w.Notebooks); err != nil {
			return nil, fmt.Errorf("create the sample workspace in %s: %w", abs, err)
		}
		info, _ := json.MarshalIndent(map[string]any{"created": time.Now().UTC(), "format": 1}, "", "  ")
		if err := os.WriteFile(marker, append(info, '\n'), 0o644); err != nil {
			return nil, fmt.Errorf("open workspace %s: %w", abs, err)
		}
	}
	return w, nil
}

// Env is what the runner needs from this workspace.
func (w *Workspace) Env() runner.Env {
	return runner.Env{Root: w.Root, Lake: w.Lake, Runs: w.Runs, TempDir: w.TempDir, Python: w.Python}
}

// DefaultDir is the workspace used when none is named: $SMALLFRY_WORKSPACE,
// else a Smallfry folder in the user's home.
func DefaultDir() (string, error) {
	if d := os.Getenv("SMALLFRY_WORKSPACE"); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the default workspace: %w", err)
	}
	return filepath.Join(home, "Smallfry"), nil
}

// Find returns the workspace holding path: the nearest folder at or above
// it with a .smallfry folder.
func Find(path string) (string, bool) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", false
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		if st, err := os.Stat(filepath.Join(dir, stateDir)); err == nil && st.IsDir() {
			return dir, true
		}
		if parent := filepath.Dir(dir); parent == dir {
			return "", false
		}
	}
}
