package auth

import (
	"errors"
	"fmt"
)

var (
	// ErrSignedOut: there is no usable sign-in (never signed in, signed out,
	// or the IdP revoked the grant: invalid_grant). The UI shows one "Sign in"
	// banner for it; retrying without the user cannot help.
	ErrSignedOut = errors.New("signed out: sign in again")
	// ErrAccessDenied: the user (or the IdP's policy) denied the sign-in.
	ErrAccessDenied = errors.New("the sign-in was denied at the identity provider")
	// ErrCodeExpired: the device code expired before the user finished.
	ErrCodeExpired = errors.New("the sign-in code expired before the sign-in finished: start again")
	// ErrNotRevoked: SignOut forgot everything here but could not tell the
	// IdP, so the refresh token stays valid there until it expires.
	ErrNotRevoked = errors.New("signed out here, but the identity provider could not revoke the sign-in")
)

// IdPError is an OAuth error answer from the identity provider (RFC 6749
// §5.2): Code is the error code ("invalid_client"), Description its text.
type IdPError struct {
	Op          string // what we asked: "device authorization", "refresh", ...
	Status      int    // the HTTP status
	Code        string
	Description string
}

func (e *IdPError) Error() string {
	msg := fmt.Sprintf("%s: the identity provider answered %s", e.Op, e.Code)
	if e.Description != "" {
		msg += ": " + e.Description
	}
	if hint := idpHint(e.Code); hint != "" {
		msg += " (" + hint + ")"
	}
	return msg
}

func idpHint(code string) string {
	switch code {
	case "invalid_client":
		return "check clientId in the company settings"
	case "unauthorized_client":
		return "the client may not use the device flow or refresh tokens: ask the IdP admin"
	case "invalid_scope":
		return "check scopes in the company settings"
	}
	return ""
}
