package auth

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

type scriptedTransport struct {
	errs   []error
	bodies []string
}

func (s *scriptedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	body := ""
	if req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		body = string(b)
	}
	s.bodies = append(s.bodies, body)
	if len(s.errs) > 0 {
		err := s.errs[0]
		s.errs = s.errs[1:]
		if err != nil {
			return nil, err
		}
	}
	return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
}

func TestRetryTransport(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
	tests := []struct {
		name     string
		method   string
		errs     []error
		attempts int
		ok       bool
	}{
		{"POST after dial errors", http.MethodPost, []error{dial, dial}, 3, true},
		{"POST after a reset is not resent", http.MethodPost, []error{reset}, 1, false},
		{"GET after a reset", http.MethodGet, []error{reset, io.ErrUnexpectedEOF}, 3, true},
		{"gives up", http.MethodGet, []error{dial, dial, dial, dial, dial}, 4, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			base := &scriptedTransport{errs: tt.errs}
			rt := &retryTransport{base: base, sleep: clock.Sleep}
			var body io.Reader
			if tt.method == http.MethodPost {
				body = strings.NewReader("grant_type=x")
			}
			req, _ := http.NewRequestWithContext(context.Background(), tt.method, "http://idp.invalid/token", body)
			_, err := rt.RoundTrip(req)
			if (err == nil) != tt.ok {
				t.Errorf("err = %v, want ok=%v", err, tt.ok)
			}
			if len(base.bodies) != tt.attempts {
				t.Errorf("%d attempts, want %d", len(base.bodies), tt.attempts)
			}
			for i, b := range base.bodies {
				if tt.method == http.MethodPost && b != "grant_type=x" {
					t.Errorf("attempt %d sent body %q", i, b)
				}
			}
		})
	}
}
