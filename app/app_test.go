package app

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"smallfry/backend"
)

func TestFormatError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want callError
	}{
		{"backend error", backend.Errorf(backend.ENOTFOUND, "notebook %q not found", "a.ipynb"),
			callError{Code: backend.ENOTFOUND, Message: `notebook "a.ipynb" not found`}},
		{"wrapped backend error", fmt.Errorf("open: %w", backend.Errorf(backend.EINVALID, "bad cell")),
			callError{Code: backend.EINVALID, Message: "bad cell"}},
		{"canceled", fmt.Errorf("run: %w", context.Canceled),
			callError{Code: backend.ECANCELED, Message: "run: context canceled"}},
		{"plain error", errors.New("disk on fire"),
			callError{Code: backend.EINTERNAL, Message: "disk on fire"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatError(tt.err); got != tt.want {
				t.Errorf("formatError(%v) = %+v, want %+v", tt.err, got, tt.want)
			}
		})
	}
}
