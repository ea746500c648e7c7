// Package bridge runs a notebook's Python cells on a Jupyter kernel beside
// its DuckDB session, and hands tables between the two as Parquet files in
// the session's scratch folder (bind-mounted into a Docker kernel).
package bridge

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"smallfry/backend/params"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"

	"smallfry/backend"
	"smallfry/backend/atomicfile"
	"smallfry/backend/duckdb"
	"smallfry/backend/kernel"
)

//go:embed startup.py
var startup []byte

// Config says which kernel to start and where.
type Config struct {
	Spec     kernel.Spec
	Launcher kernel.Launcher
	// Options are passed to kernel.Start; RuntimeDir defaults to the
	// scratch folder, and the bridge adds its environment to Env.
	Options kernel.Options
	// Scratch is the session's scratch folder on this machine.
	Scratch string
	// RemoveScratch makes the scratch folder the bridge's own: Close
	// removes it with the copies of results handed across.
	RemoveScratch bool
	// KernelScratch is the same folder as the kernel sees it ("" = Scratch):
	// "/smallfry" for a container that has it bind-mounted there.
	KernelScratch string
	// Credentials, if set, are the AWS keys code in the kernel gets through
	// the AWS SDKs' default chains (boto3, pyarrow): the kernel serves them
	// from memory as a container-credentials endpoint on its own loopback
	// and asks for fresh ones as they near expiry (see credentials.go).
	// Keys the app's environment holds are then not passed to the kernel.
	// Nil leaves the kernel to the SDKs' usual chains.
	Credentials aws.CredentialsProvider
}

// Bridge is one notebook session's Python side. It starts its kernel on
// first use.
type Bridge struct {
	cfg Config
	db  *duckdb.Session

	mu       sync.Mutex
	k        *kernel.Kernel
	epoch    int64            // bumped by every SQL cell: results may have changed
	exported map[string]int64 // table (lower case) → epoch it was handed to Python at
	version  int64
	setup    string // the code Setup last ran on this kernel
	// restarting is closed when a restart in progress ends; nil otherwise.
	// Cells wait for it rather than fail on the kernel being replaced.
	restarting chan struct{}

	keys     *keyPusher         // nil without Config.Credentials
	stopKeys context.CancelFunc // ends the keys' refresh loop of the kernel

	stopWatch chan struct{} // closed to stop watching the kernel's process for death

	stMu    sync.Mutex // orders state changes and their reports (state.go)
	state   string
	onState func(string)
}

// New makes the Python side of a DuckDB session.
func New(db *duckdb.Session, cfg Config) *Bridge {
	if cfg.KernelScratch == "" {
		cfg.KernelScratch = cfg.Scratch
	}
	if cfg.Options.RuntimeDir == "" {
		cfg.Options.RuntimeDir = cfg.Scratch
	}
	b := &Bridge{cfg: cfg, db: db, exported: map[string]int64{}}
	if cfg.Credentials != nil {
		log := cfg.Options.Logger
		if log == nil {
			log = slog.New(slog.DiscardHandler)
		}
		b.keys = newKeyPusher(cfg.Credentials, log, b.current)
	}
	return b
}

// current is the running kernel, if any.
func (b *Bridge) current() *kernel.Kernel {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.k
}

// SQLRan tells the bridge that a SQL cell ran, so tables Python already has
// are handed over again when a Python cell next mentions them.
func (b *Bridge) SQLRan() {
	b.mu.Lock()
	b.epoch++
	b.mu.Unlock()
}

// Started tells whether the kernel is running (it starts on first Execute).
func (b *Bridge) Started() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.k != nil
}

