//go:build unix

package kernel

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"
)

// A request sent right after the kernel was killed fails as ErrDied, never
// as the transport error the dead connection gives. The race: a killed
// kernel's sockets close a few milliseconds before Process.Wait reports the
// exit, and a send in between breaks on the closed connection (a broken
// pipe, or zmq4's ErrClosedConn). Even rounds execute at once after the kill;
// odd rounds first wait until the kernel's shell port refuses connections, so
// the send lands in that window.
func TestExecuteRightAfterKill(t *testing.T) {
	k := startKernel(t, venvSpec(t), Options{})
	for round := range 20 {
		pid := kernelPid(t, k)
		c, err := k.conn()
		if err != nil {
			t.Fatal(err)
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		if round%2 == 1 {
			waitRefused(t, c.proc.Dial(c.ports.Shell))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err = k.Execute(ctx, "1+1", nil)
		cancel()
		if !errors.Is(err, ErrDied) {
			t.Fatalf("round %d: execute right after the kill: got %v, want ErrDied", round, err)
		}
		if err := k.Restart(context.Background()); err != nil {
			t.Fatalf("round %d: restart: %v", round, err)
		}
	}
}

// waitRefused returns once nothing listens on addr any more. Each attempt is
// bounded: a dying process accepts nothing, so once its backlog is full new
// connections hang rather than connect.
func waitRefused(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		cn, err := net.DialTimeout("tcp", addr, 20*time.Millisecond)
		if errors.Is(err, syscall.ECONNREFUSED) {
			return
		}
		if err == nil {
			cn.Close()
		}
	}
	t.Fatalf("%s still accepts connections 10s after the kill", addr)
}
