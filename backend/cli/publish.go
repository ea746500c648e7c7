package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"smallfry/assets"
	"smallfry/backend"
	"smallfry/backend/atomicfile"
	"smallfry/backend/publish"
	"smallfry/backend/smallfry"
	"smallfry/backend/workbench"
	"smallfry/backend/workspace"
)

// listFlags collects a repeated flag.
type listFlags []string

func (l *listFlags) String() string     { return strings.Join(*l, ",") }
func (l *listFlags) Set(s string) error { *l = append(*l, s); return nil }

// publishCommand is `smallfry publish NOTEBOOK [--schedule CRON] [-p
// name=value …]`: the check run, then the notebook live in the company's
// Airflow. --pause, --resume, --run-now and --unpublish manage it after.
func publishCommand(ctx context.Context, args []string, io Streams) int {
	fs := flag.NewFlagSet("smallfry publish", flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	fs.Usage = func() { fmt.Fprint(io.Stderr, usage) }
	ps := paramFlags{}
	fs.Var(ps, "p", "a parameter the schedule runs with, name=value (repeatable)")
	schedule := fs.String("schedule", "", "a cron: minute hour day month weekday (\"0 3 * * *\"); none runs only when asked")
	tz := fs.String("timezone", "", "the schedule's time zone (IANA, e.g. Europe/Berlin); default $TZ, else UTC")
	webhook := fs.String("webhook", "", "post failures to this (Slack-compatible) webhook URL")
	var emails listFlags
	fs.Var(&emails, "email", "mail failures to this address (repeatable)")
	retries := fs.Int("retries", 0, "retries of a failed run")
	timeout := fs.Duration("timeout", time.Hour, "stop a scheduled run after this long")
	dir := fs.String("workspace", "", "workspace folder")
	unpublish := fs.Bool("unpublish", false, "remove the notebook from the schedule (its past runs stay)")
	pause := fs.Bool("pause", false, "pause the notebook's schedule")
	resume := fs.Bool("resume", false, "resume the notebook's schedule")
	runNow := fs.Bool("run-now", false, "start a scheduled run now")
	positional, ok := parseInterleaved(fs, args)
	if !ok {
		return exitInvalid
	}
	if len(positional) != 1 {
		fmt.Fprintf(io.Stderr, "smallfry publish: expected one notebook, got %d\n\n%s", len(positional), usage)
		return exitInvalid
	}
	actions := 0
	for _, b := range []bool{*unpublish, *pause, *resume, *runNow} {
		if b {
			actions++
		}
	}
	if actions > 1 {
		fmt.Fprintln(io.Stderr, "smallfry publish: give one of --unpublish, --pause, --resume, --run-now")
		return exitInvalid
	}
	path := positional[0]
	if *dir == "" {
		if found, ok := workspace.Find(path); ok {
			*dir = found
		}
	}
	app, err := smallfry.Open(ctx, appConfig(*dir, nil))
	if err != nil {
		return fail(io, err)
	}
	defer app.Close()
	rel, err := notebookInWorkspace(app, path)
	if err != nil {
		return fail(io, err)
	}
	wb := app.Workbench
	switch {
	case *unpublish:
		if _, err := wb.Unpublish(ctx, rel); err != nil {
			return fail(io, err)
		}
		fmt.Fprintf(io.Stdout, "%s is no longer published; its past runs stay in its history.\n", rel)
		return exitOK
	case *pause, *resume:
		st, err := wb.SetPublishedPaused(ctx, rel, *pause)
		if err != nil {
			return fail(io, err)
		}
		printState(io, st)
		return exitOK
	case *runNow:
		rec, err := wb.RunNow(ctx, rel)
		if err != nil {
			return fail(io, err)
		}
		fmt.Fprintf(io.Stdout, "Started scheduled run %s of %s.\n", rec.Scheduled.RunID, rel)
		return exitOK
	}

	zone := *tz
	if zone == "" {
		zone = firstOf(os.Getenv("TZ"), "UTC")
	}
	names := make([]string, 0, len(ps))
	for k := range ps {
		names = append(names, k)
	}
	sort.Strings(names)
	var params []string
	for _, k := range names {
		params = append(params, k+"="+ps[k])
	}
	req := workbench.PublishRequest{Path: rel, Cron: *schedule, Timezone: zone, Params: params, Webhook: *webhook,
		Email: emails, Retries: *retries, TimeoutMinutes: int(timeout.Minutes())}
	if *timeout < time.Minute {
		fmt.Fprintln(io.Stderr, "smallfry publish: --timeout must be at least 1m")
		return exitInvalid
	}
	fmt.Fprintf(io.Stderr, "Checking %s: a run as the schedule will run it…\n", rel)
	check, err := wb.CheckPublish(ctx, req)
	if err != nil {
		return fail(io, err)
	}
	if check.Failed != nil {
		fmt.Fprintf(io.Stderr, "smallfry publish: the check run failed at %s, so nothing was published:\n  %s\n", firstOf(check.Failed.Label, "a cell"), check.Failed.Message)
		return exitFailed
	}
	fmt.Fprintf(io.Stderr, "Check run passed in %.1fs.\n", float64(check.DurationMs)/1000)
	switch {
	case check.FirstPublish:
		fmt.Fprintf(io.Stderr, "First publish of %s.\n", check.DagID)
	case len(check.Changes) == 0:
		fmt.Fprintln(io.Stderr, "No change against the published version.")
	default:
		fmt.Fprintln(io.Stderr, "Changes against the published version:")
		for _, c := range check.Changes {
			fmt.Fprintf(io.Stderr, "  %s: %s\n", c.Label, c.What)
		}
	}
	req.Token = check.Token
	st, err := wb.Publish(ctx, req)
	if err != nil {
		return fail(io, err)
	}
	printState(io, st)
	return exitOK
}

func printState(io Streams, st *workbench.PublishState) {
	state := "live"
	if st.Paused {
		state = "paused"
	}
	fmt.Fprintf(io.Stdout, "Published %s as DAG %s at %s: %s, %s", st.Path, st.DagID, st.Airflow, st.Sentence, state)
	if st.NextRun != nil && !st.Paused {
		fmt.Fprintf(io.Stdout, "; next run %s", st.NextRun.Local().Format("2006-01-02 15:04 MST"))
	}
	fmt.Fprintln(io.Stdout, ".")
}

// notebookInWorkspace is path as the workbench names notebooks: relative
// to the workspace's notebooks folder, which must hold it.
func notebookInWorkspace(app *smallfry.App, path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(abs); err != nil {
		return "", backend.Errorf(backend.ENOTFOUND, "notebook %s: %v", path, err)
	}
	rel, err := filepath.Rel(app.Workspace.Notebooks, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		return "", backend.Errorf(backend.EINVALID, "%s is not in the workspace's notebooks folder %s: only a workspace's notebooks are published", path, app.Workspace.Notebooks)
	}
	return filepath.ToSlash(rel), nil
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// dagFactoryCommand is `smallfry dag-factory [DIR]`: the DAG factory this
// smallfry reads specs for, written into DIR (or printed), for the admin
// installing it (docs/airflow.md).
func dagFactoryCommand(args []string, io Streams) int {
	if len(args) > 1 || len(args) == 1 && strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(io.Stderr, "smallfry dag-factory: expected at most one folder\n\n%s", usage)
		return exitInvalid
	}
	if len(args) == 0 {
		_, _ = io.Stdout.Write(assets.DAGFactory)
		return exitOK
	}
	info, err := os.Stat(args[0])
	if err != nil || !info.IsDir() {
		return fail(io, backend.Errorf(backend.EINVALID, "%s is not a folder: give Airflow's DAG folder", args[0]))
	}
	path := filepath.Join(args[0], "smallfry_dags.py")
	if err := atomicfile.Write(path, assets.DAGFactory, 0o644); err != nil {
		return fail(io, fmt.Errorf("write the DAG factory %s: %w", path, err))
	}
	fmt.Fprintf(io.Stdout, "Wrote %s (spec version %d).\n", path, publish.SpecVersion)
	return exitOK
}
