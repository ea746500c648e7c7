package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestTabs(t *testing.T) {
	gone := make(chan string, 4)
	ts := start(t, func(o *Options) {
		o.TabGrace = time.Second
		o.OnTabGone = func(tab string) { gone <- tab }
	})
	call := func(tab string) (*http.Response, string) {
		h := ts.auth()
		h["Content-Type"] = "application/json"
		if tab != "" {
			h[tabHeader] = tab
		}
		return ts.do(t, request{method: "POST", path: "/api/call/Client", header: h})
	}
	t.Run("a call carries its tab to the service", func(t *testing.T) {
		if resp, body := call("tab-1"); resp.StatusCode != 200 || body != `"tab-1"` {
			t.Errorf("%d %s, want the tab", resp.StatusCode, body)
		}
		if resp, body := call(""); resp.StatusCode != 200 || body != `""` {
			t.Errorf("without a tab: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("a bad tab id is the caller's mistake", func(t *testing.T) {
		for _, tab := range []string{"a b", strings.Repeat("x", 65), "é"} {
			if resp, body := call(tab); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "not a tab id") {
				t.Errorf("tab %q: %d %s", tab, resp.StatusCode, body)
			}
		}
		h := ts.auth()
		if resp, body := ts.do(t, request{method: "POST", path: "/api/heartbeat", header: h}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "names its tab") {
			t.Errorf("heartbeat without a tab: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("a tab heard from stays, a silent one goes", func(t *testing.T) {
		h := ts.auth()
		h[tabHeader] = "kept"
		// Heartbeats for three grace periods: the kept tab must not go,
		// while tab-1 (silent since its call) does.
		for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
			resp, body := ts.do(t, request{method: "POST", path: "/api/heartbeat", header: h})
			if resp.StatusCode != 200 || body != `{"everyMs":333}` {
				t.Fatalf("heartbeat: %d %s", resp.StatusCode, body)
			}
		}
		select {
		case tab := <-gone:
			if tab != "tab-1" {
				t.Fatalf("tab %q went, want tab-1", tab)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the silent tab was never ended")
		}
		select {
		case tab := <-gone:
			t.Fatalf("tab %q went while it sent heartbeats", tab)
		default:
		}
		select { // once silent, the kept tab goes too
		case tab := <-gone:
			if tab != "kept" {
				t.Fatalf("tab %q went, want kept", tab)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the tab that stopped was never ended")
		}
	})
	t.Run("a tab waiting for a long call is not gone", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.base+"/api/call/Block", nil)
		req.Header.Set("Authorization", "token "+ts.token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(tabHeader, "waiting")
		done := make(chan struct{})
		go func() {
			defer close(done)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
		<-ts.fake.started
		// Three grace periods without a heartbeat, the call still running.
		time.Sleep(3 * time.Second)
		select {
		case tab := <-gone:
			t.Fatalf("tab %q went while its call ran", tab)
		default:
		}
		cancel()
		<-done
		select { // the call over and the tab silent, it goes
		case tab := <-gone:
			if tab != "waiting" {
				t.Fatalf("tab %q went, want waiting", tab)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the tab was never ended after its call")
		}
	})
}
