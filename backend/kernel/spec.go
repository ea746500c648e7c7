package kernel

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// Spec is a kernel spec: a kernels/<name>/kernel.json in a Jupyter data folder.
type Spec struct {
	Name          string            // the folder name, e.g. "python3"
	DisplayName   string            // display_name
	Language      string            // language
	Argv          []string          // argv; may hold {connection_file} and {resource_dir}
	Env           map[string]string // env
	InterruptMode string            // interrupt_mode: "signal" (default) or "message"
	Dir           string            // the folder holding kernel.json (Jupyter's resource_dir)
}

// DefaultPaths returns Jupyter's data folders in search order, as
// `jupyter --paths` lists them: $JUPYTER_PATH entries, the user data folder
// ($JUPYTER_DATA_DIR, else ~/.local/share/jupyter or $XDG_DATA_HOME/jupyter on
// Linux, ~/Library/Jupyter on macOS, %APPDATA%\jupyter on Windows),
// {pythonPrefix}/share/jupyter (skipped when pythonPrefix is empty), then the
// system folders.
func DefaultPaths(pythonPrefix string) []string {
	return defaultPaths(runtime.GOOS, os.Getenv, pythonPrefix)
}

func defaultPaths(goos string, getenv func(string) string, prefix string) []string {
	var paths []string
	sep, join := ":", filepath.Join
	if goos == "windows" {
		sep = ";"
	}
	for _, p := range strings.Split(getenv("JUPYTER_PATH"), sep) {
		if p != "" {
			paths = append(paths, p)
		}
	}
	switch {
	case getenv("JUPYTER_DATA_DIR") != "":
		paths = append(paths, getenv("JUPYTER_DATA_DIR"))
	case goos == "windows":
		if d := getenv("APPDATA"); d != "" {
			paths = append(paths, join(d, "jupyter"))
		}
	case goos == "darwin":
		if h := getenv("HOME"); h != "" {
			paths = append(paths, join(h, "Library", "Jupyter"))
		}
	default:
		if d := getenv("XDG_DATA_HOME"); d != "" {
			paths = append(paths, join(d, "jupyter"))
		} else if h := getenv("HOME"); h != "" {
			paths = append(paths, join(h, ".local", "share", "jupyter"))
		}
	}
	if prefix != "" {
		paths = append(paths, join(prefix, "share", "jupyter"))
	}
	if goos == "windows" {
		if d := getenv("PROGRAMDATA"); d != "" {
			paths = append(paths, join(d, "jupyter"))
		}
	} else {
		paths = append(paths, "/usr/local/share/jupyter", "/usr/share/jupyter")
	}
	return dedupe(paths)
}

func dedupe(paths []string) []string {
	seen := map[string]bool{}
	out := paths[:0]
	for _, p := range paths {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// Specs reads kernels/<name>/kernel.json under each path. When two paths hold
// the same name the first wins, as in Jupyter. A spec that cannot be read is
// reported in the errors (naming it) and the others are still returned, sorted
// by name. Missing folders are not errors.
func Specs(paths []string) ([]Spec, []error) {
	var (
		specs []Spec
		errs  []error
		seen  = map[string]bool{}
	)
	for _, p := range paths {
		dir := filepath.Join(p, "kernels")
		entries, err := os.ReadDir(dir)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrPermission) {
				errs = append(errs, fmt.Errorf("read kernel specs in %s: %w", dir, err))
			}
			continue
		}
		for _, e := range entries {
			name := e.Name()
			if seen[name] || !isDir(filepath.Join(dir, name)) {
				continue
			}
			file := filepath.Join(dir, name, "kernel.json")
			if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
				continue // not a kernel spec folder
			}
			seen[name] = true // a broken spec still shadows later ones, as in Jupyter
			s, err := readSpec(name, file)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			specs = append(specs, s)
		}
	}
	sort.Slice(specs, func(i, j int) bool { return specs[i].Name < specs[j].Name })
	return specs, errs
}

func isDir(p string) bool {
	fi, err := os.Stat(p) // follows symlinks, as kernel folders are often linked
	return err == nil && fi.IsDir()
}

func readSpec(name, file string) (Spec, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return Spec{}, fmt.Errorf("read kernel spec %q: %w", name, err)
	}
	var raw struct {
		Argv          []string          `json:"argv"`
		DisplayName   string            `json:"display_name"`
		Language      string            `json:"language"`
		Env           map[string]string `json:"env"`
		InterruptMode string            `json:"interrupt_mode"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return Spec{}, fmt.Errorf("kernel spec %q (%s): %w", name, file, err)
	}
	if len(raw.Argv) == 0 {
		return Spec{}, fmt.Errorf("kernel spec %q (%s): argv is empty", name, file)
	}
	switch raw.InterruptMode {
	case "":
		raw.InterruptMode = "signal"
	case "signal", "message":
	default:
		return Spec{}, fmt.Errorf("kernel spec %q (%s): unknown interrupt_mode %q", name, file, raw.InterruptMode)
	}
	if raw.DisplayName == "" {
		raw.DisplayName = name
	}
	return Spec{
		Name:          name,
		DisplayName:   raw.DisplayName,
		Language:      raw.Language,
		Argv:          raw.Argv,
		Env:           raw.Env,
		InterruptMode: raw.InterruptMode,
		Dir:           filepath.Dir(file),
	}, nil
}

// WithPython returns s with a bare "python" or "python3" argv[0] replaced by
// the given interpreter. ipykernel installs its spec into
// {prefix}/share/jupyter/kernels/python3 with argv[0] "python", which Jupyter
// looks up on PATH; a workbench that chose an interpreter (a virtualenv's
// bin/python) wants that one, not whichever python PATH finds first.
func (s Spec) WithPython(python string) Spec {
	if len(s.Argv) == 0 || python == "" {
		return s
	}
	switch strings.TrimSuffix(s.Argv[0], ".exe") {
	case "python", "python3":
		argv := append([]string(nil), s.Argv...)
		argv[0] = python
		s.Argv = argv
	}
	return s
}

// IPythonSpec is ipykernel's own spec for the given interpreter, for when no
// kernel.json was found (what Jupyter falls back to for its own Python).
func IPythonSpec(python string) Spec {
	return Spec{
		Name:          "python3",
		DisplayName:   "Python 3 (ipykernel)",
		Language:      "python",
		Argv:          []string{python, "-m", "ipykernel_launcher", "-f", "{connection_file}"},
		InterruptMode: "signal",
	}
}
