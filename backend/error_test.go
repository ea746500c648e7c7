package backend

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestWire(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want WireError
	}{
		{"backend error", Errorf(ENOTFOUND, "notebook %q not found", "a.ipynb"),
			WireError{Code: ENOTFOUND, Message: `notebook "a.ipynb" not found`}},
		{"wrapped backend error", fmt.Errorf("open: %w", Errorf(EINVALID, "bad cell")),
			WireError{Code: EINVALID, Message: "bad cell"}},
		{"canceled", fmt.Errorf("run: %w", context.Canceled),
			WireError{Code: ECANCELED, Message: "run: canceled"}},
		{"timed out", fmt.Errorf("run: %w", context.DeadlineExceeded),
			WireError{Code: ECANCELED, Message: "run: timed out"}},
		{"canceled backend error", Errorf(ECANCELED, "statement 2: %w", context.Canceled),
			WireError{Code: ECANCELED, Message: "statement 2: canceled"}},
		{"plain error", errors.New("disk on fire"),
			WireError{Code: EINTERNAL, Message: "disk on fire"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Wire(tt.err); got != tt.want {
				t.Errorf("Wire(%v) = %+v, want %+v", tt.err, got, tt.want)
			}
		})
	}
}
