//go:build unix

package bridge

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"smallfry/backend/kernel"
)

// A cell run right after the kernel was killed, before the death is
// noticed, reports the death (not a broken connection); Restart revives it.
func TestRestartAfterDeath(t *testing.T) {
	b, _ := newBridge(t)
	ctx := context.Background()
	out, err := b.Execute(ctx, "import os\nprint(os.getpid())", nil)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(text(out)))
	if err != nil {
		t.Fatalf("the kernel printed %q, want its pid", text(out))
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Execute(ctx, "1", nil); !errors.Is(err, kernel.ErrDied) || !strings.Contains(err.Error(), "kernel died") {
		t.Fatalf("after the kill: %v, want the kernel died", err)
	}
	if err := b.Restart(ctx); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	out, err = b.Execute(ctx, "print(40 + 2)", nil)
	if err != nil || text(out) != "42\n" {
		t.Fatalf("after the restart: %q, %v", text(out), err)
	}
}
