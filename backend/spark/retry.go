package spark

import (
	"math/rand/v2"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// RetryPolicy is the backoff before a stream is resumed after an error
// (pyspark's RetryPolicy): InitialBackoff, times Multiplier per retry, at
// most MaxBackoff, plus up to Jitter once the wait reaches JitterFrom; a
// server's RetryInfo delay (at most MaxServerDelay) is waited if longer.
// The budget starts again after every response received, as pyspark's
// does per next().
type RetryPolicy struct {
	MaxRetries     int
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	Multiplier     float64
	Jitter         time.Duration
	JitterFrom     time.Duration
	MaxServerDelay time.Duration
}

// DefaultRetry is pyspark 4.3's DefaultPolicy: 15 retries from 50 ms, ×4,
// capped at a minute (about ten minutes in all), 0–500 ms of jitter from
// 2 s on, the server's delay up to ten minutes.
var DefaultRetry = RetryPolicy{
	MaxRetries:     15,
	InitialBackoff: 50 * time.Millisecond,
	MaxBackoff:     time.Minute,
	Multiplier:     4,
	Jitter:         500 * time.Millisecond,
	JitterFrom:     2 * time.Second,
	MaxServerDelay: 10 * time.Minute,
}

// maxRetryElapsed bounds the immediate retries (a reattach after a deadline
// or a re-sent ExecutePlan), as pyspark's max_retry_exception_elapsed_time.
const maxRetryElapsed = time.Hour

// retryable tells whether pyspark's DefaultPolicy retries err: UNAVAILABLE
// (the server or the network went away), INTERNAL with
// INVALID_CURSOR.DISCONNECTED (another call took over the stream), and any
// status carrying a RetryInfo.
func retryable(err error) bool {
	st, ok := status.FromError(err)
	if !ok {
		return false
	}
	switch {
	case st.Code() == codes.Unavailable:
		return true
	case st.Code() == codes.Internal && strings.Contains(st.Message(), "INVALID_CURSOR.DISCONNECTED"):
		return true
	}
	return retryInfo(st) != nil
}

// attempts is one budget of retries under a policy.
type attempts struct {
	p       RetryPolicy
	n       int
	next    time.Duration
	started time.Time // of the first immediate retry
}

func (p RetryPolicy) start() *attempts { return &attempts{p: p, next: p.InitialBackoff} }

func (a *attempts) reset() { a.n, a.next, a.started = 0, a.p.InitialBackoff, time.Time{} }

// wait is how long to wait before retrying after err, or false when the
// budget is spent.
func (a *attempts) wait(err error) (time.Duration, bool) {
	if a.n >= a.p.MaxRetries {
		return 0, false
	}
	a.n++
	w := a.next
	a.next = min(a.p.MaxBackoff, time.Duration(float64(w)*a.p.Multiplier))
	if st, ok := status.FromError(err); ok {
		if ri := retryInfo(st); ri != nil && ri.GetRetryDelay() != nil {
			d := min(ri.GetRetryDelay().AsDuration(), a.p.MaxServerDelay)
			w = max(w, d)
		}
	}
	if w >= a.p.JitterFrom && a.p.Jitter > 0 {
		w += rand.N(a.p.Jitter)
	}
	return w, true
}

// immediate tells whether an immediate retry is still allowed.
func (a *attempts) immediate() bool {
	if a.started.IsZero() {
		a.started = time.Now()
	}
	return time.Since(a.started) < maxRetryElapsed
}
