package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"smallfry/backend"
)

// fakeService has one method of each shape the server must handle, and
// some it must not serve.
type fakeService struct {
	started  chan struct{} // Block began
	canceled chan error    // Block's context ended, with this error
}

type greeting struct {
	Hello string `json:"hello"`
	N     int    `json:"n"`
}

func (f *fakeService) Greet(_ context.Context, name string, n int) (greeting, error) {
	return greeting{Hello: name, N: n}, nil
}

func (f *fakeService) Touch(context.Context) error { return nil }

// Client tells which browser tab the call came from.
func (f *fakeService) Client(ctx context.Context) (string, error) { return backend.ClientOf(ctx), nil }

func (f *fakeService) Open(_ context.Context, path string) (greeting, error) {
	return greeting{}, backend.Errorf(backend.ENOTFOUND, "notebook %s does not exist", path)
}

// Fail fails with the code given, or with a plain error when it is "".
func (f *fakeService) Fail(_ context.Context, code string) error {
	if code == "" {
		return errors.New("disk on fire")
	}
	return backend.Errorf(code, "failed with %s", code)
}

func (f *fakeService) Panic(context.Context) error { panic("boom") }

// Block waits for its context: the test of cancellation on disconnect.
func (f *fakeService) Block(ctx context.Context) error {
	close(f.started)
	<-ctx.Done()
	f.canceled <- ctx.Err()
	return ctx.Err()
}

// Not callable: no context, wrong results, unexported.
func (f *fakeService) Close()                                    {}
func (f *fakeService) NoContext(name string) (string, error)     { return name, nil }
func (f *fakeService) TwoResults(context.Context) (int, int)     { return 1, 2 }
func (f *fakeService) hidden(context.Context) error              { return nil }
func (f *fakeService) Variadic(context.Context, ...string) error { return nil }

var _ = (*fakeService).hidden // keep the unexported method for the lookup test

// testServer is a running server on 127.0.0.1:0 with what tests need.
type testServer struct {
	*Server
	base   string // http://127.0.0.1:PORT
	token  string
	port   string
	hub    *Hub
	fake   *fakeService
	logs   *syncBuffer
	stop   func()       // ends Serve as its context would
	client *http.Client // follows no redirects
}

func start(t *testing.T, tune ...func(*Options)) *testServer {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	fake := &fakeService{started: make(chan struct{}), canceled: make(chan error, 1)}
	hub := NewHub(log)
	assets := fstest.MapFS{
		"index.html":    {Data: []byte("<html><head></head>smallfry app</html>")},
		"assets/app.js": {Data: []byte("console.log('app')")},
	}
	opts := Options{Assets: assets, Log: log}
	for _, f := range tune {
		f(&opts)
	}
	s, err := Listen(fake, hub, opts)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	stop := sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	t.Cleanup(func() {
		stop()
		if tok := u.Query().Get("token"); strings.Contains(logs.String(), tok) {
			t.Errorf("the token is in the log:\n%s", logs)
		}
	})
	return &testServer{
		Server: s, base: "http://" + u.Host, token: u.Query().Get("token"), port: u.Port(),
		hub: hub, fake: fake, logs: logs, stop: stop,
		client: &http.Client{
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Timeout:       10 * time.Second,
		},
	}
}

// request describes one HTTP request; zero fields take defaults.
type request struct {
	method, path, body string
	host               string            // Host header, default the server's
	header             map[string]string // "Authorization" etc.
}

