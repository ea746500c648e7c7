package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"smallfry/backend"
)

// uploads records what the server handed to its Uploader.
type uploads struct {
	mu    sync.Mutex
	names []string
	data  []string
	fails []error // the body's read errors
}

func (u *uploads) save(name string, body io.Reader) (any, error) {
	b, err := io.ReadAll(body)
	u.mu.Lock()
	defer u.mu.Unlock()
	if err != nil {
		u.fails = append(u.fails, err)
		return nil, err
	}
	if name == "bad.csv" {
		return nil, backend.Errorf(backend.EINVALID, "upload bad.csv: refused")
	}
	u.names, u.data = append(u.names, name), append(u.data, string(b))
	return map[string]string{"upload": "id-" + name}, nil
}

func TestUpload(t *testing.T) {
	up := &uploads{}
	s, err := Listen(&fakeService{}, nil, Options{Upload: up.save, MaxUpload: 64})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	u, _ := url.Parse(s.URL())
	token := u.Query().Get("token")
	base := "http://" + u.Host
	client := &http.Client{Timeout: 10 * time.Second}

	tests := []struct {
		name        string
		query       string
		contentType string
		auth        bool
		origin      string
		body        string
		status      int
		want        string // in the answer
	}{
		{name: "a file", query: "?name=sales.csv", contentType: "application/octet-stream", auth: true, body: "a,b\n1,2\n", status: 200, want: `"upload":"id-sales.csv"`},
		{name: "no token", query: "?name=sales.csv", contentType: "application/octet-stream", body: "a,b\n", status: 401, want: "not signed in"},
		{name: "another site", query: "?name=sales.csv", contentType: "application/octet-stream", auth: true, origin: "http://evil.example", body: "a,b\n", status: 403, want: "cross-origin"},
		{name: "a form's type", query: "?name=sales.csv", contentType: "multipart/form-data; boundary=x", auth: true, body: "a,b\n", status: 415, want: "octet-stream"},
		{name: "no name", contentType: "application/octet-stream", auth: true, body: "a,b\n", status: 400, want: "name is missing"},
		{name: "too large", query: "?name=big.csv", contentType: "application/octet-stream", auth: true, body: strings.Repeat("x", 65), status: 413, want: "larger than"},
		{name: "refused", query: "?name=bad.csv", contentType: "application/octet-stream", auth: true, body: "x", status: 400, want: "refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, base+"/api/upload"+tt.query, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", tt.contentType)
			if tt.auth {
				req.Header.Set("Authorization", "token "+token)
			}
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.want) {
				t.Errorf("%d %s, want %d with %q", resp.StatusCode, b, tt.status, tt.want)
			}
			if tt.status != 200 {
				var we backend.WireError
				if json.Unmarshal(b, &we) != nil || we.Message == "" {
					t.Errorf("the error is not the API's JSON: %s", b)
				}
			}
		})
	}
	// A body longer than its Content-Length said never reaches the uploader whole:
	// chunked, the limit is found while reading.
	req, _ := http.NewRequest(http.MethodPost, base+"/api/upload?name=chunked.csv", io.MultiReader(strings.NewReader(strings.Repeat("y", 100))))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Authorization", "token "+token)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked over the limit: %d, want 413", resp.StatusCode)
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	if strings.Join(up.names, ",") != "sales.csv" || up.data[0] != "a,b\n1,2\n" {
		t.Errorf("uploads stored: %v %q", up.names, up.data)
	}
	if len(up.fails) != 1 {
		t.Errorf("the uploader saw %d failed bodies, want 1 (the chunked one)", len(up.fails))
	}
}
