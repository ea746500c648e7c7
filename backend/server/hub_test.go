package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// dial opens the event stream as a browser would, with extra headers.
func (ts *testServer) dial(t *testing.T, header http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.base, "http")+"/api/events", &websocket.DialOptions{HTTPHeader: header})
	if c != nil {
		t.Cleanup(func() { c.CloseNow() })
	}
	return c, resp, err
}

func TestEvents(t *testing.T) {
	ts := start(t)
	header := http.Header{"Authorization": {"token " + ts.token}, "Origin": {"http://127.0.0.1:" + ts.port}}
	clients := make([]*websocket.Conn, 2)
	for i := range clients {
		c, _, err := ts.dial(t, header)
		if err != nil {
			t.Fatal(err)
		}
		clients[i] = c
	}
	type cell struct {
		CellID string `json:"cellId"`
		Status string `json:"status"`
	}
	ts.hub.Emit("cell", cell{CellID: "c1", Status: "running"})
	ts.hub.Emit("run", map[string]string{"status": "ok"})
	for i, c := range clients {
		for _, want := range []string{`{"name":"cell","data":{"cellId":"c1","status":"running"}}`, `{"name":"run","data":{"status":"ok"}}`} {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			typ, b, err := c.Read(ctx)
			cancel()
			if err != nil {
				t.Fatalf("client %d: %v", i, err)
			}
			if typ != websocket.MessageText || string(b) != want {
				t.Errorf("client %d got %s %s, want text %s", i, typ, b, want)
			}
		}
	}
}

func TestEventsRefused(t *testing.T) {
	ts := start(t)
	tests := []struct {
		name   string
		header http.Header
		want   int
	}{
		{"no token", http.Header{}, 401},
		{"another site", http.Header{"Authorization": {"token " + ts.token}, "Origin": {"http://evil.example"}}, 403},
		{"another port", http.Header{"Authorization": {"token " + ts.token}, "Origin": {"http://127.0.0.1:1"}}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, resp, err := ts.dial(t, tt.header)
			if err == nil {
				t.Fatal("the WebSocket opened")
			}
			if resp == nil || resp.StatusCode != tt.want {
				t.Fatalf("response %v, want status %d (%v)", resp, tt.want, err)
			}
		})
	}
}

// A client that stops reading is cut off; Emit never waits for it.
func TestSlowSubscriberIsDropped(t *testing.T) {
	hub := NewHub(nil)
	slow := hub.subscribe()
	done := make(chan struct{})
	go func() {
		for i := range subscriberBuffer + 10 {
			hub.Emit("progress", i)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Emit blocked on a client that does not read")
	}
	select {
	case <-slow.dropped:
	default:
		t.Fatal("the slow client was not dropped")
	}
	if len(hub.subs) != 0 {
		t.Errorf("%d subscribers left", len(hub.subs))
	}
}

func TestEventStreamEndsOnShutdown(t *testing.T) {
	ts := start(t)
	c, _, err := ts.dial(t, http.Header{"Authorization": {"token " + ts.token}})
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	go func() { ts.stop(); close(stopped) }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _, err = c.Read(ctx)
	if websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Errorf("read after shutdown: %v, want close status going away", err)
	}
	select {
	case <-stopped:
	case <-time.After(shutdownGrace + 5*time.Second):
		t.Fatal("Serve did not return")
	}
}
