package kernel

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"
)

// heartbeatTiming: a ping every interval, each answered within timeout;
// misses in a row mean the kernel is gone (hung or unreachable).
type heartbeatTiming struct {
	interval, timeout time.Duration
	misses            int
}

// verdict bounds how long the heartbeat takes to find a kernel dead: misses
// pings, each up to the longer of interval and timeout, after up to an
// interval's wait for the first.
func (h heartbeatTiming) verdict() time.Duration {
	return time.Duration(h.misses+1) * max(h.interval, h.timeout)
}

var defaultHeartbeat = heartbeatTiming{interval: 3 * time.Second, timeout: 3 * time.Second, misses: 3}

// conn is one launch of a kernel: its process, connection file and sockets.
// A Restart replaces it with a new one.
type conn struct {
	proc     Process
	signer   *signer
	session  string
	connFile string // on this machine
	ports    Ports
	log      *slog.Logger
	hb       heartbeatTiming

	ctx    context.Context // the sockets' life; canceled by close
	cancel context.CancelFunc

	shell, control, stdin, iopub zmq4.Socket
	router                       *router
	onIOPub                      map[string]func(json.RawMessage)
	ready                        bool // waitReady succeeded
	languageInfo                 map[string]any

	exited  chan struct{} // closed when proc.Wait returned
	exitErr error         // what it returned; set before exited closes

	downOnce sync.Once
	gone     chan struct{} // closed when the kernel is dead or being stopped
	goneErr  error         // why; set before gone closes
	dead     chan struct{} // closed only when the kernel died unexpectedly

	closeOnce sync.Once
}

func newConn(k *Kernel, proc Process, key, connFile string, ports Ports) *conn {
	ctx, cancel := context.WithCancel(context.Background())
	c := &conn{
		proc:     proc,
		signer:   newSigner(key),
		session:  k.session,
		connFile: connFile,
		ports:    ports,
		hb:       k.opts.heartbeat,
		log:      k.opts.Logger.With("kernel", k.spec.Name),
		ctx:      ctx,
		cancel:   cancel,
		router:   &router{watchers: map[string]*watcher{}},
		onIOPub:  k.opts.OnIOPub,
		exited:   make(chan struct{}),
		gone:     make(chan struct{}),
		dead:     make(chan struct{}),
	}
	go func() {
		c.exitErr = proc.Wait()
		close(c.exited)
		c.down(fmt.Errorf("%w (%s)", ErrDied, exitStatus(c.exitErr)), true)
	}()
	return c
}

// down records why the kernel stopped serving; the first reason wins. died
// says it was not asked to stop.
func (c *conn) down(reason error, died bool) {
	c.downOnce.Do(func() {
		c.goneErr = reason
		if died {
			c.log.Warn("kernel died", "reason", reason.Error())
			close(c.dead)
		}
		close(c.gone)
	})
}

// socketOptions: shell, stdin and control share one identity (withID), as
// the kernel sends a request's input_request to the stdin peer with the
// identity of the shell peer that sent the request.
func (c *conn) socketOptions(withID bool) []zmq4.Option {
	opts := []zmq4.Option{
		zmq4.WithLogger(log.New(io.Discard, "", 0)),
		zmq4.WithDialerMaxRetries(0), // dial retries itself, so it can give up on ctx
		zmq4.WithDialerTimeout(5 * time.Second),
		zmq4.WithTimeout(10 * time.Second), // bounds Send
	}
	if withID {
		opts = append(opts, zmq4.WithID(zmq4.SocketIdentity(c.session)))
	}
	return opts
}

// open dials the shell, control, stdin and IOPub ports and starts reading.
func (c *conn) open(ctx context.Context) error {
	opts := c.socketOptions(true)
	c.shell = zmq4.NewDealer(c.ctx, opts...)
	c.control = zmq4.NewDealer(c.ctx, opts...)
	c.stdin = zmq4.NewDealer(c.ctx, opts...)
	c.iopub = zmq4.NewSub(c.ctx, opts...)
	if err := c.iopub.SetOption(zmq4.OptionSubscribe, ""); err != nil {
		return fmt.Errorf("subscribe to iopub: %w", err)
	}
	socks := []struct {
		name string
		s    zmq4.Socket
		port int
	}{
		{"shell", c.shell, c.ports.Shell},
		{"control", c.control, c.ports.Control},
		{"stdin", c.stdin, c.ports.Stdin},
		{"iopub", c.iopub, c.ports.IOPub},
	}
	errs := make(chan error, len(socks))
	for _, s := range socks {
		go func() {
			if err := c.dial(ctx, s.s, s.port); err != nil {
				errs <- fmt.Errorf("connect to %s port: %w", s.name, err)
				return
			}
			errs <- nil
		}()
	}
	for range socks {
		if err := <-errs; err != nil {
			return err // the other dials end with ctx or the process
		}
	}
	for _, s := range socks {
		go c.read(s.name, s.s)
	}
	return nil
}

