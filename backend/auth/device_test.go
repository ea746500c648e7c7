package auth

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"smallfry/backend/auth/authtest"
)

// unitClient is a Client on the fake IdP and clock, with an in-memory
// keychain and a log the test can read.
type unitClient struct {
	*Client
	kc   *authtest.Keychain
	logs *lockedBuffer
	dir  string
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newUnitClient(t *testing.T, s Settings, clock *fakeClock) *unitClient {
	t.Helper()
	kc := authtest.NewKeychain()
	logs := &lockedBuffer{}
	dir := t.TempDir()
	c, err := New(s, Options{
		Dir: dir, Keychain: kc, Now: clock.Now, Sleep: clock.Sleep,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	u := &unitClient{Client: c, kc: kc, logs: logs, dir: dir}
	t.Cleanup(func() { assertNoSecrets(t, "the log", logs.String()) })
	return u
}

// assertNoSecrets fails if out holds anything token-like the fakes mint.
func assertNoSecrets(t *testing.T, where, out string) {
	t.Helper()
	for _, secret := range []string{"refresh-token-secret", "device-code-secret-value", "access-token-secret", "eyJ"} {
		if strings.Contains(out, secret) {
			t.Errorf("%s contains %q:\n%s", where, secret, out)
		}
	}
}

func pending() fakeAnswer {
	return fakeAnswer{400, map[string]string{"error": "authorization_pending"}}
}

func answer(code string) fakeAnswer {
	return fakeAnswer{400, map[string]string{"error": code, "error_description": code + " (test)"}}
}

var issueTokens = fakeAnswer{200, nil}

// offsets gives each poll's time since start, in seconds.
func offsets(start time.Time, polls []time.Time) []int {
	out := make([]int, len(polls))
	for i, p := range polls {
		out[i] = int(p.Sub(start) / time.Second)
	}
	return out
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDeviceFlowPolling(t *testing.T) {
	tests := []struct {
		name     string
		interval int
		answers  []fakeAnswer
		want     []int // seconds after Start of each poll
	}{
		{"pending then tokens", 0, []fakeAnswer{pending(), pending(), issueTokens}, []int{5, 10, 15}},
		{"the IdP's interval", 2, []fakeAnswer{pending(), issueTokens}, []int{2, 4}},
		// slow_down adds 5 s to this and every later wait (RFC 8628 §3.5).
		{"slow_down", 0, []fakeAnswer{pending(), answer("slow_down"), pending(), answer("slow_down"), issueTokens}, []int{5, 10, 20, 30, 45}},
		// An IdP in trouble (5xx, HTML instead of JSON): wait twice as long
		// each time, then back to the interval once it answers again.
		{"backoff on 503", 0, []fakeAnswer{{503, "<h1>Service Unavailable</h1>"}, {502, "bad gateway"}, pending(), issueTokens}, []int{5, 15, 35, 40}},
		{"backoff on 500 with JSON", 0, []fakeAnswer{{500, map[string]string{"error": "server_error"}}, issueTokens}, []int{5, 15}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			f := newFakeIdP(t, clock)
			f.set(func(f *fakeIdP) { f.deviceAnswers, f.interval = tt.answers, tt.interval })
			c := newUnitClient(t, f.settings(), clock)
			start := clock.Now()
			p, err := c.Start(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if p.UserCode != "WDJB-MJHT" || p.VerificationURI != f.issuer()+"/device" {
				t.Errorf("Pending = %v; want the user code and the plain verification_uri", p)
			}
			// expires_in counts from the answer; the request's own time is
			// taken off, so the code is never thought to live longer.
			if want := start.Add(600 * time.Second); p.Expiry.After(want) || p.Expiry.Before(want.Add(-time.Second)) {
				t.Errorf("Expiry = %v, want just before %v", p.Expiry, want)
			}
			s, err := p.Wait(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got := offsets(start, pollTimes(f)); !equalInts(got, tt.want) {
				t.Errorf("polls at %v s, want %v s", got, tt.want)
			}
			if s.Subject != "user-1" || s.Email != "ann@example.com" || s.Issuer != f.issuer() {
				t.Errorf("session %+v", s)
			}
			if got, err := c.Session(); err != nil || got.Subject != "user-1" {
				t.Errorf("Session() = %+v, %v after sign-in", got, err)
			}
		})
	}
}

func TestDeviceFlowEnds(t *testing.T) {
	tests := []struct {
		name    string
		answers []fakeAnswer
		is      error
		idpCode string
		polls   int
	}{
		{"access_denied", []fakeAnswer{pending(), answer("access_denied")}, ErrAccessDenied, "", 2},
		{"expired_token", []fakeAnswer{answer("expired_token")}, ErrCodeExpired, "", 1},
		{"invalid_grant (code gone)", []fakeAnswer{answer("invalid_grant")}, ErrCodeExpired, "", 1},
		{"invalid_client", []fakeAnswer{pending(), answer("invalid_client")}, nil, "invalid_client", 2},
		{"unauthorized_client", []fakeAnswer{answer("unauthorized_client")}, nil, "unauthorized_client", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			f := newFakeIdP(t, clock)
			f.set(func(f *fakeIdP) { f.deviceAnswers = tt.answers })
			c := newUnitClient(t, f.settings(), clock)
			p, err := c.Start(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Wait(context.Background())
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want %v", err, tt.is)
			}
			var ie *IdPError
			if tt.idpCode != "" && (!errors.As(err, &ie) || ie.Code != tt.idpCode) {
				t.Errorf("err = %v, want an IdPError %s", err, tt.idpCode)
			}
			if n := len(pollTimes(f)); n != tt.polls {
				t.Errorf("%d polls, want %d (no retry after a final answer)", n, tt.polls)
			}
			if _, err := c.Session(); !errors.Is(err, ErrSignedOut) {
				t.Errorf("Session() after a failed sign-in: %v, want ErrSignedOut", err)
			}
		})
	}
}

// The code's life bounds the polling: no poll at or after expires_in, and
// the error comes when the code dies, not a poll interval later or earlier.
func TestDeviceFlowNeverPollsPastExpiry(t *testing.T) {
	for _, tt := range []struct {
		name      string
		expiresIn int
		down      bool
		want      []int
	}{
		{"pending until the end", 32, false, []int{5, 10, 15, 20, 25, 30}},
		{"exact multiple", 30, false, []int{5, 10, 15, 20, 25}},
		// IdP unreachable the whole time: backoff 10, 20, 40 s then the end.
		{"IdP down", 80, true, []int{5, 15, 35, 75}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			f := newFakeIdP(t, clock)
			f.set(func(f *fakeIdP) { f.deviceAnswers, f.expiresIn = []fakeAnswer{pending()}, tt.expiresIn })
			c := newUnitClient(t, f.settings(), clock)
			start := clock.Now()
			p, err := c.Start(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if tt.down {
				f.set(func(f *fakeIdP) { f.down = true })
			}
			_, err = p.Wait(context.Background())
			if !errors.Is(err, ErrCodeExpired) {
				t.Fatalf("err = %v, want ErrCodeExpired", err)
			}
			if tt.down && !strings.Contains(err.Error(), "could not be reached") {
				t.Errorf("err = %v; want it to say the IdP could not be reached", err)
			}
			polls := pollTimes(f)
			if tt.down {
				// The fake counts only polls that reached its handler; count
				// the waits instead.
				var at []int
				elapsed := 0
				for _, d := range clock.Sleeps() {
					elapsed += int(d / time.Second)
					at = append(at, elapsed)
				}
				polls = nil
				for _, s := range at[:len(at)-1] { // the last wait ends at expiry
					polls = append(polls, start.Add(time.Duration(s)*time.Second))
				}
			}
			if got := offsets(start, polls); !equalInts(got, tt.want) {
				t.Errorf("polls at %v s, want %v s", got, tt.want)
			}
			expiry := time.Duration(tt.expiresIn) * time.Second
			if end := clock.Now().Sub(start); end > expiry || end < expiry-time.Second {
				t.Errorf("Wait returned %v after Start, want at the expiry (%d s)", end, tt.expiresIn)
			}
		})
	}
}

func TestDeviceFlowCancel(t *testing.T) {
	clock := newFakeClock()
	f := newFakeIdP(t, clock)
	f.set(func(f *fakeIdP) { f.deviceAnswers = []fakeAnswer{pending()} })
	c := newUnitClient(t, f.settings(), clock)
	p, err := c.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sleeps := 0
	clock.onSleep = func(time.Duration) {
		if sleeps++; sleeps == 3 {
			cancel()
		}
	}
	_, err = p.Wait(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := len(pollTimes(f)); n != 2 {
		t.Errorf("%d polls, want 2 (none after the cancel)", n)
	}
}

func TestStartErrors(t *testing.T) {
	t.Run("wrong client id", func(t *testing.T) {
		clock := newFakeClock()
		f := newFakeIdP(t, clock)
		s := f.settings()
		s.ClientID = "not-a-client"
		c := newUnitClient(t, s, clock)
		_, err := c.Start(context.Background())
		var ie *IdPError
		if !errors.As(err, &ie) || ie.Code != "invalid_client" || !strings.Contains(err.Error(), "check clientId") {
			t.Errorf("err = %v, want invalid_client with a hint", err)
		}
	})
	t.Run("no device flow", func(t *testing.T) {
		clock := newFakeClock()
		f := newFakeIdP(t, clock)
		f.set(func(f *fakeIdP) { f.noDevice = true })
		c := newUnitClient(t, f.settings(), clock)
		_, err := c.Start(context.Background())
		if err == nil || !strings.Contains(err.Error(), "does not offer the device flow") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("IdP down", func(t *testing.T) {
		clock := newFakeClock()
		f := newFakeIdP(t, clock)
		s := f.settings()
		f.srv.Close()
		c := newUnitClient(t, s, clock)
		_, err := c.Start(context.Background())
		if err == nil || !strings.Contains(err.Error(), "reach the identity provider "+s.Issuer) {
			t.Errorf("err = %v", err)
		}
		// The transport retried the refused connection before giving up.
		if got := clock.Sleeps(); len(got) != len(retryBackoff) {
			t.Errorf("slept %v, want the %d retry backoffs", got, len(retryBackoff))
		}
	})
	t.Run("issuer mismatch", func(t *testing.T) {
		clock := newFakeClock()
		f := newFakeIdP(t, clock)
		s := f.settings()
		s.Issuer = strings.Replace(s.Issuer, "127.0.0.1", "localhost", 1)
		c := newUnitClient(t, s, clock)
		_, err := c.Start(context.Background())
		if err == nil || !strings.Contains(err.Error(), "did not match") {
			t.Errorf("err = %v, want the issuer mismatch", err)
		}
	})
}

func TestPendingStringRedacts(t *testing.T) {
	clock := newFakeClock()
	f := newFakeIdP(t, clock)
	c := newUnitClient(t, f.settings(), clock)
	p, err := c.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{p.String(), p.GoString(), fmtAll(p), fmtAll(*p)} {
		assertNoSecrets(t, "Pending's text", out)
	}
}
