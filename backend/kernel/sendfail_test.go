package kernel

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

// These tests pin the order of the race TestExecuteRightAfterKill hits by
// chance with a real kernel: the send breaks on the closed connection first,
// and the process exit is reported only afterwards.

// exitingProcess is a kernel process whose exit the test reports.
type exitingProcess struct {
	once sync.Once
	exit chan struct{}
}

func newExitingProcess() *exitingProcess { return &exitingProcess{exit: make(chan struct{})} }

func (p *exitingProcess) Wait() error {
	<-p.exit
	return errors.New("signal: killed")
}
func (p *exitingProcess) Interrupt() error     { return nil }
func (p *exitingProcess) Kill() error          { p.die(); return nil }
func (p *exitingProcess) Dial(port int) string { return "127.0.0.1:1" }
func (p *exitingProcess) die()                 { p.once.Do(func() { close(p.exit) }) }

// brokenSocket fails every send as a socket whose peer went away does, and
// calls sent (if set) after each failure.
type brokenSocket struct {
	zmq4.Socket // nil: only Send and Close are called
	sent        func()
}

func (s *brokenSocket) Send(zmq4.Msg) error {
	if s.sent != nil {
		s.sent()
	}
	return zmq4.ErrClosedConn
}

func (s *brokenSocket) Close() error { return nil }

// brokenKernel is a Kernel on proc whose shell and control sockets fail.
func brokenKernel(t *testing.T, proc Process, hb heartbeatTiming, sent func()) *Kernel {
	t.Helper()
	k := &Kernel{
		spec:    Spec{Name: "broken", Argv: []string{"kernel"}, InterruptMode: "message"},
		opts:    Options{heartbeat: hb}.withDefaults(),
		session: newID(),
		execSem: make(chan struct{}, 1),
	}
	c := newConn(k, proc, testKey, filepath.Join(t.TempDir(), "kernel.json"), Ports{})
	c.shell = &brokenSocket{sent: sent}
	c.control = &brokenSocket{sent: sent}
	k.cur = c
	t.Cleanup(func() {
		if err := k.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return k
}

func TestSendFailsAsTheKernelDies(t *testing.T) {
	proc := newExitingProcess()
	// The real heartbeat timing: the exit, not a timer, must end the wait.
	k := brokenKernel(t, proc, defaultHeartbeat, func() { go proc.die() })
	begin := time.Now()
	_, err := k.Execute(context.Background(), "1+1", nil)
	if !errors.Is(err, ErrDied) || errors.Is(err, zmq4.ErrClosedConn) || err.Error() != "execute: the kernel died (signal: killed)" {
		t.Errorf("got %v, want only ErrDied", err)
	}
	if d := time.Since(begin); d > defaultHeartbeat.verdict()/2 {
		t.Errorf("took %v: the exit should end the wait", d)
	}
	select {
	case <-k.Dead():
	default:
		t.Error("Dead() is not closed")
	}
}

func TestInterruptFailsAsTheKernelDies(t *testing.T) {
	proc := newExitingProcess()
	k := brokenKernel(t, proc, defaultHeartbeat, func() { go proc.die() })
	if err := k.Interrupt(); !errors.Is(err, ErrDied) || errors.Is(err, zmq4.ErrClosedConn) {
		t.Errorf("got %v, want ErrDied", err)
	}
}

// A connection that breaks while the kernel lives keeps its transport error,
// once the heartbeat would have found a dead kernel.
func TestSendFailsOnALiveKernel(t *testing.T) {
	hb := heartbeatTiming{interval: 20 * time.Millisecond, timeout: 30 * time.Millisecond, misses: 2}
	k := brokenKernel(t, newExitingProcess(), hb, nil)
	begin := time.Now()
	_, err := k.Execute(context.Background(), "1+1", nil)
	if !errors.Is(err, zmq4.ErrClosedConn) || errors.Is(err, ErrDied) {
		t.Errorf("got %v, want the transport error", err)
	}
	if d := time.Since(begin); d < hb.verdict() {
		t.Errorf("gave up after %v, before the heartbeat's verdict (%v)", d, hb.verdict())
	}
}

// The caller's context bounds the wait for a verdict.
func TestSendFailsThenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	k := brokenKernel(t, newExitingProcess(), defaultHeartbeat, cancel)
	begin := time.Now()
	_, err := k.Execute(ctx, "1+1", nil)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, zmq4.ErrClosedConn) {
		t.Errorf("got %v, want the transport error and context.Canceled", err)
	}
	if d := time.Since(begin); d > defaultHeartbeat.verdict()/2 {
		t.Errorf("took %v after the context ended", d)
	}
	if !strings.Contains(err.Error(), "waiting for the kernel") {
		t.Errorf("got %q, want it to say what was canceled", err)
	}
}