// dial connects s to a kernel port, retrying while the kernel is not yet
// listening, until ctx ends or the process exits. zmq4's Dial cannot be
// canceled once TCP is connected (it then waits for the ZMTP greeting, which
// a stopped process never sends), so it runs on its own goroutine; if it is
// abandoned, it ends when the kernel's side of the connection closes.
func (c *conn) dial(ctx context.Context, s zmq4.Socket, port int) error {
	ep := "tcp://" + c.proc.Dial(port)
	for {
		done := make(chan error, 1)
		go func() { done <- s.Dial(ep) }()
		var err error
		select {
		case err = <-done:
			if err == nil {
				return nil
			}
		case <-ctx.Done():
			return fmt.Errorf("dial %s: %w", ep, ctx.Err())
		case <-c.gone:
			return c.goneErr
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("dial %s: %w (last error: %v)", ep, ctx.Err(), err)
		case <-c.gone:
			return c.goneErr
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// read receives messages from one socket, drops those whose signature does
// not verify, answers input requests, and routes the rest by parent msg_id.
func (c *conn) read(name string, s zmq4.Socket) {
	for {
		zm, err := s.Recv()
		if err != nil {
			if c.ctx.Err() != nil {
				return
			}
			// The peer went away; zmq4 reports it once, then Recv blocks
			// until the socket closes. Death is detected elsewhere.
			select {
			case <-c.ctx.Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
			continue
		}
		m, err := c.signer.decode(zm.Frames)
		if err != nil {
			c.log.Warn("dropped a kernel message", "channel", name, "err", err.Error())
			continue
		}
		m.channel = name
		if name == "stdin" && m.Header.MsgType == "input_request" {
			// Smallfry has no input box: answer with an empty line, so the
			// kernel does not wait forever; Execute notes it in the output.
			if _, err := c.send(c.stdin, newHeader(c.session, "input_reply"), map[string]string{"value": ""}, m.Header); err != nil {
				c.log.Warn("answer input_request", "err", err.Error())
			}
		}
		if name == "iopub" && c.published(m) {
			continue
		}
		c.router.deliver(c.ctx, m)
	}
}

// send signs and sends a message with header h on s, with an optional parent.
func (c *conn) send(s zmq4.Socket, h header, content any, parent ...header) (header, error) {
	b, err := json.Marshal(content)
	if err != nil {
		return h, fmt.Errorf("encode %s: %w", h.MsgType, err)
	}
	m := &message{Header: h, Content: b}
	if len(parent) > 0 {
		m.Parent = parent[0]
	}
	frames, err := c.signer.encode(m)
	if err != nil {
		return h, err
	}
	if err := s.Send(zmq4.NewMsgFrom(frames...)); err != nil {
		return h, fmt.Errorf("send %s: %w", h.MsgType, err)
	}
	return h, nil
}

// sendFailed explains a failed send on a kernel's socket. A kernel that has
// just died breaks its connections before its death is known: Process.Wait
// returns only once the process has been reaped and its output drained (up to
// a second more when a child holds the pipes), and a heartbeat verdict takes
// several misses. A send in between fails with a transport error (a broken
// pipe, zmq4's ErrClosedConn), which says nothing useful; so wait, within
// ctx, for the verdict the heartbeat would reach, and return why the kernel
// is gone (ErrDied, or the stop that is under way) when it comes. Only a
// connection that broke while the kernel lives keeps the transport error.
func (c *conn) sendFailed(ctx context.Context, err error) error {
	t := time.NewTimer(c.hb.verdict())
	defer t.Stop()
	select {
	case <-c.gone:
		c.log.Warn("a send failed as the kernel went away", "err", err.Error())
		return c.goneErr
	case <-ctx.Done():
		return fmt.Errorf("%w (and waiting for the kernel: %w)", err, ctx.Err())
	case <-t.C:
		return err
	}
}

// stop ends this launch: reason goes to calls in flight, the kernel is asked
// to exit (shutdown_request on control), killed if it has not within a grace
// period, and the sockets and connection file are removed.
func (c *conn) stop(ctx context.Context, reason error, restart bool) error {
	c.down(reason, false)
	if c.ready {
		h := newHeader(c.session, "shutdown_request")
		if _, err := c.send(c.control, h, map[string]bool{"restart": restart}); err != nil {
			c.log.Warn("ask the kernel to shut down", "err", err.Error())
		}
		wait(ctx, c.exited, 3*time.Second)
	}
	var err error
	select {
	case <-c.exited:
	default:
		if err = c.proc.Kill(); err != nil {
			err = fmt.Errorf("kill kernel: %w", err)
		} else if !wait(context.WithoutCancel(ctx), c.exited, 5*time.Second) {
			err = fmt.Errorf("kernel process still running 5s after kill")
		}
	}
	c.close()
	return err
}

// wait reports whether ch closed within d (and before ctx ended).
func wait(ctx context.Context, ch <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// close releases the sockets and removes the connection file.
func (c *conn) close() {
	c.closeOnce.Do(func() {
		c.cancel()
		for _, s := range []zmq4.Socket{c.shell, c.control, c.stdin, c.iopub} {
			if s != nil {
				s.Close()
			}
		}
		if err := os.Remove(c.connFile); err != nil && !os.IsNotExist(err) {
			c.log.Warn("remove connection file", "err", err.Error())
		}
	})
}

// heartbeat pings the kernel's heartbeat port (a REQ socket; the kernel
// echoes) and marks the kernel dead after c.hb.misses misses in a row. A hung
// or stopped kernel, or a container whose process is alive but unreachable,
// is caught here; an exited process is caught sooner by Process.Wait.
func (c *conn) heartbeat() {
	var sock zmq4.Socket
	defer func() {
		if sock != nil {
			sock.Close()
		}
	}()
	tick := time.NewTicker(c.hb.interval)
	defer tick.Stop()
	misses := 0
	for {
		select {
		case <-c.gone:
			return
		case <-tick.C:
		}
		fresh := sock == nil
		if fresh {
			sock = zmq4.NewReq(c.ctx, c.socketOptions(false)...)
		}
		if c.ping(sock, fresh) {
			misses = 0
			continue
		}
		// A REQ socket that missed its reply cannot send again: start over.
		sock.Close()
		sock = nil
		misses++
		c.log.Warn("kernel missed a heartbeat", "misses", misses)
		if misses >= c.hb.misses {
			c.down(fmt.Errorf("%w (no heartbeat for %s)", ErrDied, time.Duration(misses)*c.hb.interval), true)
			return
		}
	}
}

// ping sends one heartbeat (dialing first on a fresh socket) and reports
// whether the echo came back within the timeout. Each step can block
// without a deadline in zmq4, hence the goroutine; closing the socket ends it.
func (c *conn) ping(sock zmq4.Socket, dial bool) bool {
	done := make(chan error, 1)
	go func() {
		if dial {
			if err := sock.Dial("tcp://" + c.proc.Dial(c.ports.HB)); err != nil {
				done <- err
				return
			}
		}
		if err := sock.Send(zmq4.NewMsgString("ping")); err != nil {
			done <- err
			return
		}
		_, err := sock.Recv()
		done <- err
	}()
	t := time.NewTimer(c.hb.timeout)
	defer t.Stop()
	select {
	case err := <-done:
		return err == nil
	case <-t.C:
		return false
	case <-c.gone:
		return true // no verdict needed any more
	}
}

// router hands received messages to the call waiting for replies to a
// request, by the request's msg_id (the messages' parent_header.msg_id).
type router struct {
	mu       sync.Mutex
	watchers map[string]*watcher
}

type watcher struct {
	ch   chan *message
	done chan struct{}
	ids  []string
}

func (r *router) watch() *watcher {
	return &watcher{ch: make(chan *message, 64), done: make(chan struct{})}
}

// add routes messages whose parent is msgID to w; call it before sending.
func (r *router) add(w *watcher, msgID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.watchers[msgID] = w
	w.ids = append(w.ids, msgID)
}

func (r *router) stop(w *watcher) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range w.ids {
		delete(r.watchers, id)
	}
	close(w.done)
}

// deliver blocks while the watcher is busy (back-pressure, rather than
// dropping output), and drops messages nobody waits for.
func (r *router) deliver(ctx context.Context, m *message) {
	r.mu.Lock()
	w := r.watchers[m.Parent.MsgID]
	r.mu.Unlock()
	if w == nil {
		return
	}
	select {
	case w.ch <- m:
	case <-w.done:
	case <-ctx.Done():
	}
}
