package authtest

// needsSecretService: on Linux the keychain is a D-Bus service that a
// headless machine lacks; tests use it only inside scripts/keyring.sh run
// (never a developer's own desktop keyring).
func needsSecretService() bool { return true }
