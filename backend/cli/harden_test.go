package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"smallfry/backend"
	"smallfry/backend/workbench"
)

// apiClient calls a running `smallfry serve` as a script does.
type apiClient struct {
	t           *testing.T
	host, token string
	http        *http.Client
}

func newAPIClient(t *testing.T, s *served) *apiClient {
	u, err := url.Parse(s.url)
	if err != nil {
		t.Fatal(err)
	}
	return &apiClient{t: t, host: u.Host, token: u.Query().Get("token"), http: &http.Client{Timeout: 2 * time.Minute}}
}

// raw POSTs body as the arguments of method.
func (c *apiClient) raw(method string, body []byte, header map[string]string) (int, []byte) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+c.host+"/api/call/"+method, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "token "+c.token)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (c *apiClient) call(method string, args ...any) (int, []byte) {
	c.t.Helper()
	if args == nil {
		args = []any{}
	}
	body, err := json.Marshal(args)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.raw(method, body, nil)
}

// must calls method and decodes its result into out, failing on an error.
func (c *apiClient) must(out any, method string, args ...any) {
	c.t.Helper()
	status, body := c.call(method, args...)
	if status != http.StatusOK {
		c.t.Fatalf("%s: %d %s", method, status, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			c.t.Fatalf("%s: %v in %s", method, err, body)
		}
	}
}

