// Package app is Smallfry's desktop shell: it opens the Wails window and binds
// the services the frontend calls. It is the only package that imports Wails.
package app

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"

	"smallfry/backend"
	"smallfry/backend/workbench"
	"smallfry/backend/workspace"
)

// Config is what the command line hands to the window.
type Config struct {
	WorkspaceDir string // an opened workspace's folder
	Assets       fs.FS  // the built frontend (frontend/dist), index.html at its root
	Version      string
}

// service is one bound area of the API. The lifecycle methods are unexported
// so Wails does not expose them to JavaScript (it binds every exported method).
type service interface {
	start(ctx context.Context)
	stop()
}

// Run opens the window and blocks until it is closed.
func Run(cfg Config) error {
	dir, err := filepath.Abs(cfg.WorkspaceDir)
	if err != nil {
		return fmt.Errorf("workspace %q: %w", cfg.WorkspaceDir, err)
	}
	ws, err := workspace.Open(context.Background(), dir)
	if err != nil {
		return err
	}
	shell := &shell{}
	// Every service is created here and nowhere else, and listed once.
	bench := &Workbench{svc: workbench.New(ws, shell, cfg.Version)}
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
			return formatError(err)
		},
	})
}

// callError is what a rejected promise carries in the frontend (see src/api.ts).
type callError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func formatError(err error) callError {
	return callError{Code: backend.ErrorCode(err), Message: backend.ErrorMessage(err)}
}
