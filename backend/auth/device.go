package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Pending is a device sign-in waiting for the user: show UserCode and
// VerificationURI, then call Wait. The device code itself stays inside.
type Pending struct {
	// UserCode is what the user types at VerificationURI.
	UserCode string
	// VerificationURI is the plain page to open. We never use
	// verification_uri_complete: with the code already filled in, the user
	// would skip comparing it with what the app shows, which is the check
	// that stops a phished code.
	VerificationURI string
	// Expiry is when the code stops working (by the Client's clock).
	Expiry time.Time
	// Interval is the polling interval the IdP asked for.
	Interval time.Duration

	c          *Client
	d          *discovery
	deviceCode string
}

// String leaves the device code out.
func (p Pending) String() string {
	return fmt.Sprintf("auth.Pending{userCode=%s verificationURI=%s expiry=%s deviceCode=[redacted]}",
		p.UserCode, p.VerificationURI, p.Expiry.Format(time.RFC3339))
}

func (p Pending) GoString() string { return p.String() }

const (
	deviceGrantType    = "urn:ietf:params:oauth:grant-type:device_code"
	defaultInterval    = 5 * time.Second  // RFC 8628 §3.2, when the IdP names none
	defaultCodeLife    = 5 * time.Minute  // when the IdP omits expires_in (it must not)
	slowDownStep       = 5 * time.Second  // RFC 8628 §3.5
	maxNetworkBackoff  = 60 * time.Second // between polls while the IdP can't be reached
	maxIdPResponseSize = 1 << 20
)

// Start asks the IdP for a device code (RFC 8628 §3.1). Errors: the IdP is
// unreachable, has no device flow, or rejects the client (*IdPError).
func (c *Client) Start(ctx context.Context) (*Pending, error) {
	d, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	if d.endpoint.DeviceAuthURL == "" {
		return nil, fmt.Errorf("the identity provider %s does not offer the device flow (no device_authorization_endpoint in its discovery document)", c.settings.Issuer)
	}
	resp, err := c.oauthConfig(d).DeviceAuth(c.oidcContext(ctx))
	if err != nil {
		if canceled(ctx, err) {
			return nil, ctx.Err()
		}
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.ErrorCode != "" {
			return nil, &IdPError{Op: "device authorization", Status: re.Response.StatusCode, Code: re.ErrorCode, Description: re.ErrorDescription}
		}
		return nil, fmt.Errorf("device authorization at %s: %w", c.settings.Issuer, redactURLError(err))
	}
	if resp.DeviceCode == "" || resp.UserCode == "" || resp.VerificationURI == "" {
		return nil, fmt.Errorf("device authorization at %s: the answer lacks device_code, user_code or verification_uri", c.settings.Issuer)
	}
	if u, err := url.Parse(resp.VerificationURI); err != nil || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
		return nil, fmt.Errorf("device authorization at %s: verification_uri %q is not an https URL", c.settings.Issuer, resp.VerificationURI)
	}
	// x/oauth2 turned expires_in into a wall-clock time; carry the remaining
	// life over to our clock.
	life := defaultCodeLife
	if !resp.Expiry.IsZero() {
		life = time.Until(resp.Expiry)
	}
	interval := time.Duration(resp.Interval) * time.Second
	if interval <= 0 {
		interval = defaultInterval
	}
	return &Pending{
		UserCode:        resp.UserCode,
		VerificationURI: resp.VerificationURI,
		Expiry:          c.now().Add(life),
		Interval:        interval,
		c:               c,
		d:               d,
		deviceCode:      resp.DeviceCode,
	}, nil
}

