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

	"smallfry/backend/lake"
	"smallfry/backend/runs"
	"smallfry/backend/sample"
)

// Layout of a workspace folder:
//
//	notebooks/            the user's .ipynb files
//	lake/                 the local Parquet lake (see package lake)
//	.smallfry/workspace.json   marks the folder as a workspace
//	.smallfry/runs/       run history (see package runs)
//	.smallfry/runs.index.jsonl   its index, appended to by every run
//	.smallfry/trash/      deleted notebooks and folders (see Files.Trash)
//	.smallfry/tmp/        scratch: a folder per running process (see scratch.go); tmp/uploads/ files a browser sent
//	.smallfry/cache/      local copies of remote objects (the S3 lake's)
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
	// TempDir is this process's scratch folder, under .smallfry/tmp/:
	// DuckDB spills here. Close removes it; a crashed process's is removed
	// by the next Open.
	TempDir string
	// KernelsDir holds each Python session's scratch folder.
	KernelsDir string
	scratch    *scratch
	// CacheDir holds local copies of remote objects.
	CacheDir string
	Settings Settings
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
	w.CacheDir = filepath.Join(abs, stateDir, "cache")
	if w.Settings, err = readSettings(filepath.Join(abs, stateDir, settingsFile)); err != nil {
		return nil, err
	}
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
	// Last: nothing after it can fail and leave the folder locked.
	if w.scratch, err = claimScratch(w.TempDir); err != nil {
		return nil, fmt.Errorf("open workspace %s: %w", abs, err)
	}
	w.TempDir = w.scratch.dir
	w.KernelsDir = filepath.Join(w.TempDir, "kernels")
	return w, nil
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
