package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

func fmtAll(v any) string { return fmt.Sprintf("%v|%+v|%#v|%s", v, v, v, v) }

func TestVerifyIDToken(t *testing.T) {
	clock := newFakeClock()
	f := newFakeIdP(t, clock)
	c := newUnitClient(t, f.settings(), clock)
	d, err := c.discover(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	now := clock.Now()
	claims := func(edit func(m map[string]any)) map[string]any {
		m := map[string]any{
			"iss": f.issuer(), "sub": "user-1", "aud": f.clientID, "email": "ann@example.com",
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		}
		if edit != nil {
			edit(m)
		}
		return m
	}
	good := f.sign(jose.RS256, "rsa-1", claims(nil))
	tests := []struct {
		name  string
		token string
		want  string // "" accepts; else a piece of the error
	}{
		{"RS256", good, ""},
		{"ES256 (second key in the JWKS)", f.sign(jose.ES256, "ec-1", claims(nil)), ""},
		{"azp is us", f.sign(jose.RS256, "rsa-1", claims(func(m map[string]any) {
			m["aud"] = []string{f.clientID, "api://other"}
			m["azp"] = f.clientID
		})), ""},
		{"expired 30 s ago (within the skew)", f.sign(jose.RS256, "rsa-1", claims(func(m map[string]any) {
			m["exp"] = now.Add(-30 * time.Second).Unix()
		})), ""},
		{"issued 30 s in the future (within the skew)", f.sign(jose.RS256, "rsa-1", claims(func(m map[string]any) {
			m["iat"] = now.Add(30 * time.Second).Unix()
		})), ""},
		{"tampered payload", tamper(good), "failed to verify signature"},
		{"tampered signature", good[:len(good)-4] + flip(good[len(good)-4:]), "failed to verify signature"},
		{"wrong issuer", f.sign(jose.RS256, "rsa-1", claims(func(m map[string]any) {
			m["iss"] = "https://evil.example.com"
		})), "issued by a different provider"},
		{"issuer differs by a slash", f.sign(jose.RS256, "rsa-1", claims(func(m map[string]any) {
			m["iss"] = f.issuer() + "/"
		})), "issued by a different provider"},
		{"wrong audience", f.sign(jose.RS256, "rsa-1", claims(func(m map[string]any) {
			m["aud"] = "someone-else"
		})), `expected audience "smallfry-unit"`},
		{"azp is someone else", f.sign(jose.RS256, "rsa-1", claims(func(m map[string]any) {
			m["aud"] = []string{f.clientID, "someone-else"}
			m["azp"] = "someone-else"
		})), `issued to "someone-else" (azp)`},
		{"several audiences, no azp", f.sign(jose.RS256, "rsa-1", claims(func(m map[string]any) {
			m["aud"] = []string{f.clientID, "someone-else"}
		})), "several audiences"},
		{"expired 2 min ago", f.sign(jose.RS256, "rsa-1", claims(func(m map[string]any) {
			m["exp"] = now.Add(-2 * time.Minute).Unix()
		})), "it expired at 2026-03-02T07:58:00Z (our clock says 2026-03-02T08:00:00Z)"},
		{"issued 5 min in the future", f.sign(jose.RS256, "rsa-1", claims(func(m map[string]any) {
			m["iat"] = now.Add(5 * time.Minute).Unix()
		})), "in the future by our clock"},
		{"alg none", f.sign("none", "", claims(nil)), "malformed jwt"},
		{"HS256 keyed with the public key", f.sign(jose.HS256, "rsa-1", claims(nil)), "malformed jwt"},
		{"unknown kid", f.sign(jose.RS256, "rotated-away", claims(nil)), "failed to verify signature"},
		{"no sub", f.sign(jose.RS256, "rsa-1", claims(func(m map[string]any) { delete(m, "sub") })), "no sub"},
		{"not a JWT", "hello", "malformed jwt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := c.verifyIDToken(context.Background(), d, tt.token)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				if id.subject != "user-1" {
					t.Errorf("subject %q", id.subject)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted; want an error with %q", tt.want)
			}
			if !errors.Is(err, ErrIDToken) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v; want ErrIDToken with %q", err, tt.want)
			}
		})
	}
}

// The fake advertises none and HS256 besides RS256 and ES256, and
// TestVerifyIDToken shows them refused; an IdP that signs only with
// symmetric algorithms is refused at discovery.
func TestVerifierAlgorithms(t *testing.T) {
	clock := newFakeClock()
	f := newFakeIdPWithAlgs(t, clock, []string{"HS256", "none"})
	c := newUnitClient(t, f.settings(), clock)
	if _, err := c.discover(context.Background()); err == nil || !strings.Contains(err.Error(), "none of which we accept") {
		t.Errorf("err = %v", err)
	}
}

func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	parts[1] = b64([]byte(`{"iss":"x","sub":"admin","aud":"smallfry-unit","exp":9999999999}`))
	return strings.Join(parts, ".")
}

func flip(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
	}
	return string(b)
}
