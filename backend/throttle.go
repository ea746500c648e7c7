package backend

import (
	"sync"
	"time"
)

// EventInterval is how often, at most, a job reports progress to the UI.
const EventInterval = 100 * time.Millisecond

// Throttle lets reports through at most once per EventInterval, and always
// the final one, so the UI stays current without drowning in events. It is
// safe for concurrent use; its zero value is ready.
type Throttle struct {
	Now func() time.Time // injectable clock; nil is time.Now

	mu   sync.Mutex
	last time.Time
}

// Allow tells whether to send a report now; final reports always go.
func (t *Throttle) Allow(final bool) bool {
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	at := now()
	if !final && !t.last.IsZero() && at.Sub(t.last) < EventInterval {
		return false
	}
	t.last = at
	return true
}
