package server

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"smallfry/backend"
)

// tabHeader names the browser tab a request comes from (src/api.ts sends
// it with every call and heartbeat).
const tabHeader = "X-Smallfry-Tab"

// DefaultTabGrace is how long a tab may go silent before what it opened
// is ended: longer than a background tab's throttled timers (Chromium runs
// them once a minute), short enough to give a closed tab's kernel back soon.
const DefaultTabGrace = 2 * time.Minute

// tabs tracks the browser tabs by their last heartbeat or call. A tab not
// heard from for grace, with no call in flight, is gone: onGone ends what
// it opened.
type tabs struct {
	grace  time.Duration
	onGone func(tab string)
	now    func() time.Time

	mu    sync.Mutex
	seen  map[string]time.Time
	calls map[string]int // calls in flight, by tab
}

// calling notes a call of the tab in flight; the func it returns ends it.
func (t *tabs) calling(tab string) func() {
	t.mu.Lock()
	t.seen[tab] = t.now()
	t.calls[tab]++
	t.mu.Unlock()
	return func() {
		t.mu.Lock()
		t.seen[tab] = t.now()
		if t.calls[tab]--; t.calls[tab] <= 0 {
			delete(t.calls, tab)
		}
		t.mu.Unlock()
	}
}

// heard notes that the tab is alive.
func (t *tabs) heard(tab string) {
	t.mu.Lock()
	t.seen[tab] = t.now()
	t.mu.Unlock()
}

// sweep ends the tabs silent for longer than grace.
func (t *tabs) sweep() {
	var gone []string
	t.mu.Lock()
	now := t.now()
	for tab, at := range t.seen {
		if now.Sub(at) > t.grace && t.calls[tab] == 0 {
			gone = append(gone, tab)
			delete(t.seen, tab)
		}
	}
	t.mu.Unlock()
	for _, tab := range gone {
		t.onGone(tab)
	}
}

// watch sweeps a few times per grace period until ctx ends.
func (t *tabs) watch(ctx context.Context) {
	tick := time.NewTicker(t.grace / 4)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			t.sweep()
		}
	}
}

// validTab keeps tab ids to what the app makes (a UUID) and short.
func validTab(tab string) bool {
	if tab == "" || len(tab) > 64 {
		return false
	}
	for _, c := range tab {
		if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// tabOf reads the request's tab, noting it alive; "" when there is none.
func (s *Server) tabOf(r *http.Request) (string, error) {
	tab := r.Header.Get(tabHeader)
	if tab == "" {
		return "", nil
	}
	if !validTab(tab) {
		return "", backend.Errorf(backend.EINVALID, "%s %s is not a tab id (letters, digits and -, at most 64)", tabHeader, quote(tab))
	}
	s.tabs.heard(tab)
	return tab, nil
}

// handleHeartbeat answers a tab's heartbeat with how often to send the
// next: three per grace period, so one late timer does not end the tab.
func (s *Server) handleHeartbeat(w http.ResponseWriter, r *http.Request) {
	tab, err := s.tabOf(r)
	if err == nil && tab == "" {
		err = backend.Errorf(backend.EINVALID, "a heartbeat names its tab in the %s header", tabHeader)
	}
	if err != nil {
		writeError(w, r, http.StatusBadRequest, backend.EINVALID, backend.ErrorMessage(err))
		return
	}
	b, _ := json.Marshal(struct {
		EveryMs int64 `json:"everyMs"`
	}{(s.tabs.grace / 3).Milliseconds()})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}
