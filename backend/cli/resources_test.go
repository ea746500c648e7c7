//go:build linux

package cli

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"smallfry/backend/workbench"
)

// serveProcess starts the built `smallfry serve` as its own process, for
// the tests that kill it; it is killed at the end if still running.
func serveProcess(t *testing.T, ws string, args ...string) (*exec.Cmd, *served) {
	return serveWithUmask(t, "", ws, args...)
}

// serveWithUmask starts it under a umask ("" keeps the test's).
func serveWithUmask(t *testing.T, umask, ws string, args ...string) (*exec.Cmd, *served) {
	t.Helper()
	bin := os.Getenv("SMALLFRY_BIN")
	if bin == "" {
		t.Skip("SMALLFRY_BIN is not set: these tests kill a real smallfry serve (make test-go sets it)")
	}
	cmd := exec.Command(bin, append([]string{"serve", "--no-browser", "--workspace", ws}, args...)...)
	if umask != "" {
		// The shell sets the umask and becomes smallfry (same pid).
		cmd = exec.Command("/bin/sh", append([]string{"-c", "umask " + umask + ` && exec "$0" "$@"`, bin, "serve", "--no-browser", "--workspace", ws}, args...)...)
	}
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	line := make(chan string, 1)
	go func() { l, _ := bufio.NewReader(out).ReadString('\n'); line <- l }()
	select {
	case l := <-line:
		m := servingLine.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil {
			t.Fatalf("first line %q is not the link; stderr:\n%s", l, stderr)
		}
		return cmd, &served{url: m[1]}
	case <-time.After(60 * time.Second):
		t.Fatalf("no link in 60s; stderr:\n%s", stderr)
	}
	return nil, nil
}

// scratchFolders lists the per-process folders under .smallfry/tmp.
func scratchFolders(t *testing.T, ws string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(ws, ".smallfry", "tmp"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

var kernelPID = regexp.MustCompile(`^1000 (\d+)`)

// runPython opens the notebook in tab (none: "") and runs both its cells;
// it returns the session and the kernel's pid, which the cell prints.
func runPython(t *testing.T, c *apiClient, tab string) (string, int) {
	return runPythonIn(t, c, tab, "harden-python.ipynb")
}

func runPythonIn(t *testing.T, c *apiClient, tab, notebook string) (string, int) {
	t.Helper()
	h := map[string]string{}
	if tab != "" {
		h["X-Smallfry-Tab"] = tab
	}
	status, body := c.raw("OpenNotebook", []byte(`["`+notebook+`"]`), h)
	var opened workbench.OpenedNotebook
	if status != http.StatusOK || json.Unmarshal(body, &opened) != nil {
		t.Fatalf("OpenNotebook: %d %s", status, body)
	}
	req, _ := json.Marshal([]any{opened.Session, workbench.RunRequest{Cells: opened.Cells, Run: []string{"nums", "py"}}})
	status, body = c.raw("RunCells", req, h)
	var sum workbench.RunSummary
	if status != http.StatusOK || json.Unmarshal(body, &sum) != nil || sum.Status != "ok" {
		t.Fatalf("RunCells: %d %s", status, body)
	}
	// The kernel printed "1000 <pid>": read it back from the run's output.
	var run workbench.OpenedNotebook
	c.must(&run, "OpenRun", sum.RunID)
	for _, raw := range run.Outputs["py"].Jupyter {
		var o struct{ Text any }
		json.Unmarshal(raw, &o)
		text := ""
		switch v := o.Text.(type) {
		case string:
			text = v
		case []any:
			for _, s := range v {
				text += s.(string)
			}
		}
		if m := kernelPID.FindStringSubmatch(text); m != nil {
			pid, _ := strconv.Atoi(m[1])
			t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) }) // an orphan of a killed serve
			return opened.Session, pid
		}
	}
	t.Fatalf("the Python cell printed no pid: %s", body)
	return "", 0
}

func alive(pid int) bool {
	// A zombie (exited, not yet reaped) counts as gone.
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

// waitFor polls cond until it holds; a minute is far beyond every grace
// the tests set.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(time.Minute); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("%s: still not so after a minute", what)
		}
	}
}

