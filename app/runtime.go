package app

import (
	"context"
	"sync"

	"github.com/wailsapp/wails/v2/pkg/runtime"
)

// shell wraps every call into the Wails runtime, so services stay free of
// Wails and this is the one place to look when the runtime API changes.
// It holds the startup context because every runtime call needs it.
type shell struct {
	ctx      context.Context
	quitting sync.Once
}

// quitOn closes the window when done ends (main.go's SIGINT/SIGTERM
// context), called once the page is up. Wails quits on those signals by
// stopping GTK's main loop, which does nothing before the loop runs: a
// signal in the first moments of start-up was lost and the window stayed.
// By the page's DOM-ready the loop runs, so a signal from any time quits.
func (s *shell) quitOn(done <-chan struct{}) {
	s.quitting.Do(func() {
		go func() {
			<-done
			runtime.Quit(s.ctx)
		}()
	})
}

func (s *shell) start(ctx context.Context) { s.ctx = ctx }
func (s *shell) stop()                     {}

// Emit pushes a backend event to the window (workbench.Events). Events
// before the window is up have no one to reach and are dropped.
func (s *shell) Emit(name string, data any) {
	if s.ctx != nil {
		runtime.EventsEmit(s.ctx, name, data)
	}
}

// logError records an unexpected error with its full chain in the app log.
func (s *shell) logError(err error) {
	if s.ctx != nil {
		runtime.LogErrorf(s.ctx, "%v", err)
	}
}

// chooseFile asks the user for a file to open; "" when they cancel.
func (s *shell) chooseFile(title string, patterns string) (string, error) {
	return runtime.OpenFileDialog(s.ctx, runtime.OpenDialogOptions{
		Title:   title,
		Filters: []runtime.FileFilter{{DisplayName: title + " (" + patterns + ")", Pattern: patterns}},
	})
}

// tell shows a message box.
func (s *shell) tell(title, message string, isError bool) {
	kind := runtime.InfoDialog
	if isError {
		kind = runtime.ErrorDialog
	}
	_, _ = runtime.MessageDialog(s.ctx, runtime.MessageDialogOptions{Type: kind, Title: title, Message: message})
}
