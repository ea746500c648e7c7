package bridge

import (
	"context"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRestartAfterDeath(t *testing.T) {
	b, _ := newBridge(t)
	ctx := context.Background()
	out, err := b.Execute(ctx, "import os\nprint(os.getpid())", nil)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(text(out)))
	syscall.Kill(pid, syscall.SIGKILL)
	time.Sleep(300 * time.Millisecond)
	if _, err := b.Execute(ctx, "1", nil); err == nil || !strings.Contains(err.Error(), "kernel died") {
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