// TestServeScratchFolders: a session's scratch copies go when it ends, and
// a killed serve's folder goes at the next start.
func TestServeScratchFolders(t *testing.T) {
	needPython(t)
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc to see the kernel process")
	}
	ws := newWorkspace(t)
	copyNotebook(t, ws, "harden-python.ipynb")
	cmd, s := serveProcess(t, ws)
	c := newAPIClient(t, s)
	mine := "p" + strconv.Itoa(cmd.Process.Pid) + "-"
	folders := scratchFolders(t, ws)
	if len(folders) != 1 || !strings.HasPrefix(folders[0], mine) {
		t.Fatalf(".smallfry/tmp holds %v, want one folder %s…", folders, mine)
	}
	proc := filepath.Join(ws, ".smallfry", "tmp", folders[0])

	session, pid := runPython(t, c, "")
	sessionDir := filepath.Join(proc, "kernels", session)
	if _, err := os.Stat(filepath.Join(sessionDir, "sql", "nums.parquet")); err != nil {
		t.Fatalf("the table handed to Python is not in the session's scratch folder: %v", err)
	}
	c.must(nil, "CloseNotebook", session)
	if _, err := os.Stat(sessionDir); !os.IsNotExist(err) {
		t.Errorf("the closed session's scratch folder is still there (%v)", err)
	}
	waitFor(t, "the closed session's kernel has ended", func() bool { return !alive(pid) })

	// Crash: kill -9 while a session holds copies.
	session, _ = runPython(t, c, "")
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(proc, "kernels", session, "sql", "nums.parquet")); err != nil {
		t.Fatalf("the killed serve's copies are not left behind (the test would prove nothing): %v", err)
	}
	again, _ := serveProcess(t, ws)
	folders = scratchFolders(t, ws)
	if len(folders) != 1 || !strings.HasPrefix(folders[0], "p"+strconv.Itoa(again.Process.Pid)+"-") {
		t.Errorf("after the restart .smallfry/tmp holds %v, want only the new serve's folder", folders)
	}
	// The folder of a serve that still runs is left alone by another's start.
	other, _ := serveProcess(t, ws)
	folders = scratchFolders(t, ws)
	if len(folders) != 2 {
		t.Errorf("with two serves running .smallfry/tmp holds %v, want both folders", folders)
	}
	// Ctrl+C removes the serve's own folder.
	other.Process.Signal(os.Interrupt)
	other.Wait()
	folders = scratchFolders(t, ws)
	if len(folders) != 1 || !strings.HasPrefix(folders[0], "p"+strconv.Itoa(again.Process.Pid)+"-") {
		t.Errorf("after Ctrl+C .smallfry/tmp holds %v, want only the running serve's folder", folders)
	}
}

