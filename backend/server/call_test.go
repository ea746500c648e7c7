package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"smallfry/backend"
)

func TestCall(t *testing.T) {
	ts := start(t)
	tests := []struct {
		name        string
		method      string // default POST
		path        string
		contentType string // default application/json
		body        string
		want        int
		code        string // the error body's code, when an error
		contains    string // a part of the body
	}{
		{name: "struct result", path: "Greet", body: `["Ann", 2]`, want: 200, contains: `{"hello":"Ann","n":2}`},
		{name: "error only", path: "Touch", body: `[]`, want: 200, contains: "null"},
		{name: "no body is no arguments", path: "Touch", want: 200, contains: "null"},
		{name: "charset", path: "Touch", contentType: "application/json; charset=utf-8", body: `[]`, want: 200},
		{name: "not found", path: "Open", body: `["x.ipynb"]`, want: 404, code: "not_found", contains: "notebook x.ipynb does not exist"},
		{name: "invalid", path: "Fail", body: `["invalid"]`, want: 400, code: "invalid", contains: "failed with invalid"},
		{name: "conflict", path: "Fail", body: `["conflict"]`, want: 409, code: "conflict"},
		{name: "canceled", path: "Fail", body: `["canceled"]`, want: 409, code: "canceled"},
		{name: "internal", path: "Fail", body: `["internal"]`, want: 500, code: "internal"},
		{name: "plain error", path: "Fail", body: `[""]`, want: 500, code: "internal", contains: "disk on fire"},
		{name: "panic", path: "Panic", body: `[]`, want: 500, code: "internal", contains: "Panic failed unexpectedly"},
		{name: "unknown method", path: "Nope", body: `[]`, want: 404, code: "not_found", contains: `unknown method \"Nope\"`},
		{name: "unexported method", path: "hidden", body: `[]`, want: 404, code: "not_found"},
		{name: "method without context", path: "NoContext", body: `["a"]`, want: 404, code: "not_found"},
		{name: "method without error", path: "TwoResults", body: `[]`, want: 404, code: "not_found"},
		{name: "variadic method", path: "Variadic", body: `[]`, want: 404, code: "not_found"},
		{name: "lifecycle method", path: "Close", body: `[]`, want: 404, code: "not_found"},
		{name: "too few arguments", path: "Greet", body: `["Ann"]`, want: 400, code: "invalid",
			contains: "Greet takes 2 argument(s) (string, int), got 1"},
		{name: "too many arguments", path: "Touch", body: `[1]`, want: 400, code: "invalid", contains: "Touch takes 0 argument(s) (), got 1"},
		{name: "argument of the wrong type", path: "Greet", body: `["Ann", "two"]`, want: 400, code: "invalid",
			contains: "Greet: argument 2 (int): json: cannot unmarshal string"},
		{name: "not an array", path: "Greet", body: `{"name": "Ann"}`, want: 400, code: "invalid", contains: "Greet: the body must be a JSON array"},
		{name: "bad JSON", path: "Greet", body: `["Ann",`, want: 400, code: "invalid", contains: "Greet: the body must be a JSON array"},
		{name: "wrong content type", path: "Greet", contentType: "text/plain", body: `["Ann", 2]`, want: 415, code: "invalid"},
		{name: "GET", method: "GET", path: "Touch", want: 405, code: "invalid", contains: "calls are POST requests"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rq := request{method: tt.method, path: "/api/call/" + tt.path, body: tt.body, header: ts.auth()}
			if rq.method == "" {
				rq.method = http.MethodPost
			}
			rq.header["Content-Type"] = tt.contentType
			if tt.contentType == "" {
				rq.header["Content-Type"] = "application/json"
			}
			resp, body := ts.do(t, rq)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.want, body)
			}
			if !strings.Contains(body, tt.contains) {
				t.Errorf("body %s does not contain %s", body, tt.contains)
			}
			if tt.code != "" {
				var e backend.WireError
				if err := json.Unmarshal([]byte(body), &e); err != nil || e.Code != tt.code || e.Message == "" {
					t.Errorf("error body %s (%v), want code %s and a message", body, err, tt.code)
				}
			}
		})
	}
	if !strings.Contains(ts.logs.String(), "disk on fire") || !strings.Contains(ts.logs.String(), "boom") {
		t.Errorf("internal errors and panics are not logged:\n%s", ts.logs)
	}
}

// A call's context ends when its client goes away, so a query left running
// by a closed tab is canceled.
func TestCallCanceledWhenClientLeaves(t *testing.T) {
	ts := start(t)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.base+"/api/call/Block", strings.NewReader("[]"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "token "+ts.token)
	errc := make(chan error, 1)
	go func() {
		resp, err := ts.client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	select {
	case <-ts.fake.started:
	case <-time.After(5 * time.Second):
		t.Fatal("Block was not called")
	}
	cancel()
	select {
	case err := <-ts.fake.canceled:
		if err != context.Canceled {
			t.Errorf("Block's context ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Block's context was not canceled when the client left")
	}
	if err := <-errc; err == nil {
		t.Error("the client got an answer after it left")
	}
}
