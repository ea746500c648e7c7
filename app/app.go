// Package app is Smallfry's desktop shell: it opens the Wails window and binds
// the services the frontend calls. It is the only package that imports Wails.
package app

import (
	"context"
	"fmt"
	"io/fs"
	"os"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/menu"
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
	dialogs := &Dialogs{shell: shell}
	services := []service{bench, dialogs}

	// File ▸ Import company settings… reads the file the admin handed out
	// and imports it as the Sign-in bar's button does; the bar updates from
	// the account event.
	appMenu := menu.NewMenu()
	file := appMenu.AddSubmenu("File")
	file.AddText("Import company settings…", nil, func(*menu.CallbackData) {
		path, err := shell.chooseFile("Import company settings", "*.json")
		if err != nil || path == "" {
			return
		}
		if err := importSettingsFile(shell.ctx, bench, path); err != nil {
			shell.tell("Company settings", err.Error(), true)
		}
	})

	return wails.Run(&options.App{
		Title:       "Smallfry",
		Menu:        appMenu,
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
		OnDomReady: func(context.Context) { shell.quitOn(ctx.Done()) },
		OnShutdown: func(context.Context) {
			// Reverse order, so a service can rely on those started before it.
			for i := len(services) - 1; i >= 0; i-- {
				services[i].stop()
			}
			shell.stop()
		},
		Bind: []any{bench, dialogs},
		// Files dropped on the window reach the frontend as paths (runtime
		// OnFileDrop) for "Import data". Not DisableWebViewDrop: in Wails
		// 2.9.2 on Linux it unsets the web view as a drop target, and then no
		// drop arrives at all (wailsapp/wails#3563); the frontend cancels
		// the web view's own handling (opening the file) in JavaScript.
		DragAndDrop: &options.DragAndDrop{EnableFileDrop: true},
		ErrorFormatter: func(err error) any {
			if backend.ErrorCode(err) == backend.EINTERNAL {
				shell.logError(err) // the user gets the message; the log gets the chain
			}
			return backend.Wire(err)
		},
	})
}

// importSettingsFile imports the company settings file at path.
func importSettingsFile(ctx context.Context, w *Workbench, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read the company settings: %w", err)
	}
	_, err = w.svc.ImportSettings(ctx, string(data))
	return err
}
