// Package python sets up the Python side of a notebook session: the Jupyter
// kernel the notebook names, run locally or in a Docker container, and the
// bridge that hands tables between it and the session's DuckDB.
package python

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"smallfry/backend"
	"smallfry/backend/bridge"
	"smallfry/backend/docker"
	"smallfry/backend/duckdb"
	"smallfry/backend/kernel"
	"smallfry/backend/notebook"
)

// Kernels says how notebooks' Python kernels start.
type Kernels struct {
	// Interpreter is the Python that runs kernel specs whose argv says just
	// "python" (as pip installs ipykernel's); "" finds python3 on PATH.
	Interpreter string
	// ScratchRoot holds each session's scratch folder.
	ScratchRoot string
	// Docker runs kernels in containers, for notebooks that ask for an image.
	Docker *DockerKernels
	// Credentials, if set, gives the AWS keys Python code gets through the
	// AWS SDKs' default chains, in local and Docker kernels alike: each
	// kernel serves them from memory on its own loopback
	// (bridge.Config.Credentials). It is asked when a session's Python side
	// is set up; nil (or a nil provider) leaves the SDKs' own chains alone.
	Credentials func() aws.CredentialsProvider
	// Managed is the environment "Set up Python" makes; once ready, it is
	// the Python of local kernels unless Interpreter names another.
	Managed *Managed
}

// SetupHint is in the error of a Python cell that found no usable Python:
// the UI offers to set one up.
const SetupHint = "choose Set up Python"

// ErrNoPython is wrapped when a Python cell runs with no kernel available.
var ErrNoPython = errors.New("no Python kernel")

// Open sets up the Python side of a session for a notebook, starting
// nothing yet (the kernel starts when the first Python cell runs): the
// kernel the notebook names (ipykernel's python3 by default), locally, or
// in a container of image ("" for the notebook's own choice of image).
//
// A local kernel works in the notebook's folder (the folder of the path nb
// was read from), as in Jupyter and papermill, so open("data.csv") reads
// the file beside the notebook; the tables handed across live in the
// session's scratch folder, which the kernel knows by its absolute path.
// A Docker kernel works in its image's working directory: the notebook's
// folder is not mounted, only the scratch folder (at /smallfry).
func (k *Kernels) Open(ctx context.Context, db *duckdb.Session, nb *notebook.Notebook, session, image string) (*bridge.Bridge, error) {
	scratch, err := filepath.Abs(filepath.Join(k.ScratchRoot, session))
	if err != nil {
		return nil, fmt.Errorf("python scratch folder: %w", err)
	}
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return nil, fmt.Errorf("python scratch folder: %w", err)
	}
	if image == "" {
		image = nb.Meta.Image()
	}
	var creds aws.CredentialsProvider
	if k.Credentials != nil {
		creds = k.Credentials()
	}
	if image != "" {
		if k.Docker == nil {
			return nil, backend.Errorf(backend.EINVALID, "the notebook runs Python in Docker image %s, but Docker is not available here", image)
		}
		l, kscratch, err := k.Docker.Launcher(ctx, image, session, scratch)
		if err != nil {
			if errors.Is(err, docker.ErrNotRunning) {
				return nil, backend.Errorf(backend.EINVALID, "this notebook runs Python in Docker image %s, but %w; or switch Python to Local", image, docker.ErrNotRunning)
			}
			return nil, err
		}
		spec := kernel.Spec{Name: "python3", DisplayName: "Python 3 (" + image + ")", Language: "python",
			Argv: []string{"python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"}}
		return bridge.New(db, bridge.Config{Spec: spec, Launcher: l, Scratch: scratch, KernelScratch: kscratch, RemoveScratch: true,
			Options:     kernel.Options{IP: "0.0.0.0", ConnectionFile: func(p string) string { return kscratch + "/" + filepath.Base(p) }},
			Credentials: creds}), nil
	}
	spec, err := k.localSpec(nb.KernelName())
	if err != nil {
		return nil, err
	}
	return bridge.New(db, bridge.Config{Spec: spec, Launcher: kernel.LocalLauncher{Dir: notebookDir(nb, scratch)}, Scratch: scratch, RemoveScratch: true,
		Credentials: creds}), nil
}

// notebookDir is the folder of the file nb was read from, absolute; else
// (a notebook made in memory, a folder gone) fallback.
func notebookDir(nb *notebook.Notebook, fallback string) string {
	if nb.Name() == "" {
		return fallback
	}
	dir, err := filepath.Abs(filepath.Dir(nb.Name()))
	if err != nil {
		return fallback
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fallback
	}
	return dir
}

// localSpec finds a kernel spec in the standard Jupyter folders.
func (k *Kernels) localSpec(name string) (kernel.Spec, error) {
	interp := k.Interpreter
	if interp == "" && k.Managed.Ready() {
		interp = k.Managed.Python()
	}
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
		if strings.EqualFold(s.Name, name) { // Jupyter looks kernel names up in lower case
			return s.WithPython(interp), nil
		}
		names = append(names, s.Name)
	}
	if name == "python3" && interp != "" {
		// ipykernel may be importable without an installed spec; if not,
		// say so now rather than with the kernel's failed start.
		if err := exec.Command(interp, "-c", "import ipykernel").Run(); err == nil {
			return kernel.IPythonSpec(interp), nil
		}
		return kernel.Spec{}, backend.Errorf(backend.EINVALID, "%w: Python cells need ipykernel, and %s has none: %s to make an environment with ipykernel, pandas, pyarrow and matplotlib "+
			"(or pip install ipykernel; or set SMALLFRY_PYTHON to a Python that has it). SQL cells work without it", ErrNoPython, interp, SetupHint)
	}
	if len(names) == 0 {
		return kernel.Spec{}, backend.Errorf(backend.EINVALID, "%w: Python cells need Python 3 with ipykernel, and none was found "+
			"(install Python 3, then %s or pip install ipykernel; or set SMALLFRY_PYTHON to a Python that has it). SQL cells work without it", ErrNoPython, SetupHint)
	}
	return kernel.Spec{}, backend.Errorf(backend.EINVALID, "%w: the notebook's kernel %q is not installed (found: %s)", ErrNoPython, name, strings.Join(names, ", "))
}
