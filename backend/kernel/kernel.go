// Package kernel runs Jupyter kernels and speaks the Jupyter messaging
// protocol to them (ZeroMQ over TCP, HMAC-SHA256 signed), locally or through
// any Launcher, such as one that starts the kernel in a Docker container.
package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"strings"
	"sync"
	"time"
)

var (
	// ErrDied is wrapped by the errors of calls on a kernel whose process
	// exited, or stopped answering heartbeats, without being asked to.
	// Restart revives the kernel.
	ErrDied = errors.New("the kernel died")
	// ErrClosed is wrapped by the errors of calls on a kernel after Shutdown.
	ErrClosed = errors.New("the kernel was shut down")

	errRestarted = errors.New("the kernel was restarted")
)

// Options tune how Start launches and reaches a kernel.
type Options struct {
	// RuntimeDir is where connection files are written (mode 0600, as they
	// hold the key). Default: os.TempDir(). A Docker launcher uses a folder
	// that is bind-mounted into the container.
	RuntimeDir string
	// IP is the address written into the connection file, which the kernel
	// listens on. Default "127.0.0.1"; "0.0.0.0" for a kernel in a container,
	// whose ports are then published on the host's 127.0.0.1.
	IP string
	// ConnectionFile maps the connection file's path on this machine to the
	// path the kernel process sees (LaunchSpec.ConnectionFile). Default: the
	// same path.
	ConnectionFile func(hostPath string) string
	// Env is added to the spec's env for the kernel process.
	Env map[string]string
	// Unsetenv names variables the kernel must not inherit from this
	// process's environment (LaunchSpec.Unsetenv), such as AWS keys when the
	// kernel gets its keys another way.
	Unsetenv []string
	// OnIOPub handles IOPub messages of the given msg_type that a kernel
	// publishes on its own (custom types, not replies to a request): each is
	// called with the message's content on a goroutine of its own, so it may
	// call Control. The messages are signed like all others; a bad
	// signature drops them before any handler sees them.
	OnIOPub map[string]func(content json.RawMessage)
	// StartTimeout bounds launching until the kernel answers. Default 60 s.
	StartTimeout time.Duration
	// Logger gets diagnostics (dropped messages, heartbeat misses); nil
	// discards them. The key is never logged.
	Logger *slog.Logger

	heartbeat heartbeatTiming // tests shorten it
	// interruptGrace is how long Execute waits for the kernel to finish
	// after interrupting it on cancel. Default 2 s; tests change it.
	interruptGrace time.Duration
}

