// Package cli is smallfry's command line: with no arguments it opens the
// desktop window; `run` runs a notebook headless, `serve` serves the UI to a browser.
package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime/debug"
	"strings"

	"smallfry/backend"
	"smallfry/backend/smallfry"
	"smallfry/backend/workbench"
)

// Streams are the command's standard streams.
type Streams struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Config is what main hands to the command line.
type Config struct {
	// OpenWindow opens the app (smallfry.Open, with the window's events)
	// in the desktop window, and blocks until the window closes.
	OpenWindow func(ctx context.Context, cfg smallfry.Config) error
	// Assets is the built UI (frontend/dist), index.html at its root: serve sends it to the browser.
	Assets fs.FS
}

// Exit codes.
const (
	exitOK      = 0
	exitFailed  = 1 // a run ran and a cell failed (or it was canceled)
	exitInvalid = 2 // bad usage or input: nothing ran
)

const usage = `Smallfry: a local-first data workbench.

Usage:
  smallfry [--workspace DIR]                     open the desktop window
  smallfry run NOTEBOOK.ipynb [-p name=value ...] [-o OUT.ipynb] [--docker IMAGE]
               [--workspace DIR] [--timeout 30m] run a notebook headless (Python in
                                                 a container of IMAGE with --docker)
               [--params-env VAR] [--scheduled --record-to DIR|s3://…]
                                                 (how Airflow runs a published notebook)
               [--download-anyway]               run local SQL cells over the offload threshold
  smallfry publish NOTEBOOK.ipynb [--schedule CRON] [--timezone TZ] [-p name=value ...]
               [--webhook URL] [--email ADDR] [--retries N] [--timeout 1h]
                                                 check-run the notebook, then publish it to
                                                 run on the company's Airflow; manage it with
               [--run-now | --pause | --resume | --unpublish]
  smallfry dag-factory [DIR]                     write the Airflow DAG factory (smallfry_dags.py)
                                                 to DIR (an Airflow DAG folder), or print it
  smallfry serve [--addr 127.0.0.1:0] [--workspace DIR] [--no-browser] [--tab-grace 2m]
                                                 serve the workbench to a browser on this
                                                 machine; prints the link (with its access token)
  smallfry login [--config FILE] [--no-browser]  sign in to the company (imports the
                                                 settings FILE your admin gave you first)
  smallfry logout                                sign out, here and at the identity provider
  smallfry credentials                           print temporary AWS keys as
                                                 credential_process JSON (for ~/.aws/config:
                                                 credential_process = smallfry credentials)
  smallfry cluster-token NAME                    keep the token of Spark cluster NAME (read
                                                 from stdin) in the OS keychain
  smallfry version                               print the version

The workspace defaults to $SMALLFRY_WORKSPACE, else ~/Smallfry; it is created
with sample notebooks and data on first use. 'smallfry run' uses the
workspace that holds the notebook, if any.
`

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, args []string, io Streams, cfg Config) int {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "run":
			return runCommand(ctx, args[1:], io)
		case "serve":
			return serveCommand(ctx, args[1:], io, cfg.Assets)
		case "login":
			return loginCommand(ctx, args[1:], io)
		case "logout":
			return logoutCommand(ctx, args[1:], io)
		case "credentials":
			return credentialsCommand(ctx, args[1:], io)
		case "publish":
			return publishCommand(ctx, args[1:], io)
		case "cluster-token":
			return clusterTokenCommand(ctx, args[1:], io)
		case "dag-factory":
			return dagFactoryCommand(args[1:], io)
		case "version":
			fmt.Fprintln(io.Stdout, "smallfry", Version())
			return exitOK
		case "help":
			fmt.Fprint(io.Stdout, usage)
			return exitOK
		}
		fmt.Fprintf(io.Stderr, "smallfry: unknown command %q\n\n%s", args[0], usage)
		return exitInvalid
	}
	fs := flag.NewFlagSet("smallfry", flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	fs.Usage = func() { fmt.Fprint(io.Stderr, usage) }
	dir := fs.String("workspace", "", "workspace folder")
	if err := fs.Parse(args); err != nil {
		return exitInvalid
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(io.Stderr, "smallfry: unexpected argument %q\n\n%s", fs.Arg(0), usage)
		return exitInvalid
	}
	if err := cfg.OpenWindow(ctx, appConfig(*dir, nil)); err != nil {
		return fail(io, err)
	}
	return exitOK
}

// appConfig is what every command opens the app with.
func appConfig(dir string, events workbench.Events) smallfry.Config {
	return smallfry.Config{Workspace: dir, Python: os.Getenv("SMALLFRY_PYTHON"), Events: events, Version: Version()}
}

func fail(io Streams, err error) int {
	fmt.Fprintln(io.Stderr, "smallfry:", backend.ErrorMessage(err))
	if backend.ErrorCode(err) == backend.EINVALID || backend.ErrorCode(err) == backend.ENOTFOUND {
		return exitInvalid
	}
	return exitFailed
}

// Version is the module version stamped by the build, or "dev".
func Version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}
