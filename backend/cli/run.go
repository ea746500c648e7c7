package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"smallfry/backend"
	"smallfry/backend/notebook"
	"smallfry/backend/runner"
	"smallfry/backend/smallfry"
	"smallfry/backend/workspace"
)

// paramFlags collects repeated -p name=value flags.
type paramFlags map[string]string

func (p paramFlags) String() string { return "" }

func (p paramFlags) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return fmt.Errorf("%q is not name=value", s)
	}
	if _, dup := p[name]; dup {
		return fmt.Errorf("parameter %s is given twice", name)
	}
	p[name] = value
	return nil
}

func runCommand(ctx context.Context, args []string, io Streams) int {
	fs := flag.NewFlagSet("smallfry run", flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	fs.Usage = func() { fmt.Fprint(io.Stderr, usage) }
	ps := paramFlags{}
	fs.Var(ps, "p", "a parameter, name=value (repeatable)")
	out := fs.String("o", "", "also write the output notebook here")
	dir := fs.String("workspace", "", "workspace folder")
	image := fs.String("docker", "", "run Python cells in a container of this Docker image")
	// Flags may come before or after the notebook, as with papermill.
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return exitInvalid
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(positional) != 1 {
		fmt.Fprintf(io.Stderr, "smallfry run: expected one notebook, got %d\n\n%s", len(positional), usage)
		return exitInvalid
	}
	path := positional[0]
	if *dir == "" {
		if found, ok := workspace.Find(path); ok {
			*dir = found
		}
	}
	// The workspace is opened (created, with its samples, if new) before the
	// notebook is looked for, so `run --workspace NEW NEW/notebooks/tour.ipynb` works.
	app, err := smallfry.Open(ctx, appConfig(*dir, nil))
	if err != nil {
		return fail(io, err)
	}
	defer app.Close()
	if _, err := os.Stat(path); err != nil {
		return fail(io, backend.Errorf(backend.ENOTFOUND, "notebook %s: %v", path, errors.Unwrap(err)))
	}
	if *out != "" && samePath(*out, path) {
		return fail(io, backend.Errorf(backend.EINVALID, "-o %s would overwrite the notebook being run; choose another file", *out))
	}
	warn := func(msg string) { fmt.Fprintln(io.Stderr, "warning:", msg) }
	outcome, err := app.Run(ctx, path, smallfry.RunOptions{Docker: *image, Options: runner.Options{
		Params: ps, Mode: "headless", Warn: warn, Output: *out,
		OnCell: func(e runner.CellEvent) {
			detail := fmt.Sprintf("%.2fs", e.Duration.Seconds())
			if e.Rows > 0 {
				detail += fmt.Sprintf(", %d rows", e.Rows)
			}
			fmt.Fprintf(io.Stderr, "[%d/%d] %s: %s (%s)\n", e.Index, e.Of, e.Label, e.Status, detail)
		},
	}})
	if err != nil {
		return fail(io, err)
	}
	if *out != "" {
		if err := notebook.WriteFile(*out, outcome.Output); err != nil {
			return fail(io, fmt.Errorf("write output notebook %s: %w", *out, err))
		}
	}
	fmt.Fprintf(io.Stderr, "run %s: %s in %.2fs; output notebook %s\n", outcome.Record.ID, outcome.Record.Status,
		float64(outcome.Record.DurationMs)/1000, app.Workspace.Runs.OutputPath(outcome.Record.ID))
	if outcome.Err != nil {
		fmt.Fprintln(io.Stderr, "error:", backend.ErrorMessage(outcome.Err))
		return exitFailed
	}
	return exitOK
}

func samePath(a, b string) bool {
	pa, err1 := filepath.Abs(a)
	pb, err2 := filepath.Abs(b)
	if err1 != nil || err2 != nil {
		return false
	}
	if pa == pb {
		return true
	}
	sa, err1 := os.Stat(pa)
	sb, err2 := os.Stat(pb)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}
