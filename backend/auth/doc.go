// Package auth signs the user in to the company's identity provider with the
// OAuth device flow and turns the resulting id_token into temporary AWS keys.
//
// The pieces, in the order a user meets them:
//   - Settings: the company file an admin hands out (issuer, client, role,
//     lake), validated with errors that name the field, imported into the
//     user's config folder.
//   - Client.Start / Pending.Wait: RFC 8628 device authorization and polling.
//   - id_token checks: issuer, audience/azp, expiry, algorithm allowlist,
//     signature against the IdP's JWKS.
//   - The token store: the refresh token and latest id_token, sealed with
//     AES-GCM under a key kept in the OS keychain. Nothing in clear on disk.
//   - Client.IDToken: a fresh id_token, refreshed at most once at a time across
//     every Smallfry process (a file lock), because the IdP rotates refresh
//     tokens and revokes the whole grant when an old one is used again.
//   - Client.Credentials: STS AssumeRoleWithWebIdentity keys behind a cache.
//   - Client.SignOut: revoke at the IdP, forget everything locally.
package auth
