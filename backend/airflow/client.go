// Package airflow is a client of Apache Airflow 3's REST API (v2): the
// calls publishing a notebook needs — DAGs, parsing, pausing, runs, task
// logs, variables — behind a Bearer token from POST /auth/token.
//
// Airflow on SQLite answers concurrent writes with 500 "database is
// locked", so a Client makes one write call at a time and retries those
// (and other transient answers) with backoff.
package airflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"smallfry/backend"
)

// Client talks to one Airflow.
type Client struct {
	base  *url.URL
	user  string
	pass  func(ctx context.Context) (string, error)
	http  *http.Client
	sleep func(ctx context.Context, d time.Duration) error

	writes sync.Mutex // one write call at a time (SQLite's lock)

	mu    sync.Mutex
	token string
}

// Options configure a Client.
type Options struct {
	// URL is the Airflow API server's base, e.g. http://127.0.0.1:8080.
	URL string
	// User and Password sign in at POST /auth/token. Password is asked
	// when a token is needed, so it can come from a keychain.
	User     string
	Password func(ctx context.Context) (string, error)
	// HTTP is the client used; nil is one with a 30 s timeout.
	HTTP *http.Client
}

// New returns a client of the Airflow at opts.URL.
func New(opts Options) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(opts.URL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, backend.Errorf(backend.EINVALID, "the Airflow address %q is not an http(s) URL", opts.URL)
	}
	hc := opts.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	pass := opts.Password
	if pass == nil {
		pass = func(context.Context) (string, error) { return "", nil }
	}
	return &Client{base: u, user: opts.User, pass: pass, http: hc, sleep: backend.Sleep}, nil
}

// URL is the Airflow's base address.
func (c *Client) URL() string { return c.base.String() }

// Error is an answer of Airflow's that is not a success.
type Error struct {
	Status int    // HTTP status
	Detail string // Airflow's detail message
	Op     string // what was asked, e.g. "unpause DAG smallfry_sales"
}

func (e *Error) Error() string {
	return fmt.Sprintf("Airflow answered %s with %d: %s", e.Op, e.Status, e.Detail)
}

// IsNotFound tells whether err is Airflow's 404.
func IsNotFound(err error) bool {
	var ae *Error
	return errors.As(err, &ae) && ae.Status == http.StatusNotFound
}

// ErrUnreachable is wrapped when Airflow cannot be reached at all.
var ErrUnreachable = errors.New("airflow is unreachable")

// ErrAuth is wrapped when Airflow refuses the user or the token.
var ErrAuth = errors.New("airflow refused the sign-in")

const maxTries = 6

// do sends one call and decodes a JSON answer into out (if not nil).
// Writes are serialized; transient failures are retried.
func (c *Client) do(ctx context.Context, op, method, path string, query url.Values, body, out any) error {
	if method != http.MethodGet {
		c.writes.Lock()
		defer c.writes.Unlock()
	}
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	reauthed := false
	delay := 200 * time.Millisecond
	for try := 1; ; try++ {
		token, err := c.bearer(ctx)
		if err != nil {
			return err
		}
		status, data, err := c.send(ctx, method, path, query, payload, token)
		switch {
		case err != nil && ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			if try >= 3 {
				return &backend.Error{Code: backend.EINTERNAL, Message: fmt.Sprintf("%s: Airflow at %s is unreachable (%v)", op, c.URL(), err), Err: ErrUnreachable}
			}
		case status == http.StatusUnauthorized && !reauthed:
			reauthed = true
			c.dropToken(token)
			continue
		case status == http.StatusUnauthorized || status == http.StatusForbidden:
			return &backend.Error{Code: backend.EINVALID, Message: fmt.Sprintf("%s: Airflow at %s refused user %q (%d: %s)", op, c.URL(), c.user, status, detail(data)), Err: ErrAuth}
		case status >= 200 && status < 300:
			if out == nil || len(data) == 0 {
				return nil
			}
			if err := json.Unmarshal(data, out); err != nil {
				return fmt.Errorf("%s: Airflow's answer is not what was expected: %w", op, err)
			}
			return nil
		case transient(status, data) && try < maxTries:
		default:
			return &Error{Status: status, Detail: detail(data), Op: op}
		}
		if err := c.sleep(ctx, delay); err != nil {
			return err
		}
		delay *= 2
	}
}

