//go:build !linux

package authtest

// needsSecretService: macOS and Windows always have their keychain.
func needsSecretService() bool { return false }
