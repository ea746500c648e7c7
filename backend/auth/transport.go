package auth

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// retryTransport retries requests that failed on the way out: a laptop's
// network drops and comes back (Wi-Fi roaming, VPN reconnects). It retries
//   - any request whose connection was never made (dial errors: the IdP
//     cannot have seen it), and
//   - GET and HEAD requests after any transport error (discovery, JWKS).
//
// A POST that may have reached the server is not retried: a refresh token
// sent twice would count as reuse and the IdP would revoke the grant.
// Answers, even 5xx, are returned as they are; callers decide.
type retryTransport struct {
	base  http.RoundTripper
	sleep func(ctx context.Context, d time.Duration) error
}

var retryBackoff = []time.Duration{250 * time.Millisecond, time.Second, 3 * time.Second}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		resp, err := t.base.RoundTrip(req)
		if err == nil || attempt >= len(retryBackoff) || !retryable(req, err) || req.Context().Err() != nil {
			return resp, err
		}
		if req.Body != nil && req.Body != http.NoBody {
			if req.GetBody == nil {
				return resp, err
			}
			body, berr := req.GetBody()
			if berr != nil {
				return resp, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
		if serr := t.sleep(req.Context(), retryBackoff[attempt]); serr != nil {
			return nil, err
		}
	}
}

func retryable(req *http.Request, err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	return req.Method == http.MethodGet || req.Method == http.MethodHead
}