// TestServeTabGone: a tab that stops its heartbeats loses its notebook
// session and kernel after --tab-grace; one that sends them keeps both.
func TestServeTabGone(t *testing.T) {
	needPython(t)
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc to see the kernel process")
	}
	ws := newWorkspace(t)
	data, err := os.ReadFile("testdata/harden-python.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	// One notebook per tab: opening a notebook ends its other sessions.
	for _, name := range []string{"closed.ipynb", "open.ipynb", "script.ipynb"} {
		if err := os.WriteFile(filepath.Join(ws, "notebooks", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, s := serveProcess(t, ws, "--tab-grace", "2s")
	c := newAPIClient(t, s)
	heartbeat := func(tab string) { // from the beating goroutine: no t.Fatal
		req, _ := http.NewRequest(http.MethodPost, "http://"+c.host+"/api/heartbeat", nil)
		req.Header.Set("Authorization", "token "+c.token)
		req.Header.Set("X-Smallfry-Tab", tab)
		resp, err := c.http.Do(req)
		if err != nil {
			t.Errorf("heartbeat: %v", err)
			return
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("heartbeat: %d", resp.StatusCode)
		}
	}
	// The open tab beats as the page does, every grace/3, all along.
	stop := make(chan struct{})
	beating := make(chan struct{})
	go func() {
		defer close(beating)
		for {
			select {
			case <-stop:
				return
			case <-time.After(600 * time.Millisecond):
				heartbeat("open-tab")
			}
		}
	}()
	defer func() { close(stop); <-beating }()
	closed, closedPID := runPythonIn(t, c, "closed-tab", "closed.ipynb")
	open, openPID := runPythonIn(t, c, "open-tab", "open.ipynb")
	script, scriptPID := runPythonIn(t, c, "", "script.ipynb") // a script's session has no tab: never ended
	sessionGone := func(session string) bool {
		status, body := c.call("Completions", session)
		if status != http.StatusOK && status != http.StatusNotFound {
			t.Fatalf("Completions: %d %s", status, body)
		}
		if status == http.StatusNotFound && !strings.Contains(string(body), "no open notebook") {
			t.Fatalf("Completions: %d %s", status, body)
		}
		return status == http.StatusNotFound
	}
	waitFor(t, "the closed tab's session has ended", func() bool { return sessionGone(closed) })
	waitFor(t, "the closed tab's kernel has ended", func() bool { return !alive(closedPID) })
	folders := scratchFolders(t, ws)
	if len(folders) != 1 {
		t.Fatalf(".smallfry/tmp holds %v, want the serve's folder", folders)
	}
	kernels := filepath.Join(ws, ".smallfry", "tmp", folders[0], "kernels")
	// Removed once the kernel has ended, as the session closes.
	waitFor(t, "the closed tab's scratch copies are gone", func() bool {
		_, err := os.Stat(filepath.Join(kernels, closed))
		return os.IsNotExist(err)
	})
	if _, err := os.Stat(filepath.Join(kernels, open, "sql", "nums.parquet")); err != nil {
		t.Errorf("the open tab's scratch copies are gone: %v", err)
	}
	if sessionGone(open) || !alive(openPID) {
		t.Errorf("the tab that sent heartbeats lost its session (%v) or kernel (alive %v)", sessionGone(open), alive(openPID))
	}
	if sessionGone(script) || !alive(scriptPID) {
		t.Errorf("a session without a tab was ended")
	}
}

// TestServeFileModes: what serve writes for the user follows the umask,
// and what is private (drafts) is 0600 whatever the umask.
func TestServeFileModes(t *testing.T) {
	ws := newWorkspace(t)
	_, s := serveWithUmask(t, "027", ws)
	c := newAPIClient(t, s)
	c.must(nil, "CreateNotebook", "fresh")
	var opened workbench.OpenedNotebook
	c.must(&opened, "OpenNotebook", "fresh.ipynb")
	cells := []workbench.CellData{{ID: opened.Cells[0].ID, Kind: "sql", Source: "SELECT 42 AS answer", Name: "answer"}}
	var sum workbench.RunSummary
	c.must(&sum, "RunCells", opened.Session, workbench.RunRequest{Cells: cells, Run: []string{cells[0].ID}})
	if sum.Status != "ok" {
		t.Fatalf("run: %+v", sum)
	}
	c.must(nil, "SaveNotebook", opened.Session, cells)
	c.must(nil, "Autosave", opened.Session, cells)
	var csv, parquet workbench.Exported
	c.must(&csv, "Export", opened.Session, workbench.ExportRequest{Table: "answer", Format: "csv"})
	c.must(&parquet, "Export", opened.Session, workbench.ExportRequest{Table: "answer", Format: "parquet"})
	var tour workbench.OpenedNotebook
	c.must(&tour, "OpenNotebook", "tour.ipynb")
	c.must(nil, "SaveNotebook", tour.Session, tour.Cells)

	drafts, _ := filepath.Glob(filepath.Join(ws, ".smallfry", "drafts", "*.json"))
	if len(drafts) != 1 {
		t.Fatalf("drafts %v, want one", drafts)
	}
	run := filepath.Join(ws, ".smallfry", "runs", sum.RunID)
	tests := []struct {
		what, path string
		want       os.FileMode
	}{
		{"a new notebook", filepath.Join(ws, "notebooks", "fresh.ipynb"), 0o640},
		{"a notebook saved again keeps its mode", filepath.Join(ws, "notebooks", "tour.ipynb"), 0o644},
		{"the run record", filepath.Join(run, "run.json"), 0o440},
		{"the run's output notebook", filepath.Join(run, "output.ipynb"), 0o440},
		{"a CSV export", csv.Path, 0o640},
		{"a Parquet export", parquet.Path, 0o640},
		{"the autosave draft", drafts[0], 0o600},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			info, err := os.Stat(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if got := info.Mode().Perm(); got != tt.want {
				t.Errorf("%s: mode %v, want %v", tt.path, got, tt.want)
			}
		})
	}
}

// TestServeOpenerGetsNoToken: the browser opener's command line (which any
// local user's ps reads) carries a one-time code, never the token; the code
// signs one browser in, once.
func TestServeOpenerGetsNoToken(t *testing.T) {
	bin := os.Getenv("SMALLFRY_BIN")
	if bin == "" {
		t.Skip("SMALLFRY_BIN is not set")
	}
	fake := t.TempDir()
	argv := filepath.Join(fake, "argv")
	// xdg-open is the first opener pkg/browser tries on Linux.
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + argv + ".tmp && mv " + argv + ".tmp " + argv + "\n"
	if err := os.WriteFile(filepath.Join(fake, "xdg-open"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	ws := newWorkspace(t)
	cmd := exec.Command(bin, "serve", "--workspace", ws)
	cmd.Env = append(os.Environ(), "PATH="+fake+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &lockedBuffer{}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	m := servingLine.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		t.Fatalf("first line %q is not the link", line)
	}
	u, _ := url.Parse(m[1])
	token := u.Query().Get("token")
	var opened string
	waitFor(t, "the opener was started", func() bool {
		b, err := os.ReadFile(argv)
		opened = strings.TrimSpace(string(b))
		return err == nil
	})
	if strings.Contains(opened, token) {
		t.Fatalf("the opener's command line holds the token: %s", opened)
	}
	link, err := url.Parse(opened)
	if err != nil || link.Host != u.Host || !regexp.MustCompile(`^code=[0-9a-f]{64}$`).MatchString(link.RawQuery) {
		t.Fatalf("the opener got %q, want this server's link with a one-time code", opened)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func() *http.Response {
		resp, err := client.Get(opened)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := get(); resp.StatusCode != http.StatusFound || len(resp.Cookies()) != 1 || resp.Cookies()[0].Value == token {
		t.Errorf("the code's first use: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	if resp := get(); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the code's second use: %d, want 401", resp.StatusCode)
	}
}
