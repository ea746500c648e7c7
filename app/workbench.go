package app

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"smallfry/backend"
)

// Version is the app version shown to users; release builds set it with
// -ldflags "-X smallfry/app.Version=v1.2.3", others fall back to the VCS stamp.
var Version = ""

// Info describes the open workspace.
type Info struct {
	Version      string   `json:"version"`
	WorkspaceDir string   `json:"workspaceDir"`
	Notebooks    []string `json:"notebooks"` // *.ipynb file names in notebooks/, sorted
}

// Workbench is the bound service for the workspace as a whole.
type Workbench struct {
	dir string
}

// NewWorkbench returns the service for the workspace in dir.
func NewWorkbench(dir string) *Workbench { return &Workbench{dir: dir} }

func (w *Workbench) start(context.Context) {}
func (w *Workbench) stop()                 {}

// Info returns the version, the workspace folder and its notebooks.
func (w *Workbench) Info() (Info, error) {
	notebooks, err := listNotebooks(filepath.Join(w.dir, "notebooks"))
	if err != nil {
		return Info{}, err
	}
	return Info{Version: version(), WorkspaceDir: w.dir, Notebooks: notebooks}, nil
}

// listNotebooks relies on os.ReadDir sorting by name. It never returns nil, so the frontend gets [] rather than null;
// a workspace without a notebooks folder simply has no notebooks yet.
func listNotebooks(dir string) ([]string, error) {
	names := []string{}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return names, nil
	}
	if err != nil {
		return nil, backend.Errorf(backend.EINTERNAL, "list notebooks in %s: %w", dir, err)
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".ipynb") {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
