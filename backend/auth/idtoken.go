package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// Session is who is signed in, as the UI shows it. It holds no token.
type Session struct {
	Issuer     string
	Subject    string
	Email      string
	Name       string
	SignedInAt time.Time
	// Expiry is when the current id_token expires; refreshing moves it.
	Expiry time.Time
}

// identity is what we read from a verified id_token.
type identity struct {
	subject, email, name string
	expiry               time.Time
}

// ErrIDToken marks an id_token that failed our checks.
var ErrIDToken = errors.New("the identity provider's id_token failed verification")

// verifyIDToken checks an id_token the way OIDC Core §3.1.3.7 asks: the
// signature against the IdP's JWKS (kid chosen there) with an allowed
// asymmetric algorithm, the issuer exactly, our client id in aud (and as
// azp when present or when aud has several values), and exp and iat
// against our clock with clockSkew of slack. MinIO's STS does not check
// iss, so we must.
func (c *Client) verifyIDToken(ctx context.Context, d *discovery, raw string) (*identity, error) {
	tok, err := d.verifier.Verify(c.oidcContext(ctx), raw)
	if err != nil {
		var exp *oidc.TokenExpiredError
		if errors.As(err, &exp) {
			return nil, fmt.Errorf("%w: it expired at %s (our clock says %s)", ErrIDToken,
				exp.Expiry.UTC().Format(time.RFC3339), c.now().UTC().Format(time.RFC3339))
		}
		return nil, fmt.Errorf("%w: %v", ErrIDToken, err)
	}
	var claims struct {
		AuthorizedParty   string `json:"azp"`
		Email             string `json:"email"`
		Name              string `json:"name"`
		PreferredUsername string `json:"preferred_username"`
	}
	if err := tok.Claims(&claims); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrIDToken, err)
	}
	if claims.AuthorizedParty != "" && claims.AuthorizedParty != c.settings.ClientID {
		return nil, fmt.Errorf("%w: it was issued to %q (azp), not to %q", ErrIDToken, claims.AuthorizedParty, c.settings.ClientID)
	}
	if len(tok.Audience) > 1 && claims.AuthorizedParty == "" {
		return nil, fmt.Errorf("%w: it has several audiences %q and no azp", ErrIDToken, tok.Audience)
	}
	if tok.Subject == "" {
		return nil, fmt.Errorf("%w: it has no sub", ErrIDToken)
	}
	if !tok.IssuedAt.IsZero() && tok.IssuedAt.After(c.now().Add(clockSkew)) {
		return nil, fmt.Errorf("%w: it was issued at %s, in the future by our clock (%s): check this computer's clock",
			ErrIDToken, tok.IssuedAt.UTC().Format(time.RFC3339), c.now().UTC().Format(time.RFC3339))
	}
	name := claims.Name
	if name == "" {
		name = claims.PreferredUsername
	}
	return &identity{subject: tok.Subject, email: claims.Email, name: name, expiry: tok.Expiry}, nil
}