// hardenWorkspace is a sample workspace with testdata/harden.ipynb in it.
func hardenWorkspace(t *testing.T) string {
	ws := newWorkspace(t)
	data, err := os.ReadFile("testdata/harden.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws, "notebooks", "harden.ipynb"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return ws
}

// TestServeHonestErrors sends the mistakes a user (or a page out of step
// with the server) makes; each is answered as the user's, with a message
// that says what is wrong, never as a 500 "internal".
func TestServeHonestErrors(t *testing.T) {
	s := serve(t, "--no-browser", "--workspace", hardenWorkspace(t))
	c := newAPIClient(t, s)
	var opened workbench.OpenedNotebook
	c.must(&opened, "OpenNotebook", "harden.ipynb")
	session := opened.Session
	c.must(nil, "RunCells", session, workbench.RunRequest{Cells: opened.Cells, Run: []string{"nums"}})

	long := strings.Repeat("n", 300)
	tests := []struct {
		name   string
		method string
		body   string // the raw arguments; SESSION is replaced by the session id
		status int
		code   string
		msg    string // a part of the message
	}{
		{"a NUL in a notebook path", "OpenNotebook", `["a\u0000b.ipynb"]`, 400, backend.EINVALID, "control character"},
		{"a NUL in a new name", "CreateNotebook", `["a\u0000b"]`, 400, backend.EINVALID, "not a usable notebook name"},
		{"an over-long notebook path", "OpenNotebook", `["` + long + `.ipynb"]`, 400, backend.EINVALID, "at most 255 bytes"},
		{"an over-long new name", "CreateNotebook", `["` + long + `"]`, 400, backend.EINVALID, "at most 255 bytes"},
		{"an over-long rename", "RenameNotebook", `["harden.ipynb", "` + long + `"]`, 400, backend.EINVALID, "at most 255 bytes"},
		{"an over-long folder", "CreateNotebook", `["` + long + `/x"]`, 400, backend.EINVALID, "at most 255 bytes"},
		{"the run history of a path with a NUL", "Runs", `["a\u0000b.ipynb"]`, 400, backend.EINVALID, "control character"},
		{"a missing notebook", "OpenNotebook", `["gone.ipynb"]`, 404, backend.ENOTFOUND, "does not exist"},
		{"a run id with a NUL", "OpenRun", `["a\u0000b"]`, 400, backend.EINVALID, "not valid"},
		{"an over-long run id", "OpenRun", `["` + long + `"]`, 400, backend.EINVALID, "not valid"},
		{"a body that is not JSON", "OpenNotebook", `{`, 400, backend.EINVALID, "must be a JSON array"},
		{"an argument of the wrong type", "OpenNotebook", `[42]`, 400, backend.EINVALID, "argument 1"},
		{"too few arguments", "RunCells", `["SESSION"]`, 400, backend.EINVALID, "takes 2 argument(s)"},
		{"an unknown method", "DropEverything", `[]`, 404, backend.ENOTFOUND, "unknown method"},
		{"an unknown session", "RunCells", `["nope", {"cells": [], "run": []}]`, 404, backend.ENOTFOUND, "no open notebook"},
		{"an unknown cell id", "RunCells", `["SESSION", {"cells": [{"id": "a", "kind": "sql", "source": "SELECT 1"}], "run": ["zzz"]}]`, 404, backend.ENOTFOUND, `no cell "zzz"`},
		{"a cell without an id", "RunCells", `["SESSION", {"cells": [{"id": "", "kind": "sql", "source": "SELECT 1"}], "run": [""]}]`, 400, backend.EINVALID, "missing or repeated id"},
		{"a cell of an unknown kind", "SaveNotebook", `["SESSION", [{"id": "a", "kind": "cobol"}]]`, 400, backend.EINVALID, "unknown kind"},
		{"an autosave that could never be opened", "Autosave", `["SESSION", [{"id": "", "kind": "sql"}]]`, 400, backend.EINVALID, "missing or repeated id"},
		{"a filter of text on a number column", "Window", `["SESSION", {"table": "nums", "limit": 10, "filters": [{"column": "n", "op": ">", "value": "abc"}]}]`, 400, backend.EINVALID, "Could not convert string 'abc'"},
		{"a filter of a bad date", "Window", `["SESSION", {"table": "nums", "limit": 10, "filters": [{"column": "day", "op": "=", "value": "next tuesday"}]}]`, 400, backend.EINVALID, "does not fit the column's type"},
		{"a filter value that is an object", "Window", `["SESSION", {"table": "nums", "limit": 10, "filters": [{"column": "n", "op": "=", "value": {"a": 1}}]}]`, 400, backend.EINVALID, "not a list or an object"},
		{"a filter value that is a list", "Window", `["SESSION", {"table": "nums", "limit": 10, "filters": [{"column": "n", "op": "=", "value": [1, 2]}]}]`, 400, backend.EINVALID, "not a list or an object"},
		{"a filter on an unknown column", "Window", `["SESSION", {"table": "nums", "limit": 10, "filters": [{"column": "zz", "op": "=", "value": 1}]}]`, 400, backend.EINVALID, `no column "zz"`},
		{"a filter with an unknown operator", "Window", `["SESSION", {"table": "nums", "limit": 10, "filters": [{"column": "n", "op": "LIKE", "value": 1}]}]`, 400, backend.EINVALID, "unknown operator"},
		{"an export with a bad filter", "Export", `["SESSION", {"table": "nums", "format": "csv", "filters": [{"column": "n", "op": ">", "value": "abc"}]}]`, 400, backend.EINVALID, "Could not convert"},
		{"a window of a result that is not there", "Window", `["SESSION", {"table": "gone", "limit": 10}]`, 404, backend.ENOTFOUND, "no result gone"},
		{"a window in an unknown schema", "Window", `["SESSION", {"schema": "nope", "table": "nums", "limit": 10}]`, 404, backend.ENOTFOUND, "no result nums"},
		{"a window of a name with a NUL", "Window", `["SESSION", {"table": "nu\u0000ms", "limit": 10}]`, 400, backend.EINVALID, "NUL"},
		{"a summary of a result that is not there", "Summarize", `["SESSION", "", "gone", "n"]`, 404, backend.ENOTFOUND, "no result gone"},
		{"a summary of an unknown column", "Summarize", `["SESSION", "", "nums", "zz"]`, 400, backend.EINVALID, `no column "zz"`},
		{"a Docker image name that is not one", "SetRuntime", `["SESSION", {"docker": "not an image!"}]`, 400, backend.EINVALID, "not a Docker image name"},
		{"an unknown lake table", "PreviewLake", `["SESSION", "nope"]`, 404, backend.ENOTFOUND, "no table or raw dataset"},
		{"canceling an unknown run", "Cancel", `["nope"]`, 404, backend.ENOTFOUND, "no run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := c.raw(tt.method, []byte(strings.ReplaceAll(tt.body, "SESSION", session)), nil)
			var got backend.WireError
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("%d %s: not an error: %v", status, body, err)
			}
			if status != tt.status || got.Code != tt.code || !strings.Contains(got.Message, tt.msg) {
				t.Errorf("%d %s %q, want %d %s with %q", status, got.Code, got.Message, tt.status, tt.code, tt.msg)
			}
			if strings.Contains(got.Message, "pg_") || strings.Contains(got.Message, "context canceled") {
				t.Errorf("message %q speaks of DuckDB's or Go's internals", got.Message)
			}
		})
	}

	// The notebook still opens after all of that: nothing was half-written.
	c.must(nil, "OpenNotebook", "harden.ipynb")
}