// transient tells the answers worth another try: SQLite's lock, a server
// starting or overloaded.
func transient(status int, data []byte) bool {
	switch status {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout, http.StatusTooManyRequests:
		return true
	case http.StatusInternalServerError:
		return strings.Contains(strings.ToLower(string(data)), "database is locked")
	}
	return false
}

func (c *Client) send(ctx context.Context, method, path string, query url.Values, payload []byte, token string) (int, []byte, error) {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawPath = ""
	if escaped := escapePath(u.Path); escaped != u.Path {
		u.RawPath = escaped
	}
	u.RawQuery = query.Encode()
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, data, nil
}

// escapePath keeps the slashes of a path and escapes each segment (run ids
// hold ':' and '+').
func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

func (c *Client) bearer(ctx context.Context) (string, error) {
	c.mu.Lock()
	token := c.token
	c.mu.Unlock()
	if token != "" {
		return token, nil
	}
	pass, err := c.pass(ctx)
	if err != nil {
		return "", err
	}
	body, _ := json.Marshal(map[string]string{"username": c.user, "password": pass})
	var status int
	var data []byte
	for try := 1; ; try++ {
		status, data, err = c.send(ctx, http.MethodPost, "/auth/token", nil, body, "")
		if err == nil && !transient(status, data) || try >= 3 || ctx.Err() != nil {
			break
		}
		if err := c.sleep(ctx, time.Duration(try)*300*time.Millisecond); err != nil {
			return "", err
		}
	}
	switch {
	case err != nil && ctx.Err() != nil:
		return "", ctx.Err()
	case err != nil:
		return "", &backend.Error{Code: backend.EINTERNAL, Message: fmt.Sprintf("sign in to Airflow: Airflow at %s is unreachable (%v)", c.URL(), err), Err: ErrUnreachable}
	case status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusBadRequest:
		return "", &backend.Error{Code: backend.EINVALID, Message: fmt.Sprintf("sign in to Airflow at %s as %q: Airflow refused it: %s", c.URL(), c.user, detail(data)), Err: ErrAuth}
	case status < 200 || status >= 300:
		return "", backend.Errorf(backend.EINTERNAL, "sign in to Airflow at %s: it answered %d: %s", c.URL(), status, detail(data))
	}
	var lr struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(data, &lr); err != nil || lr.AccessToken == "" {
		return "", backend.Errorf(backend.EINTERNAL, "sign in to Airflow at %s: its answer holds no access token", c.URL())
	}
	c.mu.Lock()
	c.token = lr.AccessToken
	c.mu.Unlock()
	return lr.AccessToken, nil
}

func (c *Client) dropToken(token string) {
	c.mu.Lock()
	if c.token == token {
		c.token = ""
	}
	c.mu.Unlock()
}

// detail is Airflow's error detail, which is a string or a list of
// validation errors, or the body's start.
func detail(data []byte) string {
	var d struct {
		Detail json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(data, &d) == nil && len(d.Detail) > 0 {
		var s string
		if json.Unmarshal(d.Detail, &s) == nil {
			return s
		}
		var list []struct {
			Loc []any  `json:"loc"`
			Msg string `json:"msg"`
		}
		if json.Unmarshal(d.Detail, &list) == nil && len(list) > 0 {
			msgs := make([]string, len(list))
			for i, v := range list {
				msgs[i] = fmt.Sprintf("%v: %s", v.Loc, v.Msg)
			}
			return strings.Join(msgs, "; ")
		}
		return string(d.Detail)
	}
	s := strings.TrimSpace(string(data))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	if s == "" {
		return "no detail"
	}
	return s
}
