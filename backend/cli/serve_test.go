package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coder/websocket"

	"smallfry/backend/smallfry"
	"smallfry/backend/workbench"
)

// served is a running `smallfry serve`.
type served struct {
	url  string                                 // the printed link
	stop func() (code int, rest, stderr string) // Ctrl+C; rest is stdout after the link line
}

var servingLine = regexp.MustCompile(`^Smallfry is serving at (http://127\.0\.0\.1:\d+/\?token=[0-9a-f]{64})$`)

// serve starts `smallfry serve` as a user does (the built binary when
// SMALLFRY_BIN names it, else Main in-process) and waits for its link.
func serve(t *testing.T, args ...string) *served {
	t.Helper()
	args = append([]string{"serve"}, args...)
	stderr := &lockedBuffer{}
	var stdout io.Reader
	var stop func() int
	if bin := os.Getenv("SMALLFRY_BIN"); bin != "" {
		cmd := exec.Command(bin, args...)
		cmd.Stderr = stderr
		pipe, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		stdout = pipe
		stop = func() int {
			cmd.Process.Signal(os.Interrupt)
			err := cmd.Wait()
			if ee, ok := err.(*exec.ExitError); ok {
				return ee.ExitCode()
			} else if err != nil {
				t.Errorf("wait for %s: %v", bin, err)
			}
			return 0
		}
	} else {
		ctx, cancel := context.WithCancel(context.Background())
		pr, pw := io.Pipe()
		code := make(chan int, 1)
		// The UI as the binary embeds it, in little.
		assets := fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>Smallfry</title>")}}
		go func() {
			defer pw.Close()
			code <- Main(ctx, args, Streams{Stdin: strings.NewReader(""), Stdout: pw, Stderr: stderr},
				Config{Assets: assets, OpenWindow: func(context.Context, smallfry.Config) error { t.Error("the window must not open"); return nil }})
		}()
		stdout = pr
		stop = func() int { cancel(); return <-code }
	}
	lines := bufio.NewReader(stdout)
	first := make(chan string, 1)
	go func() { line, _ := lines.ReadString('\n'); first <- line }()
	var line string
	select {
	case line = <-first:
	case <-time.After(60 * time.Second):
		stop()
		t.Fatalf("no link printed in 60s; stderr:\n%s", stderr)
	}
	m := servingLine.FindStringSubmatch(strings.TrimRight(line, "\n"))
	if m == nil {
		code := stop()
		t.Fatalf("first line %q is not the link (exit %d); stderr:\n%s", line, code, stderr)
	}
	rest := make(chan string, 1)
	go func() { b, _ := io.ReadAll(lines); rest <- string(b) }()
	s := &served{url: m[1]}
	var once sync.Once
	s.stop = func() (code int, restOut, errOut string) {
		once.Do(func() { code = stop() })
		return code, <-rest, stderr.String()
	}
	t.Cleanup(func() { once.Do(func() { stop() }) })
	return s
}

func TestServe(t *testing.T) {
	ws := newWorkspace(t)
	s := serve(t, "--no-browser", "--workspace", ws)
	u, _ := url.Parse(s.url)
	base, token := "http://"+u.Host, u.Query().Get("token")
	client := &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	call := func(method, auth string, args ...any) (*http.Response, []byte) {
		t.Helper()
		if args == nil {
			args = []any{}
		}
		body, _ := json.Marshal(args)
		req, _ := http.NewRequest(http.MethodPost, base+"/api/call/"+method, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", "token "+auth)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}

	resp, body := call("Info", token)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("Info: %d %s", resp.StatusCode, body)
	}
	var info workbench.Info
	if err := json.Unmarshal(body, &info); err != nil {
		t.Fatalf("Info: %v in %s", err, body)
	}
	if !sameDir(info.WorkspaceDir, ws) || len(info.Notebooks) == 0 {
		t.Errorf("Info = %s, want workspace %s with its notebooks", body, ws)
	}
	if resp, _ := call("Info", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("Info without the token: %d, want 401", resp.StatusCode)
	}

	// A run's events reach the browser over the WebSocket.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	events, _, err := websocket.Dial(ctx, "ws://"+u.Host+"/api/events", &websocket.DialOptions{
		HTTPHeader: http.Header{"Authorization": {"token " + token}, "Origin": {base}}})
	if err != nil {
		t.Fatal(err)
	}
	defer events.CloseNow()
	resp, body = call("OpenNotebook", token, "tour.ipynb")
	var opened workbench.OpenedNotebook
	if err := json.Unmarshal(body, &opened); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("OpenNotebook: %d %s", resp.StatusCode, body)
	}
	var sqlCell string
	for _, c := range opened.Cells {
		if c.Kind == "sql" && sqlCell == "" {
			sqlCell = c.ID
		}
	}
	if resp, body = call("RunCells", token, opened.Session, workbench.RunRequest{Cells: opened.Cells, Run: []string{sqlCell}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("RunCells: %d %s", resp.StatusCode, body)
	}
	var seen []string
	for !slices.Contains(seen, "run ok") {
		_, msg, err := events.Read(ctx)
		if err != nil {
			t.Fatalf("events so far %v: %v", seen, err)
		}
		var e struct {
			Name string
			Data struct{ CellID, Status string }
		}
		json.Unmarshal(msg, &e)
		seen = append(seen, strings.Join(strings.Fields(e.Name+" "+e.Data.CellID+" "+e.Data.Status), " "))
	}
	if !slices.Contains(seen, "cell "+sqlCell+" done") {
		t.Errorf("events %v, want cell %s done", seen, sqlCell)
	}

	// The link signs the browser in and shows the UI.
	resp, err = client.Get(s.url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || len(resp.Cookies()) != 1 {
		t.Fatalf("the link answered %d with cookies %v", resp.StatusCode, resp.Cookies())
	}
	req, _ := http.NewRequest(http.MethodGet, base+resp.Header.Get("Location"), nil)
	req.AddCookie(resp.Cookies()[0])
	if resp, err = client.Do(req); err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(page, []byte("<title>Smallfry</title>")) {
		t.Errorf("the UI: %d %.200s", resp.StatusCode, page)
	}

	code, rest, stderr := s.stop()
	if code != 0 {
		t.Errorf("exit %d after Ctrl+C; stderr:\n%s", code, stderr)
	}
	if rest != "" {
		t.Errorf("stdout has more than the link line: %q", rest)
	}
	if strings.Contains(stderr, token) {
		t.Errorf("the token is on stderr:\n%s", stderr)
	}
}

func TestServeRefuses(t *testing.T) {
	ws := newWorkspace(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"another machine's address", []string{"--addr", "0.0.0.0:0"}, "not a loopback address"},
		{"every interface", []string{"--addr", ":8888"}, "not a loopback address"},
		{"not an address", []string{"--addr", "8888"}, "want host:port"},
		{"an argument", []string{"notebooks/tour.ipynb"}, "unexpected argument"},
		{"no grace for a closed tab", []string{"--tab-grace", "0s"}, "want a positive duration"},
		{"a grace that is not a duration", []string{"--tab-grace", "soon"}, "invalid value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"serve", "--no-browser", "--workspace", ws}, tt.args...)
			stdout, stderr, code := runSmallfry(t, ws, args...)
			if code != exitInvalid || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, exitInvalid, tt.want)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
		})
	}
}

func sameDir(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(filepath.Clean(b))
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// lockedBuffer collects stderr written by the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