// TestServeCellErrors runs cells that fail by the user's mistakes: each
// error names the cause as the user can act on it.
func TestServeCellErrors(t *testing.T) {
	s := serve(t, "--no-browser", "--workspace", hardenWorkspace(t))
	c := newAPIClient(t, s)
	var opened workbench.OpenedNotebook
	c.must(&opened, "OpenNotebook", "harden.ipynb")
	// A cell reading a result the session has not made runs its defining
	// cell first (runner.Prerequisites): no error at all.
	var first workbench.RunSummary
	c.must(&first, "RunCells", opened.Session, workbench.RunRequest{Cells: opened.Cells, Run: []string{"reads-nums"}})
	if first.Status != "ok" {
		t.Errorf("reads-nums: %s %q, want ok (its defining cell run first)", first.Status, first.Error)
	}
	tests := []struct {
		cell  string
		want  []string
		avoid []string
	}{
		{"typo", []string{"cell 4, line 1:", "no_such_table does not exist"}, []string{"pg_", "Did you mean"}},
		{"param-type", []string{"cell 5, line 3:", "'nineteen'", "(parameter $year)", "3 | WHERE n < $year"}, nil},
		{"reads-later", []string{"later is defined by cell 7, below this one"}, []string{"pg_"}},
	}
	for _, tt := range tests {
		t.Run(tt.cell, func(t *testing.T) {
			var sum workbench.RunSummary
			c.must(&sum, "RunCells", opened.Session, workbench.RunRequest{Cells: opened.Cells, Run: []string{tt.cell}})
			if sum.Status != "failed" {
				t.Fatalf("status %s, want failed", sum.Status)
			}
			for _, w := range tt.want {
				if !strings.Contains(sum.Error, w) {
					t.Errorf("error %q lacks %q", sum.Error, w)
				}
			}
			for _, a := range tt.avoid {
				if strings.Contains(sum.Error, a) {
					t.Errorf("error %q has %q", sum.Error, a)
				}
			}
		})
	}
}

// TestServeCanceledRun cancels a long query as the Cancel button does: the
// run, its record and the cell say "canceled".
func TestServeCanceledRun(t *testing.T) {
	s := serve(t, "--no-browser", "--workspace", hardenWorkspace(t))
	c := newAPIClient(t, s)
	var opened workbench.OpenedNotebook
	c.must(&opened, "OpenNotebook", "harden.ipynb")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	events, _, err := websocket.Dial(ctx, "ws://"+c.host+"/api/events", &websocket.DialOptions{
		HTTPHeader: http.Header{"Authorization": {"token " + c.token}, "Origin": {"http://" + c.host}}})
	if err != nil {
		t.Fatal(err)
	}
	defer events.CloseNow()
	done := make(chan workbench.RunSummary, 1)
	go func() {
		var sum workbench.RunSummary
		status, body := c.call("RunCells", opened.Session, workbench.RunRequest{Cells: opened.Cells, Run: []string{"slow"}})
		json.Unmarshal(body, &sum)
		if status != http.StatusOK {
			sum.Error = string(body)
		}
		done <- sum
	}()
	var cellError string
	for cellError == "" {
		_, msg, err := events.Read(ctx)
		if err != nil {
			t.Fatalf("events: %v", err)
		}
		var e struct {
			Name string
			Data workbench.CellEvent
		}
		json.Unmarshal(msg, &e)
		if e.Name != workbench.EventCell || e.Data.CellID != "slow" {
			continue
		}
		switch e.Data.Status {
		case workbench.StatusRunning:
			c.must(nil, "Cancel", e.Data.RunID)
		case workbench.StatusCanceled:
			if e.Data.Output == nil || e.Data.Output.Error == nil {
				t.Fatalf("the canceled cell shows no error: %+v", e.Data)
			}
			cellError = e.Data.Output.Error.Message
		case workbench.StatusDone, workbench.StatusError:
			t.Fatalf("the cell ended %s, want canceled", e.Data.Status)
		}
	}
	sum := <-done
	if sum.Status != "canceled" || !strings.HasSuffix(sum.Error, ": canceled") || strings.Contains(sum.Error, "context") {
		t.Errorf("run %s %q, want canceled ending in \": canceled\"", sum.Status, sum.Error)
	}
	if !strings.HasSuffix(cellError, ": canceled") || strings.Contains(cellError, "context") {
		t.Errorf("the cell says %q, want \"…: canceled\"", cellError)
	}
	var runs []struct{ ID, Status, Error string }
	c.must(&runs, "Runs", "harden.ipynb")
	if len(runs) == 0 || runs[0].Status != "canceled" || strings.Contains(runs[0].Error, "context") {
		t.Errorf("the run record: %+v", runs)
	}
}

// TestServePythonNameHint: a Python cell reading a SQL result that has not
// run gets it made first, by the cell that defines it.
func TestServePythonNameHint(t *testing.T) {
	needPython(t)
	ws := newWorkspace(t)
	copyNotebook(t, ws, "harden-python.ipynb")
	s := serve(t, "--no-browser", "--workspace", ws)
	c := newAPIClient(t, s)
	var opened workbench.OpenedNotebook
	c.must(&opened, "OpenNotebook", "harden-python.ipynb")
	var sum workbench.RunSummary
	c.must(&sum, "RunCells", opened.Session, workbench.RunRequest{Cells: opened.Cells, Run: []string{"py"}})
	if sum.Status != "ok" {
		t.Errorf("run %s %q, want ok: the cell defining nums runs first", sum.Status, sum.Error)
	}
}
