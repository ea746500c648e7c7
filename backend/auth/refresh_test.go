package auth

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"
)

// signIn runs a device flow that the fake IdP completes at the first poll.
func signIn(t *testing.T, c *unitClient, f *fakeIdP) *Session {
	t.Helper()
	f.set(func(f *fakeIdP) { f.deviceAnswers = []fakeAnswer{issueTokens} })
	p, err := c.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.Wait(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *fakeIdP) counts() (refreshes, tokenCalls int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refreshes, f.tokenCalls
}

func TestRefresh(t *testing.T) {
	clock := newFakeClock()
	f := newFakeIdP(t, clock)
	c := newUnitClient(t, f.settings(), clock)
	signIn(t, c, f)
	first, err := c.store.load()
	if err != nil {
		t.Fatal(err)
	}

	// A fresh id_token is handed out as it is.
	tok, err := c.IDToken(context.Background())
	if err != nil || tok != first.IDToken {
		t.Fatalf("IDToken = %v; want the stored one", err)
	}
	if n, _ := f.counts(); n != 0 {
		t.Errorf("%d refreshes for a fresh token", n)
	}

	// With less than minIDTokenLife left, it is refreshed, and the rotated
	// refresh token replaces the old one.
	clock.Advance(59 * time.Minute)
	tok, err = c.IDToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	next, err := c.store.load()
	if err != nil {
		t.Fatal(err)
	}
	if tok == first.IDToken || next.IDToken != tok || next.RefreshToken == first.RefreshToken || next.Rotations != 1 {
		t.Errorf("after refresh: %v (rotations %d)", next, next.Rotations)
	}
	if !next.IDTokenExpiry.Equal(clock.Now().Add(time.Hour).Truncate(time.Second)) {
		t.Errorf("new expiry %v", next.IDTokenExpiry)
	}
	if n, _ := f.counts(); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
}

func TestRefreshInvalidGrantSignsOut(t *testing.T) {
	clock := newFakeClock()
	f := newFakeIdP(t, clock)
	c := newUnitClient(t, f.settings(), clock)
	signIn(t, c, f)
	// The IdP forgets the grant (an admin revoked it, or it expired).
	f.set(func(f *fakeIdP) { f.refresh = map[string]*fakeRT{} })
	clock.Advance(time.Hour)

	_, err := c.IDToken(context.Background())
	if !errors.Is(err, ErrSignedOut) {
		t.Fatalf("err = %v, want ErrSignedOut", err)
	}
	_, calls := f.counts()
	// No retry loop: the next call knows without asking the IdP.
	for range 3 {
		if _, err := c.IDToken(context.Background()); !errors.Is(err, ErrSignedOut) {
			t.Fatalf("again: %v", err)
		}
	}
	if _, again := f.counts(); again != calls {
		t.Errorf("%d more token requests after invalid_grant", again-calls)
	}
	if _, err := os.Stat(c.store.path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the dead sign-in is still stored: %v", err)
	}
	if c.kc.Len() != 0 {
		t.Errorf("%d keychain entries left", c.kc.Len())
	}
	// STS keys report the same.
	if _, err := c.Credentials().Retrieve(context.Background()); !errors.Is(err, ErrSignedOut) {
		t.Errorf("Credentials: %v, want ErrSignedOut", err)
	}
}

func TestRefreshIdPDown(t *testing.T) {
	clock := newFakeClock()
	f := newFakeIdP(t, clock)
	c := newUnitClient(t, f.settings(), clock)
	signIn(t, c, f)
	stored, _ := c.store.load()
	f.set(func(f *fakeIdP) { f.down = true })

	// One minute left: the refresh fails, the current token still serves.
	clock.Advance(59 * time.Minute)
	tok, err := c.IDToken(context.Background())
	if err != nil || tok != stored.IDToken {
		t.Fatalf("IDToken = %v; want the current token while it lasts", err)
	}
	// Expired: the error says what failed, and is not a sign-out.
	clock.Advance(2 * time.Minute)
	_, err = c.IDToken(context.Background())
	if err == nil || errors.Is(err, ErrSignedOut) {
		t.Fatalf("err = %v; want a network error, not ErrSignedOut", err)
	}
	// Back up: the same sign-in refreshes.
	f.set(func(f *fakeIdP) { f.down = false })
	if _, err := c.IDToken(context.Background()); err != nil {
		t.Fatalf("after the IdP is back: %v", err)
	}
}

// Many goroutines, and two Clients on the same folder (as two processes
// would be), refresh once between them.
func TestRefreshSingleFlight(t *testing.T) {
	clock := newFakeClock()
	f := newFakeIdP(t, clock)
	c := newUnitClient(t, f.settings(), clock)
	signIn(t, c, f)
	other, err := New(f.settings(), Options{Dir: c.dir, Keychain: c.kc, Now: clock.Now, Sleep: clock.Sleep})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(59 * time.Minute)
	hold := make(chan struct{})
	f.set(func(f *fakeIdP) { f.hold = hold })

	var wg sync.WaitGroup
	toks := make([]string, 20)
	errs := make([]error, 20)
	for i := range toks {
		wg.Go(func() {
			cl := c.Client
			if i%2 == 1 {
				cl = other
			}
			toks[i], errs[i] = cl.IDToken(context.Background())
		})
	}
	time.Sleep(100 * time.Millisecond) // let them all queue up
	close(hold)
	wg.Wait()
	for i := range toks {
		if errs[i] != nil || toks[i] != toks[0] {
			t.Errorf("caller %d: %v (same token: %v)", i, errs[i], toks[i] == toks[0])
		}
	}
	if n, _ := f.counts(); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
}

// A caller that gives up does not lose the rotation: the refresh finishes
// and is stored, so the old refresh token is never sent again.
func TestRefreshOutlivesCaller(t *testing.T) {
	clock := newFakeClock()
	f := newFakeIdP(t, clock)
	c := newUnitClient(t, f.settings(), clock)
	signIn(t, c, f)
	clock.Advance(59 * time.Minute)
	hold := make(chan struct{})
	f.set(func(f *fakeIdP) { f.hold = hold })

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := c.IDToken(ctx)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	close(hold)
	// The next caller gets the refreshed token without a second refresh.
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := c.store.load()
		if err == nil && st.Rotations == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the abandoned refresh was not stored")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := c.IDToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.counts(); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
}

func TestSignOut(t *testing.T) {
	clock := newFakeClock()
	f := newFakeIdP(t, clock)
	c := newUnitClient(t, f.settings(), clock)
	signIn(t, c, f)
	st, _ := c.store.load()
	if err := c.SignOut(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	revoked := append([]string(nil), f.revoked...)
	f.mu.Unlock()
	if len(revoked) != 1 || revoked[0] != st.RefreshToken {
		t.Errorf("revoked %d tokens, want the refresh token", len(revoked))
	}
	assertSignedOutLocally(t, c)
	// Twice is fine.
	if err := c.SignOut(context.Background()); err != nil {
		t.Errorf("second SignOut: %v", err)
	}

	// IdP down: local state goes anyway, and the error says the IdP
	// still has the grant.
	signIn(t, c, f)
	f.set(func(f *fakeIdP) { f.down = true })
	err := c.SignOut(context.Background())
	if !errors.Is(err, ErrNotRevoked) {
		t.Errorf("err = %v, want ErrNotRevoked", err)
	}
	assertSignedOutLocally(t, c)
}

func assertSignedOutLocally(t *testing.T, c *unitClient) {
	t.Helper()
	if _, err := c.Session(); !errors.Is(err, ErrSignedOut) {
		t.Errorf("Session after sign-out: %v", err)
	}
	entries, _ := os.ReadDir(c.dir + "/tokens")
	if len(entries) != 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("files left after sign-out: %v", names)
	}
	if c.kc.Len() != 0 {
		t.Errorf("%d keychain entries left", c.kc.Len())
	}
}
