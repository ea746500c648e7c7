package server

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestSessionCookies(t *testing.T) {
	ts := start(t)
	cookie := func(id string) map[string]string {
		return map[string]string{"Cookie": "smallfry-session-" + ts.port + "=" + id}
	}
	a, b := ts.signIn(t), ts.signIn(t)
	if a == b {
		t.Fatal("two sign-ins got one session id")
	}
	t.Run("sign out revokes that browser's id only", func(t *testing.T) {
		resp, body := ts.do(t, request{method: "POST", path: "/api/signout", header: cookie(a)})
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("sign out: %d %s", resp.StatusCode, body)
		}
		if resp, _ := ts.do(t, request{path: "/", header: cookie(a)}); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("a revoked id still signs in: %d", resp.StatusCode)
		}
		if resp, _ := ts.do(t, request{path: "/", header: cookie(b)}); resp.StatusCode != http.StatusOK {
			t.Errorf("another browser was signed out too: %d", resp.StatusCode)
		}
		if resp, _ := ts.do(t, request{path: "/", header: ts.auth()}); resp.StatusCode != http.StatusOK {
			t.Errorf("the token stopped working: %d", resp.StatusCode)
		}
	})
	t.Run("sign out needs a signed-in browser", func(t *testing.T) {
		if resp, _ := ts.do(t, request{method: "POST", path: "/api/signout"}); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", resp.StatusCode)
		}
	})
}

func TestOneTimeCode(t *testing.T) {
	ts := start(t)
	link, err := ts.OpenURL()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(link, ts.token) {
		t.Fatalf("the opener's link %s carries the token", link)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	path := "/?" + u.RawQuery
	resp, _ := ts.do(t, request{path: path})
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/" || len(resp.Cookies()) != 1 {
		t.Fatalf("first use: %d, Location %q, cookies %v", resp.StatusCode, resp.Header.Get("Location"), resp.Cookies())
	}
	id := resp.Cookies()[0].Value
	if resp, _ := ts.do(t, request{path: "/", header: map[string]string{"Cookie": "smallfry-session-" + ts.port + "=" + id}}); resp.StatusCode != http.StatusOK {
		t.Errorf("the code's session does not sign in: %d", resp.StatusCode)
	}
	resp, body := ts.do(t, request{path: path})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "used already or has expired") || len(resp.Cookies()) != 0 {
		t.Errorf("second use: %d %q, cookies %v", resp.StatusCode, body, resp.Cookies())
	}

	// A code not used in time signs nothing in.
	late, err := ts.OpenURL()
	if err != nil {
		t.Fatal(err)
	}
	ts.signins.now = func() time.Time { return time.Now().Add(codeTTL + time.Second) }
	lu, _ := url.Parse(late)
	if resp, _ := ts.do(t, request{path: "/?" + lu.RawQuery}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("an expired code: %d, want 401", resp.StatusCode)
	}
}

func TestContentSecurityPolicy(t *testing.T) {
	ts := start(t)
	for _, path := range []string{"/", "/assets/app.js", "/api/nothing"} {
		resp, _ := ts.do(t, request{path: path, header: ts.auth()})
		csp := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self' data: blob:", "img-src 'self' data: blob:",
			"connect-src 'self' ws://127.0.0.1:" + ts.port, "object-src 'none'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: Content-Security-Policy %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "http:") || strings.Contains(csp, "*") {
			t.Errorf("%s: Content-Security-Policy %q lets code or loads in from elsewhere", path, csp)
		}
		// Inline style attributes, not <style> elements: those need the page's nonce.
		if !strings.Contains(csp, "; style-src-attr 'unsafe-inline';") || strings.Count(csp, "unsafe-inline") != 1 {
			t.Errorf("%s: Content-Security-Policy %q lets in <style> elements without the nonce", path, csp)
		}
	}

	// Each page has its own nonce, in its policy and in a meta tag for its code.
	nonce := regexp.MustCompile(`<meta name="smallfry-style-nonce" content="([A-Z2-7]{26})">`)
	seen := map[string]bool{}
	for range 2 {
		resp, body := ts.do(t, request{path: "/", header: ts.auth()})
		m := nonce.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("the page has no style nonce: %q", body)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "style-src 'self' data: blob: 'nonce-"+m[1]+"';") {
			t.Errorf("the policy %q lacks the page's nonce %s", csp, m[1])
		}
		if seen[m[1]] {
			t.Errorf("two pages got the nonce %s", m[1])
		}
		seen[m[1]] = true
	}
}
