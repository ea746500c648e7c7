package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// fakeClock is the injected clock: Sleep returns at once, moving time on.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
	// onSleep, if set, runs after each Sleep (with the lock released).
	onSleep func(d time.Duration)
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.sleeps = append(c.sleeps, d)
	hook := c.onSleep
	c.mu.Unlock()
	if hook != nil {
		hook(d)
	}
	return ctx.Err()
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// fakeIdP is an OIDC provider in a test server, on the fake clock, for
// the unit tests of the timing and error logic. The real-peer tests run
// the same flows against oidc-provider.
type fakeIdP struct {
	t      *testing.T
	srv    *httptest.Server
	clock  *fakeClock
	rsaKey *rsa.PrivateKey
	ecKey  *ecdsa.PrivateKey

	clientID   string
	idTokenTTL time.Duration
	algs       []string // id_token_signing_alg_values_supported

	mu sync.Mutex
	// deviceAnswers are the token endpoint's answers to device-code polls,
	// in order; after the last one it keeps answering the last.
	deviceAnswers []fakeAnswer
	polls         []time.Time // when each device poll came, by the fake clock
	deviceAuths   int
	expiresIn     int
	interval      int
	noDevice      bool
	// refresh tokens: value -> state
	refresh   map[string]*fakeRT
	revoked   []string
	refreshes int
	nextRT    int
	down      bool // answer every request with a dropped connection
	// hold, if set, keeps refresh answers back until it is closed.
	hold chan struct{}
	// tokenCalls counts every token endpoint request.
	tokenCalls int
}

type fakeAnswer struct {
	status int
	body   any // JSON; nil with status 200 means "issue tokens"
}

type fakeRT struct {
	grant string
	used  bool
}

func newFakeIdP(t *testing.T, clock *fakeClock) *fakeIdP {
	t.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeIdP{
		t: t, clock: clock, rsaKey: rk, ecKey: ek, clientID: "smallfry-unit",
		idTokenTTL: time.Hour, expiresIn: 600, refresh: map[string]*fakeRT{},
		algs: []string{"RS256", "ES256", "HS256", "none"},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", f.discovery)
	mux.HandleFunc("GET /jwks", f.jwks)
	mux.HandleFunc("POST /device/auth", f.deviceAuth)
	mux.HandleFunc("POST /token", f.token)
	mux.HandleFunc("POST /revoke", f.revoke)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		down := f.down
		f.mu.Unlock()
		if down {
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func newFakeIdPWithAlgs(t *testing.T, clock *fakeClock, algs []string) *fakeIdP {
	f := newFakeIdP(t, clock)
	f.set(func(f *fakeIdP) { f.algs = algs })
	return f
}

func (f *fakeIdP) issuer() string { return f.srv.URL }

func (f *fakeIdP) settings() Settings {
	return Settings{
		Issuer: f.issuer(), ClientID: f.clientID, RoleARN: "arn:aws:iam::123456789012:role/analyst",
		Region: "us-east-1", Lake: "s3://lake/unit",
	}
}

func (f *fakeIdP) set(fn func(f *fakeIdP)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeIdP) discovery(w http.ResponseWriter, r *http.Request) {
	doc := map[string]any{
		"issuer":                 f.issuer(),
		"authorization_endpoint": f.issuer() + "/auth",
		"token_endpoint":         f.issuer() + "/token",
		"jwks_uri":               f.issuer() + "/jwks",
		"revocation_endpoint":    f.issuer() + "/revoke",
	}
	f.mu.Lock()
	doc["id_token_signing_alg_values_supported"] = f.algs
	if !f.noDevice {
		doc["device_authorization_endpoint"] = f.issuer() + "/device/auth"
	}
	f.mu.Unlock()
	writeJSON(w, 200, doc)
}

func (f *fakeIdP) jwks(w http.ResponseWriter, r *http.Request) {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &f.rsaKey.PublicKey, KeyID: "rsa-1", Algorithm: "RS256", Use: "sig"},
		{Key: &f.ecKey.PublicKey, KeyID: "ec-1", Algorithm: "ES256", Use: "sig"},
	}}
	writeJSON(w, 200, set)
}

func (f *fakeIdP) deviceAuth(w http.ResponseWriter, r *http.Request) {
	if r.FormValue("client_id") != f.clientID {
		writeJSON(w, 401, map[string]string{"error": "invalid_client", "error_description": "client not found"})
		return
	}
	f.mu.Lock()
	f.deviceAuths++
	body := map[string]any{
		"device_code":               "device-code-secret-value",
		"user_code":                 "WDJB-MJHT",
		"verification_uri":          f.issuer() + "/device",
		"verification_uri_complete": f.issuer() + "/device?user_code=WDJB-MJHT",
		"expires_in":                f.expiresIn,
	}
	if f.interval > 0 {
		body["interval"] = f.interval
	}
	f.mu.Unlock()
	writeJSON(w, 200, body)
}