// Wait polls the IdP until the user finishes (RFC 8628 §3.4-3.5) and stores
// the sign-in. It waits Interval between polls, 5 s more after each
// slow_down, backs off while the IdP can't be reached, never polls past
// Expiry, and stops when ctx is done. Errors: ErrAccessDenied,
// ErrCodeExpired, *IdPError, ErrIDToken, or ctx's.
//
// x/oauth2's DeviceAccessToken is not used for the loop: it sleeps on a real
// ticker (untestable on an injected clock) and gives up on the first network
// error. The requests are the same.
func (p *Pending) Wait(ctx context.Context) (*Session, error) {
	c := p.c
	interval := p.Interval
	failures := 0
	var lastErr error
	for {
		wait := interval
		if failures > 0 {
			wait = min(interval<<min(failures, 6), maxNetworkBackoff)
		}
		if left := p.Expiry.Sub(c.now()); wait >= left {
			// The next poll would come after the code is dead: wait out its
			// life so the UI's countdown and this error agree, then stop.
			if err := c.sleep(ctx, left); err != nil {
				return nil, err
			}
			if lastErr != nil {
				return nil, fmt.Errorf("%w (the identity provider could not be reached: %v)", ErrCodeExpired, lastErr)
			}
			return nil, ErrCodeExpired
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, err
		}
		tok, err := p.poll(ctx)
		if err == nil {
			return c.signedIn(ctx, p.d, tok)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var ie *IdPError
		if !errors.As(err, &ie) {
			// Network trouble or a garbled answer: try again later.
			failures++
			lastErr = err
			c.log.Info("auth: device flow poll failed; backing off", "failures", failures, "err", err)
			continue
		}
		failures, lastErr = 0, nil
		switch ie.Code {
		case "authorization_pending":
		case "slow_down":
			interval += slowDownStep
		case "access_denied":
			return nil, fmt.Errorf("%w: %s", ErrAccessDenied, ie.Description)
		case "expired_token":
			return nil, ErrCodeExpired
		case "invalid_grant":
			// The IdP forgot the code: it expired or was used already.
			return nil, fmt.Errorf("%w (%s)", ErrCodeExpired, ie.Description)
		default:
			return nil, ie
		}
	}
}

// tokenResponse is a token endpoint's answer (RFC 6749 §5.1, §5.2).
type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	RefreshToken     string `json:"refresh_token"`
	IDToken          string `json:"id_token"`
	ExpiresIn        int64  `json:"expires_in"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

func (t tokenResponse) String() string { return "auth.tokenResponse{[redacted]}" }

// poll makes one device access token request. OAuth error answers come
// back as *IdPError; anything else (network, 5xx, not JSON) as other errors.
func (p *Pending) poll(ctx context.Context) (*tokenResponse, error) {
	form := url.Values{
		"grant_type":  {deviceGrantType},
		"device_code": {p.deviceCode},
		"client_id":   {p.c.settings.ClientID},
	}
	if p.c.settings.ClientSecret != "" {
		form.Set("client_secret", p.c.settings.ClientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.d.endpoint.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := p.c.http.Do(req)
	if err != nil {
		return nil, redactURLError(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxIdPResponseSize))
	if err != nil {
		return nil, fmt.Errorf("read the token answer: %w", err)
	}
	var tr tokenResponse
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if ct != "application/json" || json.Unmarshal(body, &tr) != nil {
		return nil, fmt.Errorf("token endpoint answered %s with %s, not JSON", resp.Status, ct)
	}
	if tr.Error != "" {
		if resp.StatusCode >= 500 {
			return nil, fmt.Errorf("token endpoint answered %s: %s", resp.Status, tr.Error)
		}
		return nil, &IdPError{Op: "device sign-in", Status: resp.StatusCode, Code: tr.Error, Description: tr.ErrorDescription}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("token endpoint answered %s", resp.Status)
	}
	return &tr, nil
}

// signedIn checks the tokens from a finished device flow and stores them.
func (c *Client) signedIn(ctx context.Context, d *discovery, tr *tokenResponse) (*Session, error) {
	if tr.IDToken == "" {
		return nil, fmt.Errorf("the identity provider sent no id_token: does scopes include openid?")
	}
	if tr.RefreshToken == "" {
		return nil, fmt.Errorf("the identity provider sent no refresh token: is offline_access allowed for client %q?", c.settings.ClientID)
	}
	id, err := c.verifyIDToken(ctx, d, tr.IDToken)
	if err != nil {
		return nil, err
	}
	now := c.now()
	t := &tokens{
		RefreshToken: tr.RefreshToken, IDToken: tr.IDToken, IDTokenExpiry: id.expiry,
		Subject: id.subject, Email: id.email, Name: id.name, SignedInAt: now,
	}
	unlock, err := c.store.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := c.store.save(t); err != nil {
		return nil, err
	}
	c.keys.Invalidate() // keys of an earlier sign-in are not this user's
	c.log.Info("auth: signed in", "issuer", c.settings.Issuer, "sub", id.subject)
	return t.session(c.settings.Issuer), nil
}

func (t *tokens) session(issuer string) *Session {
	return &Session{Issuer: issuer, Subject: t.Subject, Email: t.Email, Name: t.Name, SignedInAt: t.SignedInAt, Expiry: t.IDTokenExpiry}
}

// redactURLError drops the query from a *url.Error's URL; our requests
// carry no secret in URLs, but a misconfigured endpoint might.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && u.RawQuery != "" {
			u.RawQuery = ""
			return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
		}
	}
	return err
}

func (t tokenResponse) GoString() string { return t.String() }
