package python

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"

	"smallfry/backend"
)

// Packages are what a managed environment gets: a kernel, and what cells
// hand tables and plots with. scripts/requirements-setup-python.txt is the
// same list (a test keeps them equal).
var Packages = []string{"ipykernel==6.29.5", "matplotlib==3.10.8", "pandas==2.3.3", "pyarrow==26.0.1"}

// DataDirEnv overrides where Smallfry keeps its data (the managed Python).
const DataDirEnv = "SMALLFRY_DATA_DIR"

// WheelsEnv names a folder of wheels to install the managed environment
// from with no index (pip --no-index --find-links), for offline installs
// and tests.
const WheelsEnv = "SMALLFRY_WHEELS"

// DataDir is the user's data folder for Smallfry: $SMALLFRY_DATA_DIR, else
// the platform's place for application data.
func DataDir() (string, error) {
	if d := os.Getenv(DataDirEnv); d != "" {
		return d, nil
	}
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "Smallfry"), nil
		}
	case "darwin":
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find the data folder: %w", err)
		}
		return filepath.Join(home, "Library", "Application Support", "Smallfry"), nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "smallfry"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the data folder: %w", err)
	}
	return filepath.Join(home, ".local", "share", "smallfry"), nil
}

// Managed is the Python environment Smallfry makes for a user who has
// Python but no ipykernel: a virtualenv in the data folder.
type Managed struct {
	Dir    string // the virtualenv
	Base   string // the Python that makes it; "" finds python3 (or python) on PATH
	Wheels string // install from this folder of wheels only; "" uses the package index
}

// readyStamp marks an environment whose install finished.
const readyStamp = ".smallfry-ready"

// Python is the environment's interpreter.
func (m *Managed) Python() string {
	if runtime.GOOS == "windows" {
		return filepath.Join(m.Dir, "Scripts", "python.exe")
	}
	return filepath.Join(m.Dir, "bin", "python")
}

// Ready tells whether the environment was made to the end.
func (m *Managed) Ready() bool {
	if m == nil || m.Dir == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(m.Dir, readyStamp))
	return err == nil
}

// ErrOffline is wrapped when pip could not download the packages.
var ErrOffline = errors.New("the packages could not be downloaded")

// installHint says what to install by hand.
var installHint = "python3 -m pip install " + strings.Join(Packages, " ")

// offline are pip's words for an index it cannot reach or that lacks the packages.
var offline = regexp.MustCompile(`(?i)Failed to establish a new connection|Temporary failure in name resolution|Could not find a version that satisfies|No matching distribution found|Network is unreachable|ConnectTimeout|ReadTimeout|ProxyError`)

// Create makes the environment: a virtualenv, then pip installs Packages,
// each line of their output passed to progress as it comes. When ctx ends
// (Cancel) pip is killed; on any failure the half-made environment is
// removed. An environment that is ready already is kept.
func (m *Managed) Create(ctx context.Context, progress func(line string)) (err error) {
	if m.Ready() {
		return nil
	}
	base, err := m.basePython()
	if err != nil {
		return err
	}
	if err := os.RemoveAll(m.Dir); err != nil {
		return fmt.Errorf("set up python: remove the unfinished environment: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(m.Dir), 0o755); err != nil {
		return fmt.Errorf("set up python: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(m.Dir)
		}
	}()
	progress(fmt.Sprintf("Creating a virtual environment in %s with %s", m.Dir, base))
	if _, err := m.run(ctx, progress, base, "-m", "venv", m.Dir); err != nil {
		if ctx.Err() != nil {
			return canceled()
		}
		return backend.Errorf(backend.EINVALID, "set up python: %s could not make a virtual environment (%v); on Debian and Ubuntu, install python3-venv", base, err)
	}
	args := []string{"-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--progress-bar", "off"}
	if m.Wheels != "" {
		args = append(args, "--no-index", "--find-links", m.Wheels)
	}
	args = append(args, Packages...)
	progress("pip install " + strings.Join(Packages, " "))
	out, err := m.run(ctx, progress, m.Python(), args...)
	if err != nil {
		if ctx.Err() != nil {
			return canceled()
		}
		if offline.MatchString(out) {
			return backend.Errorf(backend.EINVALID, "set up python: %w (offline, or the package index cannot be reached). "+
				"When online, choose Set up Python again; or install them into a Python 3 yourself: %s, and set SMALLFRY_PYTHON to that Python", ErrOffline, installHint)
		}
		return backend.Errorf(backend.EINVALID, "set up python: pip failed (%v): %s", err, lastLine(out))
	}
	if err := os.WriteFile(filepath.Join(m.Dir, readyStamp), nil, 0o644); err != nil {
		return fmt.Errorf("set up python: %w", err)
	}
	progress("Python is set up.")
	return nil
}

func canceled() error {
	return backend.Errorf(backend.ECANCELED, "set up python: canceled; the unfinished environment was removed")
}

// basePython finds the Python that makes the environment.
func (m *Managed) basePython() (string, error) {
	if m.Base != "" {
		return m.Base, nil
	}
	for _, name := range []string{"python3", "python"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", backend.Errorf(backend.EINVALID, "set up python: no Python 3 was found. Install Python 3 (python.org, or your system's packages), then choose Set up Python again; SQL cells work without it")
}

// run runs a command, passing each line it prints to progress, and returns
// all it printed.
func (m *Managed) run(ctx context.Context, progress func(string), name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "PIP_NO_INPUT=1", "PYTHONUNBUFFERED=1")
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	var all strings.Builder
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := strings.TrimRight(sc.Text(), "\r")
			all.WriteString(line + "\n")
			if strings.TrimSpace(line) != "" {
				progress(line)
			}
		}
		io.Copy(io.Discard, pr)
	}()
	err := cmd.Start()
	if err == nil {
		err = cmd.Wait()
	}
	pw.Close()
	wg.Wait()
	return all.String(), err
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