func (f *fakeIdP) token(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.tokenCalls++
	f.mu.Unlock()
	if r.FormValue("client_id") != f.clientID {
		writeJSON(w, 401, map[string]string{"error": "invalid_client"})
		return
	}
	switch r.FormValue("grant_type") {
	case deviceGrantType:
		f.mu.Lock()
		f.polls = append(f.polls, f.clock.Now())
		var a fakeAnswer
		if n := len(f.deviceAnswers); n > 0 {
			a = f.deviceAnswers[0]
			if n > 1 {
				f.deviceAnswers = f.deviceAnswers[1:]
			}
		}
		f.mu.Unlock()
		if r.FormValue("device_code") != "device-code-secret-value" {
			writeJSON(w, 400, map[string]string{"error": "invalid_grant"})
			return
		}
		if a.status == 0 || (a.status == 200 && a.body == nil) {
			writeJSON(w, 200, f.issue(f.newGrant()))
			return
		}
		if s, ok := a.body.(string); ok {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(a.status)
			fmt.Fprint(w, s)
			return
		}
		writeJSON(w, a.status, a.body)
	case "refresh_token":
		f.mu.Lock()
		hold := f.hold
		f.mu.Unlock()
		if hold != nil {
			<-hold
		}
		f.mu.Lock()
		rt := f.refresh[r.FormValue("refresh_token")]
		if rt == nil {
			f.mu.Unlock()
			writeJSON(w, 400, map[string]string{"error": "invalid_grant", "error_description": "refresh token not found"})
			return
		}
		if rt.used {
			// oidc-provider: a rotated token used again revokes the grant.
			for k, other := range f.refresh {
				if other.grant == rt.grant {
					delete(f.refresh, k)
				}
			}
			f.mu.Unlock()
			writeJSON(w, 400, map[string]string{"error": "invalid_grant", "error_description": "refresh token already used"})
			return
		}
		rt.used = true
		f.refreshes++
		grant := rt.grant
		f.mu.Unlock()
		writeJSON(w, 200, f.issue(grant))
	default:
		writeJSON(w, 400, map[string]string{"error": "unsupported_grant_type"})
	}
}

func (f *fakeIdP) revoke(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	tok := r.FormValue("token")
	f.revoked = append(f.revoked, tok)
	if rt := f.refresh[tok]; rt != nil {
		for k, other := range f.refresh {
			if other.grant == rt.grant {
				delete(f.refresh, k)
			}
		}
	}
	w.WriteHeader(200)
}

func (f *fakeIdP) newGrant() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextRT++
	return fmt.Sprintf("grant-%d", f.nextRT)
}

// issue mints tokens for grant: a new refresh token and an id_token.
func (f *fakeIdP) issue(grant string) map[string]any {
	f.mu.Lock()
	f.nextRT++
	rt := fmt.Sprintf("refresh-token-secret-%d", f.nextRT)
	f.refresh[rt] = &fakeRT{grant: grant}
	ttl := f.idTokenTTL
	f.mu.Unlock()
	now := f.clock.Now()
	return map[string]any{
		"access_token":  "access-token-secret",
		"token_type":    "Bearer",
		"expires_in":    3600,
		"refresh_token": rt,
		"id_token": f.sign(jose.RS256, "rsa-1", map[string]any{
			"iss": f.issuer(), "sub": "user-1", "aud": f.clientID, "email": "ann@example.com",
			"iat": now.Unix(), "exp": now.Add(ttl).Unix(),
		}),
	}
}

// sign makes a JWT with the given algorithm and kid: RS256/ES256 with the
// fake's keys, HS256 with the RSA public key's bytes as the secret (the
// classic confusion attack), none unsigned.
func (f *fakeIdP) sign(alg jose.SignatureAlgorithm, kid string, claims map[string]any) string {
	f.t.Helper()
	if alg == "none" {
		h, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT"})
		p, _ := json.Marshal(claims)
		return b64(h) + "." + b64(p) + "."
	}
	var key any
	switch alg {
	case jose.RS256:
		key = f.rsaKey
	case jose.ES256:
		key = f.ecKey
	case jose.HS256:
		pub, err := (&jose.JSONWebKey{Key: &f.rsaKey.PublicKey}).Thumbprint(crypto.SHA256)
		if err != nil {
			f.t.Fatal(err)
		}
		key = pub
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		f.t.Fatal(err)
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		f.t.Fatal(err)
	}
	return raw
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func pollTimes(f *fakeIdP) []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.polls...)
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