func (o Options) withDefaults() Options {
	if o.RuntimeDir == "" {
		o.RuntimeDir = os.TempDir()
	}
	if o.IP == "" {
		o.IP = "127.0.0.1"
	}
	if o.ConnectionFile == nil {
		o.ConnectionFile = func(p string) string { return p }
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 60 * time.Second
	}
	if o.interruptGrace <= 0 {
		o.interruptGrace = 2 * time.Second
	}
	if o.heartbeat == (heartbeatTiming{}) {
		o.heartbeat = defaultHeartbeat
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Kernel is a running kernel. Its methods are safe for concurrent use;
// Execute runs one request at a time.
type Kernel struct {
	spec     Spec
	launcher Launcher
	opts     Options
	session  string

	execSem chan struct{} // holds one token while an Execute runs
	lifeMu  sync.Mutex    // serializes Restart and Shutdown

	mu      sync.Mutex
	cur     *conn // nil after a failed restart
	downErr error // why cur is nil
	closed  bool
}

// Start launches the kernel described by spec through l and returns once it
// answers a kernel_info_request and its IOPub channel delivers messages. If
// the process exits first, the error holds the end of its output when the
// Process implements Logger.
func Start(ctx context.Context, spec Spec, l Launcher, opts Options) (*Kernel, error) {
	if len(spec.Argv) == 0 {
		return nil, fmt.Errorf("start kernel %q: spec has no argv", spec.Name)
	}
	k := &Kernel{
		spec:     spec,
		launcher: l,
		opts:     opts.withDefaults(),
		session:  newID(),
		execSem:  make(chan struct{}, 1),
	}
	c, err := k.launch(ctx)
	if err != nil {
		return nil, err
	}
	k.cur = c
	return k, nil
}

// Spec returns the spec the kernel was started from.
func (k *Kernel) Spec() Spec { return k.spec }

// LanguageInfo returns the language_info of the kernel's kernel_info_reply
// (name, version, file_extension, ...), as .ipynb metadata stores it.
func (k *Kernel) LanguageInfo() map[string]any {
	c, err := k.conn()
	if err != nil {
		return nil
	}
	return maps.Clone(c.languageInfo)
}

// Dead is closed when the running kernel dies unexpectedly: its process
// exits or it misses heartbeats. It is not closed by Shutdown or Restart.
// After a Restart, call Dead again for the new process's channel.
func (k *Kernel) Dead() <-chan struct{} {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cur == nil {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	return k.cur.dead
}

// conn returns the current connection or why there is none.
func (k *Kernel) conn() (*conn, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	switch {
	case k.closed:
		return nil, ErrClosed
	case k.cur == nil:
		return nil, k.downErr
	}
	return k.cur, nil
}

// Interrupt interrupts the running execution: SIGINT to the process for
// interrupt_mode "signal" (falling back to a message where the Process
// cannot signal), an interrupt_request on the control channel for "message".
func (k *Kernel) Interrupt() error {
	c, err := k.conn()
	if err != nil {
		return fmt.Errorf("interrupt kernel: %w", err)
	}
	// No context to bound it: a failed interrupt_request waits at most for
	// the heartbeat's verdict to tell a dead kernel from a broken socket.
	return k.interrupt(context.Background(), c)
}

// interrupt interrupts c's kernel; ctx bounds only how long a failed send
// waits to learn whether the kernel died.
func (k *Kernel) interrupt(ctx context.Context, c *conn) error {
	if k.spec.InterruptMode != "message" {
		err := c.proc.Interrupt()
		if !errors.Is(err, errNoSignals) {
			if err != nil {
				return fmt.Errorf("interrupt kernel: %w", err)
			}
			return nil
		}
	}
	if _, err := c.send(c.control, newHeader(c.session, "interrupt_request"), struct{}{}); err != nil {
		return fmt.Errorf("interrupt kernel: %w", c.sendFailed(ctx, err))
	}
	return nil
}

// Restart stops the kernel (asking it first, then killing it after a grace
// period) and launches it again with the same spec, launcher and options.
// It revives a dead kernel. Execute calls running meanwhile fail.
func (k *Kernel) Restart(ctx context.Context) error {
	k.lifeMu.Lock()
	defer k.lifeMu.Unlock()
	k.mu.Lock()
	old, closed := k.cur, k.closed
	k.mu.Unlock()
	if closed {
		return fmt.Errorf("restart kernel: %w", ErrClosed)
	}
	if old != nil {
		old.stop(ctx, errRestarted, true)
	}
	c, err := k.launch(ctx)
	k.mu.Lock()
	defer k.mu.Unlock()
	if err != nil {
		k.cur = nil
		k.downErr = fmt.Errorf("%w and did not restart: %v", ErrDied, err)
		return fmt.Errorf("restart kernel: %w", err)
	}
	k.cur, k.downErr = c, nil
	return nil
}

// Shutdown asks the kernel to exit, kills it if it has not after a few
// seconds, closes the connection and removes the connection file. It is
// idempotent; later calls on the kernel return ErrClosed.
func (k *Kernel) Shutdown(ctx context.Context) error {
	k.lifeMu.Lock()
	defer k.lifeMu.Unlock()
	k.mu.Lock()
	c, closed := k.cur, k.closed
	k.closed = true
	k.mu.Unlock()
	if closed || c == nil {
		return nil
	}
	if err := c.stop(ctx, ErrClosed, false); err != nil {
		return fmt.Errorf("shut down kernel: %w", err)
	}
	return nil
}

// launch writes a connection file, starts the process, connects and waits
// until the kernel answers. On failure it leaves nothing behind.
func (k *Kernel) launch(ctx context.Context) (*conn, error) {
	fail := func(err error) (*conn, error) {
		return nil, fmt.Errorf("start kernel %q: %w", k.spec.Name, err)
	}
	ports, err := freePorts(5)
	if err != nil {
		return fail(err)
	}
	key, err := newKey()
	if err != nil {
		return fail(err)
	}
	info := connectionInfo{
		ShellPort: ports[0], IOPubPort: ports[1], StdinPort: ports[2], ControlPort: ports[3], HBPort: ports[4],
		IP: k.opts.IP, Key: key, Transport: "tcp", SignatureScheme: "hmac-sha256", KernelName: k.spec.Name,
	}
	hostFile, err := writeConnectionFile(k.opts.RuntimeDir, info)
	if err != nil {
		return fail(err)
	}
	ls := LaunchSpec{
		ConnectionFile:     k.opts.ConnectionFile(hostFile),
		HostConnectionFile: hostFile,
		Ports:              info.ports(),
		Env:                map[string]string{},
		Unsetenv:           k.opts.Unsetenv,
	}
	for _, a := range k.spec.Argv {
		a = strings.ReplaceAll(a, "{connection_file}", ls.ConnectionFile)
		a = strings.ReplaceAll(a, "{resource_dir}", k.spec.Dir)
		ls.Argv = append(ls.Argv, a)
	}
	for name, v := range k.spec.Env {
		ls.Env[name] = v
	}
	for name, v := range k.opts.Env {
		ls.Env[name] = v
	}

	proc, err := k.launcher.Launch(ctx, ls)
	if err != nil {
		os.Remove(hostFile)
		return fail(err)
	}
	c := newConn(k, proc, key, hostFile, info.ports())
	startCtx, cancel := context.WithTimeout(ctx, k.opts.StartTimeout)
	defer cancel()
	err = c.open(startCtx)
	if err == nil {
		err = c.waitReady(startCtx)
	}
	if err != nil {
		err = c.startError(err, k.opts.StartTimeout) // before stop, which kills
		c.stop(context.WithoutCancel(ctx), err, false)
		return fail(err)
	}
	c.ready = true
	go c.heartbeat()
	return c, nil
}

// startError explains why the kernel did not start, with its output's tail.
func (c *conn) startError(err error, timeout time.Duration) error {
	select {
	case <-c.exited:
		err = fmt.Errorf("the kernel exited during start (%s)", exitStatus(c.exitErr))
	default:
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no answer within %s: %w", timeout, err)
		}
	}
	if lg, ok := c.proc.(Logger); ok {
		if tail := lastLines(lg.Logs(), 20); tail != "" {
			err = fmt.Errorf("%w; its output ends with:\n%s", err, tail)
		}
	}
	return err
}

func exitStatus(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// waitReady sends kernel_info_request every 250 ms until one is answered on
// shell and IOPub has delivered a status for one of them, which proves the
// IOPub subscription is live (a SUB socket gets nothing sent before it has
// subscribed).
func (c *conn) waitReady(ctx context.Context) error {
	w := c.router.watch()
	defer c.router.stop(w)
	ask := func() error {
		h := newHeader(c.session, "kernel_info_request")
		c.router.add(w, h.MsgID)
		_, err := c.send(c.shell, h, struct{}{})
		return err
	}
	if err := ask(); err != nil {
		return err
	}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var replied, published bool
	for !replied || !published {
		select {
		case m := <-w.ch:
			switch {
			case m.channel == "shell" && m.Header.MsgType == "kernel_info_reply":
				replied = true
				var info struct {
					LanguageInfo map[string]any `json:"language_info"`
				}
				if json.Unmarshal(m.Content, &info) == nil {
					c.languageInfo = info.LanguageInfo
				}
			case m.channel == "iopub" && m.Header.MsgType == "status":
				published = true
			}
		case <-tick.C:
			if err := ask(); err != nil {
				return err
			}
		case <-c.gone:
			return c.goneErr
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
