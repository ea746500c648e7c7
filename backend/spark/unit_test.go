package spark

import (
	"testing"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		url, addr, token string
		tls              bool
		err              bool
	}{
		{url: "sc://127.0.0.1:15002", addr: "127.0.0.1:15002"},
		{url: "sc://localhost", addr: "localhost:15002"},
		{url: "sc://[::1]:9000/;token=abc", addr: "[::1]:9000", token: "abc"},
		{url: "sc://spark.example.com:443/;token=t%3Bx;user_id=ann", addr: "spark.example.com:443", token: "t;x", tls: true},
		{url: "sc://localhost:1/;use_ssl=true", addr: "localhost:1", tls: true},
		{url: "sc://10.0.0.5:15002/;use_ssl=false", err: true},
		{url: "sc://h:99999", err: true},
		{url: "http://h:1", err: true},
		{url: "sc://h/;nope=1", err: true},
		{url: "sc://h/;token", err: true},
		{url: "sc://", err: true},
	} {
		ep, err := parseURL(tc.url)
		if tc.err {
			if err == nil {
				t.Errorf("%s: no error", tc.url)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		if ep.address() != tc.addr || ep.token != tc.token || ep.tls != tc.tls {
			t.Errorf("%s: got %s token %q tls %v, want %s %q %v", tc.url, ep.address(), ep.token, ep.tls, tc.addr, tc.token, tc.tls)
		}
	}
	if got := redactURL("sc://h/;token=secret;use_ssl=true"); got != "sc://h/;token=…;use_ssl=true" {
		t.Errorf("redact: %s", got)
	}
}

func TestErrorText(t *testing.T) {
	msg := "[TABLE_OR_VIEW_NOT_FOUND] The table `x` cannot be found. SQLSTATE: 42P01; line 3 pos 5;\n'Project [unresolvedalias(1)]\n+- 'UnresolvedRelation [x]"
	if got, want := withoutPlan(msg), "[TABLE_OR_VIEW_NOT_FOUND] The table `x` cannot be found. SQLSTATE: 42P01; line 3 pos 5"; got != want {
		t.Errorf("withoutPlan: got %q", got)
	}
	if got := lineAt("a\nb\ncd", 5); got != 3 {
		t.Errorf("lineAt: %d", got)
	}
	if got := lineFromMessage("Syntax error at or near 'x'. SQLSTATE: 42601 (line 2, pos 8)"); got != 2 {
		t.Errorf("lineFromMessage: %d", got)
	}
}

func TestLiterals(t *testing.T) {
	for _, tc := range []struct {
		d     string
		p, s  int32
		isErr bool
	}{{"12.50", 4, 2, false}, {"-1", 1, 0, false}, {"1e5", 0, 0, true}, {"", 0, 0, true}, {"1.2.3", 0, 0, true}} {
		p, s, err := decimalShape(tc.d)
		if (err != nil) != tc.isErr || p != tc.p || s != tc.s {
			t.Errorf("%q: got %d,%d,%v", tc.d, p, s, err)
		}
	}
	if _, err := literal(map[string]int{}); err == nil {
		t.Error("a map was taken as a literal")
	}
}