// kernel starts the kernel on first use.
func (b *Bridge) kernel(ctx context.Context) (*kernel.Kernel, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.k != nil {
		return b.k, nil
	}
	ipython := filepath.Join(b.cfg.Scratch, "ipython", "profile_default", "startup")
	for _, dir := range []string{ipython, filepath.Join(b.cfg.Scratch, "sql"), filepath.Join(b.cfg.Scratch, "py")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("start python: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(ipython, "00-smallfry.py"), startup, 0o644); err != nil {
		return nil, fmt.Errorf("start python: %w", err)
	}
	opts := b.cfg.Options
	env := map[string]string{
		// IPython runs the start-up file above before the first cell, so
		// the smallfry module costs no execution count and no output.
		"IPYTHONDIR":       b.kernelPath("ipython"),
		"SMALLFRY_SCRATCH": b.cfg.KernelScratch,
	}
	for k, v := range opts.Env {
		env[k] = v
	}
	if b.keys != nil {
		env["SMALLFRY_AWS_CREDENTIALS"] = "endpoint" // startup.py serves the keys
		opts = b.keys.options(opts)
	} else {
		// Not from the app's environment either: no endpoint without keys.
		opts.Unsetenv = append(slices.Clip(opts.Unsetenv), "SMALLFRY_AWS_CREDENTIALS")
	}
	opts.Env = env
	b.setState(StateStarting)
	k, err := kernel.Start(ctx, b.cfg.Spec, b.cfg.Launcher, opts)
	if err != nil {
		b.setState(StateDead)
		return nil, backend.Errorf(backend.EINTERNAL, "start the %s kernel: %w", b.cfg.Spec.Name, err)
	}
	b.k = k
	b.setState(StateIdle)
	b.startWatch(k)
	if b.keys != nil {
		b.keys.started(ctx, k)
		var kctx context.Context
		kctx, b.stopKeys = context.WithCancel(context.Background())
		go b.keys.refresh(kctx)
	}
	return k, nil
}

// kernelPath is a scratch file's path as the kernel sees it.
func (b *Bridge) kernelPath(rel ...string) string {
	if b.cfg.KernelScratch == b.cfg.Scratch {
		return filepath.Join(append([]string{b.cfg.Scratch}, rel...)...)
	}
	return path.Join(append([]string{b.cfg.KernelScratch}, rel...)...) // a Linux container
}

// Outcome is a Python cell's reply and the tables it handed to SQL.
type Outcome struct {
	*kernel.Reply
	Tables []string // made queryable in SQL by smallfry.table, sorted
}

// Execute runs a Python cell. Named results and other tables of the DuckDB
// session that the code mentions are handed to Python first, as pandas
// DataFrames of the same name; afterwards the DataFrames the code passed to
// smallfry.table become tables of the session.
func (b *Bridge) Execute(ctx context.Context, code string, onOutput func(kernel.Output)) (*Outcome, error) {
	b.mu.Lock()
	restarting := b.restarting
	b.mu.Unlock()
	if restarting != nil {
		select {
		case <-restarting:
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for the kernel to restart: %w", ctx.Err())
		}
	}
	k, err := b.kernel(ctx)
	if err != nil {
		return nil, err
	}
	if err := b.handToPython(ctx, code); err != nil {
		return nil, err
	}
	b.setState(StateBusy)
	reply, err := k.Execute(ctx, code, onOutput)
	b.afterExecute(k)
	out := &Outcome{Reply: reply}
	if err != nil {
		return out, err
	}
	out.Tables, err = b.takeFromPython(ctx)
	return out, err
}

// word finds the names a cell's code mentions.
var word = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

// handToPython writes the session's tables that code mentions, and that
// Python does not have as they are now, as Parquet files, and lists them in
// the manifest the kernel's pre-run hook reads.
func (b *Bridge) handToPython(ctx context.Context, code string) error {
	tables, err := b.tables(ctx)
	if err != nil {
		return err
	}
	mentioned := map[string]bool{}
	for _, w := range word.FindAllString(params.CodeOnly(code), -1) {
		mentioned[strings.ToLower(w)] = true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	changed := false
	for _, t := range tables {
		key := strings.ToLower(t)
		if at, ok := b.exported[key]; !mentioned[key] || ok && at == b.epoch {
			continue
		}
		file := filepath.Join(b.cfg.Scratch, "sql", t+".parquet")
		if _, err := b.db.WriteParquet(ctx, duckdb.Table{Name: t}, file, duckdb.ParquetOptions{Uncompressed: true}); err != nil {
			return fmt.Errorf("hand %s to python: %w", t, err)
		}
		b.exported[key] = b.epoch
		changed = true
	}
	if !changed {
		return nil
	}
	b.version++
	manifest := map[string]any{}
	for key := range b.exported {
		for _, t := range tables {
			if strings.ToLower(t) == key {
				manifest[t] = map[string]any{"path": b.kernelPath("sql", t+".parquet"), "version": fmt.Sprintf("%d.%d", b.exported[key], b.version)}
			}
		}
	}
	data, err := json.Marshal(manifest)
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(b.cfg.Scratch, "sql", "manifest.json"), data, 0o644)
}

// tables lists the session's own tables and views (named results and what
// cells created), not the lake's.
func (b *Bridge) tables(ctx context.Context) ([]string, error) {
	named, err := b.db.NamedTables(ctx)
	if err != nil {
		return nil, fmt.Errorf("list tables for python: %w", err)
	}
	out := make([]string, len(named))
	for i, t := range named {
		out[i] = t.Name
	}
	return out, nil
}

// takeFromPython loads the DataFrames smallfry.table wrote into DuckDB.
func (b *Bridge) takeFromPython(ctx context.Context) ([]string, error) {
	dir := filepath.Join(b.cfg.Scratch, "py")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("tables from python: %w", err)
	}
	var names []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".parquet")
		if !ok || e.IsDir() || !backend.IsIdentifier(name) {
			continue
		}
		file := filepath.Join(dir, e.Name())
		if err := b.db.LoadParquet(ctx, name, file); err != nil {
			return names, fmt.Errorf("table %s from python: %w", name, err)
		}
		os.Remove(file)
		b.mu.Lock()
		delete(b.exported, strings.ToLower(name)) // Python may not hold it under this name
		b.mu.Unlock()
		names = append(names, name)
	}
	sort.Strings(names)
	return names, nil
}

