package cli

import (
	"context"
	"flag"
	"fmt"
	stdio "io"
	"io/fs"
	"log/slog"

	"github.com/pkg/browser"

	"smallfry/backend/server"
	"smallfry/backend/smallfry"
	"smallfry/backend/workbench"
)

// serveCommand is `smallfry serve`: the workbench in a browser, on this
// machine only, until ctx ends (Ctrl+C).
func serveCommand(ctx context.Context, args []string, io Streams, assets fs.FS) int {
	fs := flag.NewFlagSet("smallfry serve", flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	fs.Usage = func() { fmt.Fprint(io.Stderr, usage) }
	addr := fs.String("addr", "127.0.0.1:0", "loopback host:port to listen on (port 0: any free port)")
	dir := fs.String("workspace", "", "workspace folder")
	noBrowser := fs.Bool("no-browser", false, "do not open a browser")
	tabGrace := fs.Duration("tab-grace", server.DefaultTabGrace, "how long a closed browser tab's notebooks and kernels are kept (for a reload)")
	if err := fs.Parse(args); err != nil {
		return exitInvalid
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(io.Stderr, "smallfry serve: unexpected argument %q\n\n%s", fs.Arg(0), usage)
		return exitInvalid
	}
	if *tabGrace <= 0 {
		fmt.Fprintf(io.Stderr, "smallfry serve: --tab-grace %s: want a positive duration, such as 2m\n", *tabGrace)
		return exitInvalid
	}
	log := slog.New(slog.NewTextHandler(io.Stderr, nil))
	hub := server.NewHub(log)
	app, err := smallfry.Open(ctx, appConfig(*dir, hub))
	if err != nil {
		return fail(io, err)
	}
	defer app.Close()
	srv, err := server.Listen(app.Workbench, hub, server.Options{Addr: *addr, Assets: assets, Log: log,
		TabGrace: *tabGrace, OnTabGone: app.Workbench.EndClient,
		Upload: func(name string, body stdio.Reader) (any, error) { return app.Workbench.SaveUpload(name, body) }, MaxUpload: workbench.MaxUpload})
	if err != nil {
		return fail(io, err)
	}
	// The one place the token is written: scripts and tests parse this line.
	fmt.Fprintf(io.Stdout, "Smallfry is serving at %s\n", srv.URL())
	fmt.Fprintf(io.Stderr, "Workspace %s. Press Ctrl+C to stop.\n", app.Workspace.Root)
	if !*noBrowser {
		// The opener's own chatter goes to stderr, keeping stdout to the one
		// line; it runs aside because some openers wait for the browser to exit.
		browser.Stdout, browser.Stderr = io.Stderr, io.Stderr
		go func() {
			// The opener's command line is readable by every local user:
			// it gets a one-time code, not the token.
			link, err := srv.OpenURL()
			if err == nil {
				err = browser.OpenURL(link)
			}
			if err != nil {
				fmt.Fprintf(io.Stderr, "smallfry serve: could not open a browser (%v); open the link above\n", err)
			}
		}()
	}
	if err := srv.Serve(ctx); err != nil {
		return fail(io, err)
	}
	return exitOK
}
