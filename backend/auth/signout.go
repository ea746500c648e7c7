package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// SignOut ends the sign-in: it revokes the refresh token at the IdP
// (RFC 7009; with oidc-provider that ends the whole grant), then deletes
// the sealed file, the lock file and the keychain key, and drops cached
// keys. Local state goes even when the IdP can't be told; the error then
// wraps ErrNotRevoked. Signing out when signed out is not an error.
func (c *Client) SignOut(ctx context.Context) error {
	unlock, err := c.store.lock(ctx)
	if err != nil {
		return err
	}
	defer func() {
		unlock()
		// The lock file goes last, after its lock is released; a process
		// that opened it meanwhile finds no sign-in and stops there.
		_ = os.Remove(c.store.lockPath)
	}()
	var revokeErr error
	if t, err := c.store.load(); err == nil {
		revokeErr = c.revoke(ctx, t.RefreshToken)
	}
	c.keys.Invalidate()
	if err := c.store.clear(); err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	c.log.Info("auth: signed out", "issuer", c.settings.Issuer, "revoked", revokeErr == nil)
	if revokeErr != nil {
		return fmt.Errorf("%w: %v", ErrNotRevoked, revokeErr)
	}
	return nil
}

// revoke asks the IdP's revocation endpoint to forget the refresh token.
func (c *Client) revoke(ctx context.Context, refreshToken string) error {
	d, err := c.discover(ctx)
	if err != nil {
		return err
	}
	if d.revocationURL == "" {
		return errors.New("the identity provider has no revocation endpoint")
	}
	form := url.Values{
		"token":           {refreshToken},
		"token_type_hint": {"refresh_token"},
		"client_id":       {c.settings.ClientID},
	}
	if c.settings.ClientSecret != "" {
		form.Set("client_secret", c.settings.ClientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.revocationURL, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	if err != nil {
		return redactURLError(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxIdPResponseSize))
	// RFC 7009 §2.2: 200 also for tokens the server no longer knows.
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the revocation endpoint answered %s", resp.Status)
	}
	return nil
}