func (ts *testServer) do(t *testing.T, rq request) (*http.Response, string) {
	t.Helper()
	if rq.method == "" {
		rq.method = http.MethodGet
	}
	req, err := http.NewRequest(rq.method, ts.base+rq.path, strings.NewReader(rq.body))
	if err != nil {
		t.Fatal(err)
	}
	if rq.host != "" {
		req.Host = rq.host
	}
	for k, v := range rq.header {
		req.Header.Set(k, v)
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// signIn follows the printed link as a browser does and returns the
// session id its cookie holds.
func (ts *testServer) signIn(t *testing.T) string {
	t.Helper()
	resp, body := ts.do(t, request{path: "/?token=" + ts.token})
	cookies := resp.Cookies()
	if resp.StatusCode != http.StatusFound || len(cookies) != 1 {
		t.Fatalf("token link: %d, cookies %v: %s", resp.StatusCode, cookies, body)
	}
	return cookies[0].Value
}

// auth is the header a script uses instead of the cookie.
func (ts *testServer) auth() map[string]string {
	return map[string]string{"Authorization": "token " + ts.token}
}

func TestURLAndToken(t *testing.T) {
	ts := start(t)
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+/\?token=[0-9a-f]{64}$`).MatchString(ts.URL()) {
		t.Errorf("URL() = %s", ts.URL())
	}
	if other := start(t); other.token == ts.token {
		t.Error("two servers share a token")
	}
}

func TestListenRefusesOtherMachines(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:0", "example.com:0", "nonsense"} {
		t.Run(addr, func(t *testing.T) {
			s, err := Listen(&fakeService{}, nil, Options{Addr: addr})
			if err == nil {
				s.Close()
				t.Fatalf("Listen(%q) succeeded", addr)
			}
			if backend.ErrorCode(err) != backend.EINVALID {
				t.Errorf("code %s, want %s: %v", backend.ErrorCode(err), backend.EINVALID, err)
			}
		})
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0"} {
		t.Run(addr, func(t *testing.T) {
			s, err := Listen(&fakeService{}, nil, Options{Addr: addr})
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
		})
	}
}

func TestGuard(t *testing.T) {
	ts := start(t)
	own := "http://localhost:" + ts.port
	session := ts.signIn(t)
	tests := []struct {
		name string
		rq   request
		want int
		body string // a part of the body
	}{
		{"no token", request{path: "/"}, 401, "not signed in"},
		{"no token, API answers JSON", request{method: "POST", path: "/api/call/Touch", header: map[string]string{"Content-Type": "application/json"}}, 401, `"code":"invalid"`},
		{"no token, events", request{path: "/api/events"}, 401, "not signed in"},
		{"wrong cookie", request{path: "/", header: map[string]string{"Cookie": "smallfry-session-" + ts.port + "=" + strings.Repeat("0", 64)}}, 401, ""},
		{"the token as the cookie", request{path: "/", header: map[string]string{"Cookie": "smallfry-session-" + ts.port + "=" + ts.token}}, 401, ""},
		{"the old cookie name", request{path: "/", header: map[string]string{"Cookie": "smallfry-token-" + ts.port + "=" + ts.token}}, 401, ""},
		{"session of another port", request{path: "/", header: map[string]string{"Cookie": "smallfry-session-1=" + session}}, 401, ""},
		{"wrong header", request{path: "/", header: map[string]string{"Authorization": "token nope"}}, 401, ""},
		{"token header", request{path: "/", header: ts.auth()}, 200, "smallfry app"},
		{"bearer header", request{path: "/", header: map[string]string{"Authorization": "Bearer " + ts.token}}, 200, "smallfry app"},
		{"session cookie", request{path: "/", header: map[string]string{"Cookie": "smallfry-session-" + ts.port + "=" + session}}, 200, "smallfry app"},
		{"host localhost", request{path: "/", host: "localhost:" + ts.port, header: ts.auth()}, 200, ""},
		{"host [::1]", request{path: "/", host: "[::1]:" + ts.port, header: ts.auth()}, 200, ""},
		{"host rebinding", request{path: "/", host: "evil.example:" + ts.port, header: ts.auth()}, 403, "not this server"},
		{"host without port", request{path: "/", host: "127.0.0.1", header: ts.auth()}, 403, ""},
		{"host other port", request{path: "/", host: "127.0.0.1:1", header: ts.auth()}, 403, ""},
		{"bad host before auth", request{path: "/", host: "evil.example"}, 403, ""},
		{"post from own origin", request{method: "POST", path: "/api/call/Touch", header: map[string]string{
			"Authorization": "token " + ts.token, "Content-Type": "application/json", "Origin": own}}, 200, "null"},
		{"post from another site", request{method: "POST", path: "/api/call/Touch", header: map[string]string{
			"Authorization": "token " + ts.token, "Content-Type": "application/json", "Origin": "http://evil.example"}}, 403, "cross-origin"},
		{"post from null origin", request{method: "POST", path: "/api/call/Touch", header: map[string]string{
			"Authorization": "token " + ts.token, "Content-Type": "application/json", "Origin": "null"}}, 403, "cross-origin"},
		{"post from https own host", request{method: "POST", path: "/api/call/Touch", header: map[string]string{
			"Authorization": "token " + ts.token, "Content-Type": "application/json", "Origin": "https://localhost:" + ts.port}}, 403, ""},
		{"form post", request{method: "POST", path: "/api/call/Touch", body: "a=b", header: map[string]string{
			"Authorization": "token " + ts.token, "Content-Type": "application/x-www-form-urlencoded"}}, 415, "must be JSON"},
		{"post without content type", request{method: "POST", path: "/api/call/Touch", header: ts.auth()}, 415, ""},
		{"no such endpoint", request{path: "/api/nothing", header: ts.auth()}, 404, `"code":"not_found"`},
		{"wrong token link", request{path: "/?token=" + strings.Repeat("a", 64)}, 401, "not this server's"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := ts.do(t, tt.rq)
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d: %s", resp.StatusCode, tt.want, body)
			}
			if !strings.Contains(body, tt.body) {
				t.Errorf("body %q does not contain %q", body, tt.body)
			}
			if resp.StatusCode >= 400 && resp.Header.Get("Set-Cookie") != "" {
				t.Errorf("a refused request set a cookie: %s", resp.Header.Get("Set-Cookie"))
			}
		})
	}
}

func TestTokenLink(t *testing.T) {
	ts := start(t)
	tests := []struct{ path, location string }{
		{"/?token=" + ts.token, "/"},
		{"/notebooks/tour?tab=grid&token=" + ts.token, "/notebooks/tour?tab=grid"},
		{"//evil.example/?token=" + ts.token, "/"}, // not a link to another site
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, _ := ts.do(t, request{path: tt.path})
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("status %d, want 302", resp.StatusCode)
			}
			if got := resp.Header.Get("Location"); got != tt.location {
				t.Errorf("Location %q, want %q", got, tt.location)
			}
			cookies := resp.Cookies()
			if len(cookies) != 1 {
				t.Fatalf("cookies %v, want one", cookies)
			}
			c := cookies[0]
			if c.Name != "smallfry-session-"+ts.port || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(c.Value) || !c.HttpOnly ||
				c.SameSite != http.SameSiteStrictMode || c.Path != "/" {
				t.Errorf("cookie %s", c)
			}
			if c.Value == ts.token {
				t.Errorf("the cookie carries the access token")
			}
			// The browser follows the redirect with the cookie.
			resp, body := ts.do(t, request{path: tt.location, header: map[string]string{"Cookie": c.Name + "=" + c.Value}})
			if resp.StatusCode != 200 || !strings.Contains(body, "smallfry app") {
				t.Errorf("after the redirect: %d %s", resp.StatusCode, body)
			}
		})
	}
}

func TestStatic(t *testing.T) {
	ts := start(t)
	tests := []struct {
		path, body, contentType string
		noStore                 bool
	}{
		{"/", "smallfry app", "text/html", true},
		{"/index.html", "smallfry app", "text/html", true},
		{"/assets/app.js", "console.log", "text/javascript", false},
		{"/notebooks/tour.ipynb", "smallfry app", "text/html", true}, // the app's own route
		{"/assets/", "smallfry app", "text/html", true},              // a folder: no listing
		{"/etc/passwd", "smallfry app", "text/html", true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := ts.do(t, request{path: tt.path, header: ts.auth()})
			if resp.StatusCode != 200 || !strings.Contains(body, tt.body) {
				t.Fatalf("%d %q, want 200 with %q", resp.StatusCode, body, tt.body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tt.contentType) {
				t.Errorf("Content-Type %s, want %s", ct, tt.contentType)
			}
			if noStore := resp.Header.Get("Cache-Control") == "no-store"; noStore != tt.noStore {
				t.Errorf("Cache-Control %q", resp.Header.Get("Cache-Control"))
			}
		})
	}
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
