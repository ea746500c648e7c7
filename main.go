// Command smallfry is the Smallfry data workbench: with no arguments it opens
// the desktop window; subcommands (run, serve, ...) share the same backend.
package main

import (
	"context"
	"embed"
	"io/fs"
	"os"
	"os/signal"
	"syscall"

	"smallfry/app"
	"smallfry/backend/cli"
	"smallfry/backend/smallfry"
)

//go:embed all:frontend/dist
var frontendDist embed.FS

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ui, err := fs.Sub(frontendDist, "frontend/dist")
	if err != nil {
		panic(err) // the embed pattern above guarantees the folder exists
	}
	os.Exit(cli.Main(ctx, os.Args[1:], cli.Streams{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}, cli.Config{
		OpenWindow: func(ctx context.Context, cfg smallfry.Config) error {
			return app.Run(ctx, app.Config{App: cfg, Assets: ui})
		},
		Assets: ui,
	}))
}
