// Package smallfry wires Smallfry together: Open builds the whole object
// graph over one workspace, once, the same way for the desktop window,
// `smallfry serve`, `smallfry run` and the end-to-end tests.
package smallfry

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"smallfry/backend"
	"smallfry/backend/auth"
	"smallfry/backend/bridge"
	"smallfry/backend/docker"
	"smallfry/backend/duckdb"
	"smallfry/backend/notebook"
	"smallfry/backend/python"
	"smallfry/backend/runner"
	"smallfry/backend/workbench"
	"smallfry/backend/workspace"
)

// Config says what to open.
type Config struct {
	// Workspace is the workspace folder; "" is the default one
	// ($SMALLFRY_WORKSPACE, else ~/Smallfry). A folder that is not a
	// workspace yet becomes one, with the sample notebooks and data.
	Workspace string
	// Python runs kernel specs that say just "python" ($SMALLFRY_PYTHON);
	// "" finds python3 on PATH when a Python cell first runs.
	Python string
	// Events receives what the workbench pushes to its UI; nil drops it.
	Events  workbench.Events
	Version string
	// Auth is how the company sign-in reaches the keychain, the IdP and
	// the clock; the zero value is the real thing (auth.ConfigDir()).
	Auth auth.Options
	// Binary is the smallfry program publishing's check runs start; ""
	// is this program ($SMALLFRY_BIN in tests, whose program is not smallfry).
	Binary string
}

// App is one opened workspace with everything that works on it.
type App struct {
	Workspace *workspace.Workspace
	Workbench *workbench.Service

	kernels  *python.Kernels
	account  *account
	schedule *scheduling
	clusters *clusters
	env      runner.Env
}

// Open opens (or creates) the workspace and builds the app over it. It
// starts no kernel and needs neither Python nor Docker: they are reached
// when a Python cell first runs.
func Open(ctx context.Context, cfg Config) (*App, error) {
	dir := cfg.Workspace
	if dir == "" {
		var err error
		if dir, err = workspace.DefaultDir(); err != nil {
			return nil, err
		}
	}
	ws, err := workspace.Open(ctx, dir)
	if err != nil {
		return nil, err
	}
	events := cfg.Events
	var pulls backend.Throttle // two sessions may pull at once
	dockerKernels := &python.DockerKernels{
		CPUs: ws.Settings.Docker.CPUs, MemoryMB: ws.Settings.Docker.MemoryMB,
		OnPull: func(image string, p docker.Progress) {
			if events != nil && pulls.Allow(p.Percent >= 100) {
				events.Emit(workbench.EventPull, workbench.PullEvent{Image: image, Status: p.Status, Percent: p.Percent})
			}
		},
	}
	acct := openAccount(cfg.Auth.Dir, filepath.Join(ws.CacheDir, "s3"), cfg.Auth, events)
	bin := cfg.Binary
	if bin == "" {
		bin, _ = os.Executable()
	}
	kc := cfg.Auth.Keychain
	if kc == nil {
		kc = auth.OSKeychain{}
	}
	a := &App{
		Workspace: ws,
		account:   acct,
		schedule:  &scheduling{acct: acct, keychain: kc, binary: bin},
		clusters:  &clusters{acct: acct, keychain: kc, limits: clusterLimits(ws.Settings)},
		kernels: &python.Kernels{Interpreter: cfg.Python, ScratchRoot: ws.KernelsDir, Docker: dockerKernels,
			Credentials: acct.Credentials, Managed: managedPython()},
		env: runner.Env{Root: ws.Root, Runs: ws.Runs, Lake: ws.Lake, Version: cfg.Version},
	}
	a.Workbench = workbench.New(workbench.Config{
		Root: ws.Root, Notebooks: ws.Notebooks, Lake: ws.Lake, Runs: ws.Runs,
		OpenSession: a.OpenSession,
		OpenPython: func(ctx context.Context, db *duckdb.Session, nb *notebook.Notebook, session string) (*bridge.Bridge, error) {
			return a.kernels.Open(ctx, db, nb, session, "")
		},
		Events: events, Version: cfg.Version, Accounts: acct, Scheduling: a.schedule, Clusters: a.clusters,
		SetupPython: a.setupPython,
	})
	// Kernel containers of a Smallfry that was killed are removed now;
	// without a Docker engine there is nothing to remove, and no failure.
	reapCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, _ = dockerKernels.Reap(reapCtx)
	return a, nil
}

// Close ends every notebook session and its kernel, and records the S3
// lake's fresh local copies.
func (a *App) Close() {
	a.Workbench.Close()
	_ = a.account.close()
	a.Workspace.Close() // the kernels are down: their scratch copies can go
}

// OpenSession opens a DuckDB session in which every lake table is
// queryable by name, every raw dataset as raw.<name>, and the company's S3
// lake's as s3.<name> and s3.raw.<name>.
func (a *App) OpenSession(ctx context.Context) (*duckdb.Session, error) {
	lk := a.Workspace.Lake
	return duckdb.Open(ctx, duckdb.Config{
		TempDir:   a.Workspace.TempDir,
		Resolve:   lk.Resolve,
		JSONViews: map[string]func(string) (string, string, bool){"raw": lk.RawGlob},
		Catalogs:  map[string]duckdb.Catalog{"s3": s3Catalog{a.account}},
	})
}

// RunOptions tune a headless run.
type RunOptions struct {
	runner.Options
	// Docker runs the run's Python cells in a container of this image,
	// whatever the notebook says.
	Docker string
	// Download runs local cells over the offload threshold anyway.
	Download bool
}

// Run runs a notebook file headless, in a DuckDB session and (when a
// Python cell needs it) a kernel of its own, both ended with the run.
func (a *App) Run(ctx context.Context, path string, opts RunOptions) (*runner.Outcome, error) {
	nb, err := notebook.ReadFile(path)
	if err != nil {
		return nil, err
	}
	db, err := a.OpenSession(ctx)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var py *bridge.Bridge
	defer func() {
		if py != nil {
			// The run's kernel ends with it, even a canceled one.
			_ = py.Close(context.WithoutCancel(ctx))
		}
	}()
	ro := opts.Options // the runner's default mode is headless
	ro.Python = func(ctx context.Context, runID string) (runner.Python, error) {
		b, err := a.kernels.Open(ctx, db, nb, "run-"+runID, opts.Docker)
		if err != nil {
			return nil, err
		}
		py = b
		return b, nil
	}
	env := a.env
	if lk := a.account.Lake(); lk != nil {
		env.S3 = lk
	}
	engines, offload, closeEngines := a.engines(db, opts.Download)
	defer closeEngines()
	ro.Engines, ro.Offload = engines, offload
	out, err := runner.Run(ctx, env, db, nb, path, ro)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// managedPython is the environment "Set up Python" makes, in the user's
// data folder ($SMALLFRY_DATA_DIR overrides it), from $SMALLFRY_WHEELS
// alone when set; nil when there is no data folder.
func managedPython() *python.Managed {
	dir, err := python.DataDir()
	if err != nil {
		return nil
	}
	return &python.Managed{Dir: filepath.Join(dir, "python"), Wheels: os.Getenv(python.WheelsEnv)}
}

func (a *App) setupPython(ctx context.Context, progress func(string)) error {
	if a.kernels.Managed == nil {
		return backend.Errorf(backend.EINVALID, "set up python: no data folder to make the environment in (set %s)", python.DataDirEnv)
	}
	return a.kernels.Managed.Create(ctx, progress)
}
