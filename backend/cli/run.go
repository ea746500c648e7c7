package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"smallfry/backend"
	"smallfry/backend/notebook"
	"smallfry/backend/runner"
	"smallfry/backend/runs"
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
	paramsEnv := fs.String("params-env", "", "also read parameters from the JSON object in this environment variable")
	scheduled := fs.Bool("scheduled", false, "the run is Airflow's: name it by the AIRFLOW_CTX_* variables")
	recordTo := fs.String("record-to", "", "with --scheduled: also store the record and output notebook under this folder or s3:// prefix")
	timeout := fs.Duration("timeout", 0, "stop the run after this long (e.g. 30m), as failed")
	download := fs.Bool("download-anyway", false, "run local SQL cells even when they would download more of the S3 lake than the offload threshold")
	positional, ok := parseInterleaved(fs, args)
	if !ok {
		return exitInvalid
	}
	if len(positional) != 1 {
		fmt.Fprintf(io.Stderr, "smallfry run: expected one notebook, got %d\n\n%s", len(positional), usage)
		return exitInvalid
	}
	path := positional[0]
	if *paramsEnv != "" {
		if err := ps.fromEnv(*paramsEnv); err != nil {
			fmt.Fprintln(io.Stderr, "smallfry run:", err)
			return exitInvalid
		}
	}
	var sched *runs.Scheduled
	if *scheduled {
		var err error
		if sched, err = airflowRun(); err != nil {
			fmt.Fprintln(io.Stderr, "smallfry run:", err)
			return exitInvalid
		}
	} else if *recordTo != "" {
		fmt.Fprintln(io.Stderr, "smallfry run: --record-to is for scheduled runs: add --scheduled")
		return exitInvalid
	}
	if *timeout < 0 {
		fmt.Fprintln(io.Stderr, "smallfry run: --timeout must be positive")
		return exitInvalid
	}
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, *timeout, fmt.Errorf("the run timed out after %s (--timeout)", *timeout))
		defer cancel()
	}
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
	mode := "headless"
	if sched != nil {
		mode = "scheduled"
	}
	outcome, err := app.Run(ctx, path, smallfry.RunOptions{Docker: *image, Download: *download, Options: runner.Options{
		Params: ps, Mode: mode, Warn: warn, Scheduled: sched, Output: *out,
		OnCell: func(e runner.CellEvent) {
			detail := fmt.Sprintf("%.2fs", e.Duration.Seconds())
			if e.Rows > 0 {
				detail += fmt.Sprintf(", %d rows", e.Rows)
			}
			fmt.Fprintf(io.Stderr, "[%d/%d] %s: %s (%s)\n", e.Index, e.Of, e.Label, e.Status, detail)
		},
	}})
	if err != nil {
		return fail(io, timedOut(ctx, err))
	}
	if *out != "" {
		if err := notebook.WriteFile(*out, outcome.Output); err != nil {
			return fail(io, fmt.Errorf("write output notebook %s: %w", *out, err))
		}
	}
	fmt.Fprintf(io.Stderr, "run %s: %s in %.2fs; output notebook %s\n", outcome.Record.ID, outcome.Record.Status,
		float64(outcome.Record.DurationMs)/1000, app.Workspace.Runs.OutputPath(outcome.Record.ID))
	if *recordTo != "" {
		// Stored even when the run failed: the failure is what the analyst looks for.
		if err := app.RecordScheduled(context.WithoutCancel(ctx), *recordTo, outcome); err != nil {
			fmt.Fprintln(io.Stderr, "error:", backend.ErrorMessage(err))
			return exitFailed
		}
		fmt.Fprintf(io.Stderr, "recorded under %s\n", *recordTo)
	}
	if outcome.Err != nil {
		fmt.Fprintln(io.Stderr, "error:", backend.ErrorMessage(timedOut(ctx, outcome.Err)))
		return exitFailed
	}
	return exitOK
}

// timedOut words an error of a run that --timeout stopped as such, and
// makes it a failure (a timeout is not the user canceling).
func timedOut(ctx context.Context, err error) error {
	if ctx.Err() != context.DeadlineExceeded {
		return err
	}
	return &backend.Error{Code: backend.EINTERNAL, Message: context.Cause(ctx).Error() + ": " + backend.ErrorMessage(err), Err: err}
}

// fromEnv adds the parameters of the JSON object in environment variable
// name: strings as typed with -p (numbers and booleans are taken as their
// text). A name given both ways is an error.
func (p paramFlags) fromEnv(name string) error {
	raw, ok := os.LookupEnv(name)
	if !ok {
		return fmt.Errorf("--params-env %s: the variable is not set", name)
	}
	var values map[string]any
	if err := json.Unmarshal([]byte(raw), &values); err != nil {
		return fmt.Errorf("--params-env %s: not a JSON object of name: value (%v)", name, err)
	}
	for k, v := range values {
		var text string
		switch v := v.(type) {
		case string:
			text = v
		case float64, bool:
			text = fmt.Sprint(v)
		default:
			return fmt.Errorf("--params-env %s: parameter %s is a JSON %T; give it as text, as with -p", name, k, v)
		}
		if err := p.Set(k + "=" + text); err != nil {
			return fmt.Errorf("--params-env %s: %w", name, err)
		}
	}
	return nil
}

// airflowRun names the Airflow run this process is the task of, from the
// variables Airflow (and the DAG factory) set.
func airflowRun() (*runs.Scheduled, error) {
	dag, run := os.Getenv("AIRFLOW_CTX_DAG_ID"), os.Getenv("AIRFLOW_CTX_DAG_RUN_ID")
	if dag == "" || run == "" {
		return nil, errors.New("--scheduled: AIRFLOW_CTX_DAG_ID and AIRFLOW_CTX_DAG_RUN_ID are not set (this is for runs Airflow starts)")
	}
	try := 1
	if t := os.Getenv("AIRFLOW_CTX_TRY_NUMBER"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("--scheduled: AIRFLOW_CTX_TRY_NUMBER %q is not a try number", t)
		}
		try = n
	}
	return &runs.Scheduled{DagID: dag, RunID: run, Try: try}, nil
}

// parseInterleaved parses flags that may come before or after the
// positional arguments, as with papermill, and returns those arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, bool) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, false
		}
		if fs.NArg() == 0 {
			return positional, true
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
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
