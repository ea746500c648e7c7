package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"smallfry/backend"
	"smallfry/backend/bridge"
	"smallfry/backend/duckdb"
	"smallfry/backend/kernel"
	"smallfry/backend/notebook"
)

// Python says how notebooks' Python cells run.
type Python struct {
	// Interpreter is the Python that runs kernel specs whose argv says just
	// "python" (as pip installs ipykernel's); "" finds python3 on PATH.
	Interpreter string
	// Docker, when set, runs kernels in containers instead.
	Docker DockerLauncher
	// ScratchRoot holds each session's scratch folder.
	ScratchRoot string
}

// DockerLauncher starts kernels in containers: the launcher for one session,
// with the scratch folder bind-mounted at the returned path.
type DockerLauncher interface {
	Launcher(ctx context.Context, image, session, scratch string) (l kernel.Launcher, kernelScratch string, err error)
}

// ErrNoPython is wrapped when a Python cell runs with no kernel available.
var ErrNoPython = errors.New("no Python kernel")

// dockerImage is the image a notebook asks to run in (metadata
// smallfry.docker.image), "" for a local kernel.
func dockerImage(nb *notebook.Notebook) string {
	raw, ok := nb.Metadata("smallfry")
	if !ok {
		return ""
	}
	var meta struct {
		Docker struct {
			Image string `json:"image"`
		} `json:"docker"`
	}
	_ = json.Unmarshal(raw, &meta)
	return meta.Docker.Image
}

// NewBridge starts nothing yet: it sets up the Python side of a session for
// a notebook, with the kernel the notebook names (ipykernel's python3 by
// default), locally or in the Docker image the notebook or image names.
func NewBridge(ctx context.Context, py Python, db *duckdb.Session, nb *notebook.Notebook, session, image string) (*bridge.Bridge, error) {
	scratch := filepath.Join(py.ScratchRoot, session)
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return nil, fmt.Errorf("python scratch folder: %w", err)
	}
	if image == "" {
		image = dockerImage(nb)
	}
	if image != "" {
		if py.Docker == nil {
			return nil, backend.Errorf(backend.EINVALID, "the notebook runs in Docker image %s, but Docker is not available", image)
		}
		l, kscratch, err := py.Docker.Launcher(ctx, image, session, scratch)
		if err != nil {
			return nil, err
		}
		spec := kernel.Spec{Name: "python3", DisplayName: "Python 3 (" + image + ")", Language: "python",
			Argv: []string{"python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"}}
		return bridge.New(db, bridge.Config{Spec: spec, Launcher: l, Scratch: scratch, KernelScratch: kscratch,
			Options: kernel.Options{IP: "0.0.0.0", ConnectionFile: func(p string) string { return kscratch + "/" + filepath.Base(p) }}}), nil
	}
	spec, err := localSpec(py, kernelName(nb))
	if err != nil {
		return nil, err
	}
	return bridge.New(db, bridge.Config{Spec: spec, Launcher: kernel.LocalLauncher{Dir: scratch}, Scratch: scratch}), nil
}

func kernelName(nb *notebook.Notebook) string {
	raw, ok := nb.Metadata("kernelspec")
	if !ok {
		return "python3"
	}
	var ks struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(raw, &ks) != nil || ks.Name == "" {
		return "python3"
	}
	return ks.Name
}

// localSpec finds a kernel spec in the standard Jupyter folders.
func localSpec(py Python, name string) (kernel.Spec, error) {
	interp := py.Interpreter
	if interp == "" {
		if p, err := exec.LookPath("python3"); err == nil {
			interp = p
		}
	}
	prefix := ""
	if interp != "" {
		prefix = filepath.Dir(filepath.Dir(interp))
	}
	specs, _ := kernel.Specs(kernel.DefaultPaths(prefix))
	var names []string
	for _, s := range specs {
		if s.Name == name {
			return s.WithPython(interp), nil
		}
		names = append(names, s.Name)
	}
	if name == "python3" && interp != "" {
		return kernel.IPythonSpec(interp), nil // ipykernel may be importable without an installed spec
	}
	if len(names) == 0 {
		return kernel.Spec{}, fmt.Errorf("%w: no Jupyter kernel is installed (pip install ipykernel)", ErrNoPython)
	}
	return kernel.Spec{}, fmt.Errorf("%w: the notebook's kernel %q is not installed (found: %s)", ErrNoPython, name, strings.Join(names, ", "))
}

// PythonError is a Python cell's exception, as the kernel reported it; the
// cell's outputs already hold its traceback.
type PythonError struct {
	Ename, Evalue string
}

func (e *PythonError) Error() string {
	if e.Evalue == "" {
		return e.Ename
	}
	return e.Ename + ": " + e.Evalue
}

// python runs a Python cell on the run's Python side, starting it first if
// needed, with the parameters cells run on it before.
func (r *run) python(ctx context.Context, s *duckdb.Session, c *notebook.Cell) error {
	if r.py == nil {
		r.py = r.opts.Bridge
		if r.py == nil {
			b, err := NewBridge(ctx, r.env.Python, s, r.nb, "run-"+r.rec.ID, r.opts.Docker)
			if err != nil {
				return err
			}
			r.py = b
		}
	}
	var params strings.Builder
	for _, p := range r.nb.Cells {
		if p.IsParameters() || p.IsInjectedParameters() {
			params.WriteString(p.Source + "\n")
		}
	}
	if err := r.py.Setup(ctx, params.String()); err != nil {
		return fmt.Errorf("the parameters cell failed in Python: %w", err)
	}
	var live func(kernel.Output)
	if r.opts.OnOutput != nil {
		live = func(o kernel.Output) { r.opts.OnOutput(c.ID, o) }
	}
	out, err := r.py.Execute(ctx, c.Source, live)
	if out != nil && out.Reply != nil {
		list := make([]any, len(out.Outputs))
		for i, o := range out.Outputs {
			list[i] = map[string]any(o)
		}
		c.SetOutputs(list)
	}
	if err != nil {
		if errors.Is(err, kernel.ErrDied) {
			return backend.Errorf(backend.EINTERNAL, "%v: restart the kernel to go on (Python's variables are lost)", err)
		}
		return err
	}
	if out.Status == "error" {
		// papermill: sys.exit(0) ends the run there, successfully.
		if out.Ename == "SystemExit" && (out.Evalue == "0" || out.Evalue == "" || out.Evalue == "None") {
			r.stopped = true
			return nil
		}
		return &PythonError{Ename: out.Ename, Evalue: out.Evalue}
	}
	return nil
}
