package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// fakeSTS answers AssumeRoleWithWebIdentity on the fake clock. The real
// peer (MinIO) runs in peer_test.go.
type fakeSTS struct {
	srv   *httptest.Server
	clock *fakeClock

	mu       sync.Mutex
	calls    int
	tokens   []string
	requests []map[string]string
}

func newFakeSTS(t *testing.T, clock *fakeClock) *fakeSTS {
	s := &fakeSTS{clock: clock}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Form.Get("Action") != "AssumeRoleWithWebIdentity" {
			http.Error(w, "bad request", 400)
			return
		}
		secs, _ := strconv.Atoi(r.Form.Get("DurationSeconds"))
		s.mu.Lock()
		s.calls++
		n := s.calls
		s.tokens = append(s.tokens, r.Form.Get("WebIdentityToken"))
		s.requests = append(s.requests, map[string]string{
			"RoleArn": r.Form.Get("RoleArn"), "RoleSessionName": r.Form.Get("RoleSessionName"), "DurationSeconds": r.Form.Get("DurationSeconds"),
		})
		s.mu.Unlock()
		exp := clock.Now().Add(time.Duration(secs) * time.Second).UTC().Format(time.RFC3339)
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<AssumeRoleWithWebIdentityResult>
<Credentials><AccessKeyId>ASIAFAKE%04d</AccessKeyId><SecretAccessKey>secret-%d</SecretAccessKey><SessionToken>session-%d</SessionToken><Expiration>%s</Expiration></Credentials>
<SubjectFromWebIdentityToken>user-1</SubjectFromWebIdentityToken>
<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/analyst/smallfry</Arn><AssumedRoleId>AROAFAKE:smallfry</AssumedRoleId></AssumedRoleUser>
</AssumeRoleWithWebIdentityResult>
<ResponseMetadata><RequestId>r-%d</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>`, n, n, n, exp, n)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *fakeSTS) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// A working day of 1-hour keys on the injected clock: the keys are renewed
// before they expire, the id_token behind them is refreshed when it runs
// low, and the user is never asked to sign in again.
func TestTwelveHourDay(t *testing.T) {
	clock := newFakeClock()
	f := newFakeIdP(t, clock)
	sts := newFakeSTS(t, clock)
	s := f.settings()
	s.STSEndpoint = sts.srv.URL
	c := newUnitClient(t, s, clock)
	signIn(t, c, f)

	start := clock.Now()
	var last aws.Credentials
	changes := 0
	for clock.Now().Sub(start) < 12*time.Hour {
		creds, err := c.Credentials().Retrieve(context.Background())
		if err != nil {
			t.Fatalf("at %v: %v", clock.Now().Sub(start), err)
		}
		if !creds.Expires.After(clock.Now()) {
			t.Fatalf("at %v: keys handed out expire at %v", clock.Now().Sub(start), creds.Expires)
		}
		if creds.AccessKeyID != last.AccessKeyID {
			changes++
			// Renewed with the window to spare, never after expiry.
			if last.AccessKeyID != "" && clock.Now().After(last.Expires.Add(keysExpiryWindow)) {
				t.Errorf("keys renewed at %v, after the old ones expired", clock.Now().Sub(start))
			}
		}
		last = creds
		clock.Advance(time.Minute)
	}
	// Every 55 min (1 h keys, 5 min window): 0, 55, ..., 715 min.
	if n := sts.count(); n != 14 || changes != 14 {
		t.Errorf("%d STS calls, %d key changes in 12 h; want 14", n, changes)
	}
	refreshes, _ := f.counts()
	if refreshes < 6 {
		t.Errorf("%d id_token refreshes in 12 h of 1-hour id_tokens; want at least 6", refreshes)
	}
	f.mu.Lock()
	deviceAuths := f.deviceAuths
	f.mu.Unlock()
	if deviceAuths != 1 {
		t.Errorf("%d device sign-ins; want only the first", deviceAuths)
	}
	// Each STS call had a valid id_token, the role, the duration and the
	// user in the session name.
	sts.mu.Lock()
	defer sts.mu.Unlock()
	for i, req := range sts.requests {
		if req["RoleArn"] != s.RoleARN || req["DurationSeconds"] != "3600" || req["RoleSessionName"] != "smallfry-ann@example.com" {
			t.Errorf("STS request %d: %v", i, req)
			break
		}
	}
}

func TestSTSErrors(t *testing.T) {
	clock := newFakeClock()
	f := newFakeIdP(t, clock)
	s := f.settings()
	// STS down: a closed port.
	down := httptest.NewServer(http.NotFoundHandler())
	s.STSEndpoint = down.URL
	down.Close()
	c := newUnitClient(t, s, clock)
	signIn(t, c, f)
	_, err := c.Credentials().Retrieve(context.Background())
	if err == nil || errors.Is(err, ErrSignedOut) || !strings.Contains(err.Error(), "get AWS keys for "+s.RoleARN+" from STS") {
		t.Errorf("STS down: %v", err)
	}

	// STS refusing the role.
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(403)
		fmt.Fprint(w, `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message></Error><RequestId>x</RequestId></ErrorResponse>`)
	}))
	defer refuse.Close()
	s.STSEndpoint = refuse.URL
	c2 := newUnitClient(t, s, clock)
	signIn(t, c2, f)
	_, err = c2.Credentials().Retrieve(context.Background())
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("STS refusing: %v", err)
	}
}

// countingProvider hands out keys of a fixed life on the clock.
type countingProvider struct {
	clock *fakeClock
	life  time.Duration
	calls atomic.Int32
	fail  atomic.Bool
	hold  chan struct{}
}

func (p *countingProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	n := p.calls.Add(1)
	if p.hold != nil {
		<-p.hold
	}
	if p.fail.Load() {
		return aws.Credentials{}, errors.New("sts unreachable")
	}
	return aws.Credentials{AccessKeyID: fmt.Sprintf("AK%d", n), SecretAccessKey: "s", CanExpire: true, Expires: p.clock.Now().Add(p.life)}, nil
}

func TestCredentialsCache(t *testing.T) {
	clock := newFakeClock()
	p := &countingProvider{clock: clock, life: time.Hour, hold: make(chan struct{})}
	k := newCredentialsCache(p, clock.Now, 5*time.Minute, discardLogger())

	// Concurrent callers share one retrieval.
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if _, err := k.Retrieve(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	close(p.hold)
	wg.Wait()
	p.hold = nil
	if n := p.calls.Load(); n != 1 {
		t.Fatalf("%d retrievals for 10 concurrent callers", n)
	}
	got, _ := k.Retrieve(context.Background())
	if want := clock.Now().Add(55 * time.Minute); !got.Expires.Equal(want) {
		t.Errorf("Expires = %v, want the window taken off: %v", got.Expires, want)
	}

	// Inside the window: renewed.
	clock.Advance(56 * time.Minute)
	got, _ = k.Retrieve(context.Background())
	if got.AccessKeyID != "AK2" {
		t.Errorf("inside the window: %s, want new keys", got.AccessKeyID)
	}

	// Renewal fails while the keys still work: they are used, and STS is
	// not asked again for renewRetry.
	clock.Advance(56 * time.Minute)
	p.fail.Store(true)
	got, err := k.Retrieve(context.Background())
	if err != nil || got.AccessKeyID != "AK2" {
		t.Fatalf("failed renewal with live keys: %v, %s", err, got.AccessKeyID)
	}
	calls := p.calls.Load()
	clock.Advance(10 * time.Second)
	if _, err := k.Retrieve(context.Background()); err != nil || p.calls.Load() != calls {
		t.Errorf("retried STS within renewRetry (%d calls)", p.calls.Load()-calls)
	}
	// Expired and STS still down: the error.
	clock.Advance(5 * time.Minute)
	if _, err := k.Retrieve(context.Background()); err == nil {
		t.Error("expired keys handed out")
	}
	// Invalidate forgets.
	p.fail.Store(false)
	k.Retrieve(context.Background())
	k.Invalidate()
	before := p.calls.Load()
	k.Retrieve(context.Background())
	if p.calls.Load() != before+1 {
		t.Error("Invalidate did not drop the keys")
	}
	// A caller's cancel ends its wait, not the retrieval.
	k.Invalidate()
	p.hold = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := k.Retrieve(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled caller: %v", err)
	}
	close(p.hold)
}

func TestCredentialProcessJSON(t *testing.T) {
	exp := time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("CET", 3600))
	got, err := CredentialProcessJSON(aws.Credentials{AccessKeyID: "ASIA1", SecretAccessKey: "s", SessionToken: "t", CanExpire: true, Expires: exp})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":1,"AccessKeyId":"ASIA1","SecretAccessKey":"s","SessionToken":"t","Expiration":"2026-03-02T08:00:00Z"}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if _, err := CredentialProcessJSON(aws.Credentials{}); err == nil {
		t.Error("empty keys printed")
	}
}
