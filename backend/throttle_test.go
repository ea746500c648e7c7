package backend

import (
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	at := time.Unix(0, 0)
	th := &Throttle{Now: func() time.Time { return at }}
	steps := []struct {
		after time.Duration
		final bool
		want  bool
	}{
		{0, false, true}, // the first report goes
		{50 * time.Millisecond, false, false},
		{40 * time.Millisecond, false, false},
		{10 * time.Millisecond, false, true}, // 100 ms after the last sent
		{1 * time.Millisecond, true, true},   // the final one always goes
		{1 * time.Millisecond, false, false},
		{200 * time.Millisecond, false, true},
	}
	for i, s := range steps {
		at = at.Add(s.after)
		if got := th.Allow(s.final); got != s.want {
			t.Errorf("step %d (+%v, final %v): Allow = %v, want %v", i, s.after, s.final, got, s.want)
		}
	}
}
