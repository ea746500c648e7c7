// Package app is Smallfry's desktop shell: it opens the Wails window and binds
// the services the frontend calls. It is the only package that imports Wails.
package app

import (
	"context"
	"io/fs"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"

	"smallfry/backend"
	"smallfry/backend/smallfry"
)

// Config is what the command line hands to the window.
type Config struct {
	App    smallfry.Config // what to open; its Events are the window's
	Assets fs.FS           // the built frontend (frontend/dist), index.html at its root
}

// service is one bound area of the API. The lifecycle methods are unexported
// so Wails does not expose them to JavaScript (it binds every exported method).
type service interface {
	start(ctx context.Context)
	stop()
}

// Run opens the app in the window and blocks until the window is closed.
func Run(ctx context.Context, cfg Config) error {
	shell := &shell{}
	cfg.App.Events = shell
	a, err := smallfry.Open(ctx, cfg.App)
	if err != nil {
		return err
	}
	defer a.Close()
	// Every service is created here and nowhere else, and listed once.
	bench := &Workbench{svc: a.Workbench}
	services := []service{bench}

	return wails.Run(&options.App{
		Title:       "Smallfry",
		Width:       1280,
		Height:      800,
		MinWidth:    800,
		MinHeight:   500,
		AssetServer: &assetserver.Options{Assets: cfg.Assets},
		OnStartup: func(ctx context.Context) {
			shell.start(ctx)
			for _, s := range services {
				s.start(ctx)
			}
		},
		OnShutdown: func(context.Context) {
			// Reverse order, so a service can rely on those started before it.
			for i := len(services) - 1; i >= 0; i-- {
				services[i].stop()
			}
			shell.stop()
		},
		Bind: []any{bench},
		ErrorFormatter: func(err error) any {
			if backend.ErrorCode(err) == backend.EINTERNAL {
				shell.logError(err) // the user gets the message; the log gets the chain
			}
			return backend.Wire(err)
		},
	})
}