// Setup runs code that defines what every cell needs (the parameters
// cells) unless it is what Setup last ran on this kernel. Its outputs are
// dropped; an error is returned with the kernel's message.
func (b *Bridge) Setup(ctx context.Context, code string) error {
	b.mu.Lock()
	done := b.setup == code
	b.mu.Unlock()
	if done || strings.TrimSpace(code) == "" {
		return nil
	}
	out, err := b.Execute(ctx, code, nil)
	if err != nil {
		return err
	}
	if out.Status == "error" {
		return fmt.Errorf("%s: %s", out.Ename, out.Evalue)
	}
	b.mu.Lock()
	b.setup = code
	b.mu.Unlock()
	return nil
}

// Interrupt stops the running cell, if any.
func (b *Bridge) Interrupt() error {
	b.mu.Lock()
	k := b.k
	b.mu.Unlock()
	if k == nil {
		return nil
	}
	return k.Interrupt()
}

// Restart restarts the kernel (a dead one included): Python's state is
// lost; the session's tables are handed over again when mentioned.
func (b *Bridge) Restart(ctx context.Context) error {
	b.mu.Lock()
	k := b.k
	b.exported = map[string]int64{}
	b.setup = ""
	done := make(chan struct{})
	if k != nil {
		b.restarting = done
	}
	b.mu.Unlock()
	if k == nil {
		return nil
	}
	b.setState(StateRestarting)
	defer func() {
		b.mu.Lock()
		b.restarting = nil
		b.mu.Unlock()
		close(done)
	}()
	if err := k.Restart(ctx); err != nil {
		b.setState(StateDead)
		return backend.Errorf(backend.EINTERNAL, "restart the kernel: %w", err)
	}
	b.mu.Lock()
	b.startWatch(k)
	b.mu.Unlock()
	b.setState(StateIdle)
	if b.keys != nil {
		b.keys.started(ctx, k)
	}
	if err := os.Remove(filepath.Join(b.cfg.Scratch, "sql", "manifest.json")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// Close shuts the kernel down.
func (b *Bridge) Close(ctx context.Context) error {
	b.mu.Lock()
	k := b.k
	b.k = nil
	if b.stopKeys != nil {
		b.stopKeys()
		b.stopKeys = nil
	}
	if b.stopWatch != nil {
		close(b.stopWatch)
		b.stopWatch = nil
	}
	b.mu.Unlock()
	defer b.setState(StateNone)
	if k != nil {
		if err := k.Shutdown(ctx); err != nil && !errors.Is(err, kernel.ErrClosed) {
			return err
		}
	}
	if b.cfg.RemoveScratch {
		// The kernel is down; a file it still held (Windows) stays for the
		// next start's sweep of the process's folder.
		_ = os.RemoveAll(b.cfg.Scratch)
	}
	return nil
}
