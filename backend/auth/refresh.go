package auth

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/oauth2"
)

// Session returns who is signed in, from the stored sign-in (no network).
// The error wraps ErrSignedOut when nobody is.
func (c *Client) Session() (*Session, error) {
	t, err := c.store.load()
	if err != nil {
		return nil, err
	}
	return t.session(c.settings.Issuer), nil
}

// IDToken returns a verified id_token with at least a couple of minutes
// left, refreshing the sign-in when the stored one is older.
//
// The IdP rotates refresh tokens and revokes the whole grant when a used
// one comes back, so two processes refreshing at once would sign the user
// out. A refresh therefore runs under a file lock shared by every Smallfry
// process (the window, `smallfry credentials`, CLI runs), re-reads the store
// once it holds the lock, and skips the refresh if another process already
// stored a fresh id_token. Inside one process, callers share one refresh.
//
// invalid_grant (the grant is gone) deletes the stored sign-in and returns
// an error wrapping ErrSignedOut; nothing retries it.
func (c *Client) IDToken(ctx context.Context) (string, error) {
	t, err := c.store.load()
	if err != nil {
		return "", err
	}
	if c.fresh(t) {
		return t.IDToken, nil
	}
	return c.refresh(ctx, false)
}

// fresh tells whether t's id_token has enough life left to hand out.
func (c *Client) fresh(t *tokens) bool {
	return t.IDTokenExpiry.Sub(c.now()) > c.minLife
}

// refreshFlight is one refresh that callers in this process share.
type refreshFlight struct {
	done    chan struct{}
	idToken string
	err     error
}

// refresh runs (or joins) the process's one refresh. Once started it runs to
// the end on its own context even if every caller gives up: a refresh that
// reached the IdP has rotated the token, and the answer must be stored.
// force refreshes even when the stored id_token is fresh (tests).
func (c *Client) refresh(ctx context.Context, force bool) (string, error) {
	c.mu.Lock()
	f := c.flight
	if f == nil {
		f = &refreshFlight{done: make(chan struct{})}
		c.flight = f
		go func() {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
			defer cancel()
			f.idToken, f.err = c.refreshLocked(rctx, force)
			c.mu.Lock()
			c.flight = nil
			c.mu.Unlock()
			close(f.done)
		}()
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.idToken, f.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// refreshLocked: lock, re-read, refresh at the IdP if still needed, store.
func (c *Client) refreshLocked(ctx context.Context, force bool) (string, error) {
	unlock, err := c.store.lock(ctx)
	if err != nil {
		return "", err
	}
	defer unlock()
	t, err := c.store.load()
	if err != nil {
		return "", err
	}
	if !force && c.fresh(t) {
		c.log.Debug("auth: another process refreshed the sign-in already")
		return t.IDToken, nil
	}
	d, err := c.discover(ctx)
	if err != nil {
		return c.stale(t, err)
	}
	src := c.oauthConfig(d).TokenSource(c.oidcContext(ctx), &oauth2.Token{RefreshToken: t.RefreshToken})
	tok, err := src.Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.ErrorCode == "invalid_grant" {
			// The grant is gone (revoked, expired, or a reused token): the
			// stored sign-in can never work again.
			if cerr := c.store.clear(); cerr != nil {
				c.log.Warn("auth: could not delete the dead sign-in", "err", cerr)
			}
			c.log.Info("auth: the identity provider ended the sign-in", "reason", re.ErrorDescription)
			return "", fmt.Errorf("%w (the identity provider ended the sign-in: %s)", ErrSignedOut, re.ErrorDescription)
		}
		if errors.As(err, &re) && re.ErrorCode != "" {
			return "", &IdPError{Op: "refresh", Status: re.Response.StatusCode, Code: re.ErrorCode, Description: re.ErrorDescription}
		}
		return c.stale(t, fmt.Errorf("refresh the sign-in at %s: %w", c.settings.Issuer, redactURLError(err)))
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return "", fmt.Errorf("refresh the sign-in at %s: the answer has no id_token", c.settings.Issuer)
	}
	// x/oauth2 keeps the old refresh token when the answer has none (IdPs
	// that don't rotate); ours rotate, and the new one must be stored before
	// anything else can fail.
	next := *t
	next.RefreshToken = tok.RefreshToken
	next.IDToken = raw
	next.RefreshedAt = c.now()
	next.Rotations++
	id, verr := c.verifyIDToken(ctx, d, raw)
	if verr == nil && id.subject != t.Subject {
		verr = fmt.Errorf("%w: the refreshed id_token is for %q, the sign-in for %q", ErrIDToken, id.subject, t.Subject)
	}
	if verr != nil {
		// Keep the rotated refresh token, but not the id_token we refused.
		next.IDToken, next.IDTokenExpiry = t.IDToken, t.IDTokenExpiry
		if err := c.store.save(&next); err != nil {
			return "", err
		}
		return "", verr
	}
	next.IDTokenExpiry = id.expiry
	next.Email, next.Name = id.email, id.name
	if err := c.store.save(&next); err != nil {
		return "", err
	}
	c.log.Info("auth: refreshed the sign-in", "rotations", next.Rotations, "expiry", id.expiry)
	return raw, nil
}

// stale answers a refresh that could not reach the IdP: the current
// id_token if it has not expired yet (STS may still take it), else err.
func (c *Client) stale(t *tokens, err error) (string, error) {
	if c.now().Before(t.IDTokenExpiry) {
		c.log.Warn("auth: refresh failed; using the current id_token until it expires", "err", err, "expiry", t.IDTokenExpiry)
		return t.IDToken, nil
	}
	return "", err
}
