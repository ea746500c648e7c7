// Package server serves the workbench to a browser (`smallfry serve`): the
// built UI, a service's methods as JSON calls and its events over a
// WebSocket, on loopback only, behind a per-start token.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"smallfry/backend"
)

// Options configure a Server.
type Options struct {
	// Addr is the host:port to listen on; "" means 127.0.0.1:0 (any free
	// port). Only loopback addresses are accepted.
	Addr string
	// Assets is the built UI, index.html at its root.
	Assets fs.FS
	// Log receives internal errors; nil discards them. The token is never logged.
	Log *slog.Logger
	// TabGrace is how long a browser tab may be silent (no heartbeat, no
	// call) before OnTabGone is called for it; 0 is DefaultTabGrace.
	TabGrace time.Duration
	// OnTabGone ends what a closed tab opened (calls carry the tab as
	// backend.ClientOf their context); nil ends nothing.
	OnTabGone func(tab string)
	// Upload stores files sent to POST /api/upload; nil refuses uploads.
	Upload Uploader
	// MaxUpload bounds an upload's bytes; 0 means 1 GiB.
	MaxUpload int64
}

// shutdownGrace is how long calls in flight may finish once Serve's context
// ends; after it their contexts are canceled.
const shutdownGrace = 5 * time.Second

// Server is a listening browser server. Make one with Listen, then Serve.
type Server struct {
	ln      net.Listener
	http    *http.Server
	token   string
	cookie  string          // the cookie's name, see cookieName
	baseURL string          // http://127.0.0.1:PORT
	hosts   map[string]bool // accepted Host headers, lower case
	origins []string        // accepted Origin headers: http:// + each host
	calls   map[string]method
	hub     *Hub
	assets  fs.FS
	log     *slog.Logger
	signins *signins
	tabs    *tabs

	upload    Uploader
	maxUpload int64

	// stopping ends the WebSocket streams, which http.Server.Shutdown does
	// not track once they are hijacked.
	stopping     chan struct{}
	stoppingOnce sync.Once
}

// Listen binds the address and prepares to serve service's methods (every
// exported method whose first parameter is a context.Context and whose
// results are (R, error) or error) and hub's events. It refuses any address
// that is not loopback: the Host check would turn away other machines anyway,
// and a token is the only thing between the network and the user's files.
func Listen(service any, hub *Hub, opts Options) (*Server, error) {
	if hub == nil {
		hub = NewHub(opts.Log)
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if err := checkLoopback(addr); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, backend.Errorf(backend.EINVALID, "listen on %s: %w", addr, err)
	}
	// "localhost" is resolved by the system; check what was really bound.
	tcp, ok := ln.Addr().(*net.TCPAddr)
	if !ok || !tcp.IP.IsLoopback() {
		ln.Close()
		return nil, backend.Errorf(backend.EINVALID, "listen on %s: bound %s, which is not a loopback address", addr, ln.Addr())
	}
	token, err := newToken()
	if err != nil {
		ln.Close()
		return nil, err
	}
	port := strconv.Itoa(tcp.Port)
	grace, onGone := opts.TabGrace, opts.OnTabGone
	if grace <= 0 {
		grace = DefaultTabGrace
	}
	if onGone == nil {
		onGone = func(string) {}
	}
	s := &Server{
		signins:  newSignins(),
		tabs:     &tabs{grace: grace, onGone: onGone, now: time.Now, seen: map[string]time.Time{}, calls: map[string]int{}},
		ln:       ln,
		token:    token,
		cookie:   cookieName(port),
		baseURL:  "http://" + net.JoinHostPort(tcp.IP.String(), port),
		hosts:    map[string]bool{},
		calls:    methodsOf(service),
		hub:      hub,
		assets:   opts.Assets,
		log:      log,
		stopping: make(chan struct{}),
		upload:   opts.Upload,
	}
	if s.maxUpload = opts.MaxUpload; s.maxUpload <= 0 {
		s.maxUpload = 1 << 30
	}
	for _, h := range []string{"127.0.0.1", "localhost", "[::1]"} {
		s.hosts[h+":"+port] = true
		s.origins = append(s.origins, "http://"+h+":"+port)
	}
	s.http = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	s.http.RegisterOnShutdown(s.stop)
	return s, nil
}

// checkLoopback refuses addresses that could be reached from another machine.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return backend.Errorf(backend.EINVALID, "address %q: %v (want host:port, e.g. 127.0.0.1:8888)", addr, err)
	}
	if ip := net.ParseIP(host); strings.EqualFold(host, "localhost") || (ip != nil && ip.IsLoopback()) {
		return nil
	}
	return backend.Errorf(backend.EINVALID,
		"address %q is not a loopback address: smallfry serve only listens on this machine (127.0.0.1, ::1 or localhost); "+
			"to use it from elsewhere, forward the port over SSH", addr)
}

// newToken makes the per-start secret: 32 random bytes, hex-encoded.
func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(rand.Reader, b); err != nil {
		return "", backend.Errorf(backend.EINTERNAL, "make access token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// URL is the link to open: it carries the token, so print it only to the
// user who started the server.
func (s *Server) URL() string { return s.baseURL + "/?token=" + s.token }

// Serve answers requests until ctx ends, then shuts down: calls in flight get
// shutdownGrace to finish before their contexts are canceled, and event
// streams are closed. It returns nil after a shutdown caused by ctx.
func (s *Server) Serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(s.ln) }()
	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go s.tabs.watch(wctx)
	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", s.baseURL, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := s.http.Shutdown(sctx); err != nil {
		s.http.Close() // closing the connections cancels the calls' contexts
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", s.baseURL, err)
	}
	return nil
}

// Close stops the server at once, canceling calls in flight. It is for a
// server that Serve never ran (Serve's ctx is the usual way to stop).
func (s *Server) Close() error {
	s.stop()
	err := s.http.Close()
	if cerr := s.ln.Close(); err == nil && cerr != nil && !errors.Is(cerr, net.ErrClosed) {
		err = cerr
	}
	return err
}

func (s *Server) stop() { s.stoppingOnce.Do(func() { close(s.stopping) }) }

// routes is every endpoint, behind the guard (Host, Origin, token).
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/call/{method}", s.handleCall)
	mux.HandleFunc("GET /api/events", s.handleEvents)
	mux.HandleFunc("POST /api/heartbeat", s.handleHeartbeat)
	mux.HandleFunc("POST /api/signout", s.handleSignOut)
	mux.HandleFunc("POST /api/upload", s.handleUpload)
	mux.HandleFunc("/api/call/{method}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, r, http.StatusMethodNotAllowed, backend.EINVALID, r.PathValue("method")+": calls are POST requests")
	})
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusNotFound, backend.ENOTFOUND, "no API endpoint "+r.URL.Path)
	})
	mux.HandleFunc("/", s.handleStatic)
	return s.guard(mux)
}
