package authtest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/zalando/go-keyring"
)

// Keychain is an in-memory keychain with go-keyring's semantics (a missing
// entry is keyring.ErrNotFound), for tests that are not about the keychain.
type Keychain struct {
	mu      sync.Mutex
	secrets map[[2]string]string
}

func NewKeychain() *Keychain { return &Keychain{secrets: map[[2]string]string{}} }

func (k *Keychain) Get(service, user string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	s, ok := k.secrets[[2]string{service, user}]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return s, nil
}

func (k *Keychain) Set(service, user, secret string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.secrets[[2]string{service, user}] = secret
	return nil
}

func (k *Keychain) Delete(service, user string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.secrets[[2]string{service, user}]; !ok {
		return keyring.ErrNotFound
	}
	delete(k.secrets, [2]string{service, user})
	return nil
}

// Len is the number of entries (tests check sign-out left none).
func (k *Keychain) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.secrets)
}

// EnvKeychain is set to 1 by scripts/keyring.sh run: a real Secret Service
// is on the session bus.
const EnvKeychain = "SMALLFRY_KEYRING"

// RequireOSKeychain skips the test unless a real OS keychain can be used:
// always on macOS and Windows, on Linux inside scripts/keyring.sh run (or
// failing under SMALLFRY_REQUIRE_PEERS=1).
func RequireOSKeychain(t testing.TB) {
	t.Helper()
	if os.Getenv(EnvKeychain) == "1" || !needsSecretService() {
		return
	}
	if os.Getenv(EnvRequirePeers) == "1" {
		t.Fatalf("no Secret Service: run the tests under scripts/keyring.sh run")
	}
	t.Skip("no Secret Service here: run the tests under scripts/keyring.sh run")
}

// FileKeychain keeps entries as files in a folder, so that several test
// processes share them where no OS keychain is available. Tests only: the
// secrets are in clear.
type FileKeychain struct{ Dir string }

func (k FileKeychain) file(service, user string) string {
	sum := sha256.Sum256([]byte(service + "\x00" + user))
	return filepath.Join(k.Dir, hex.EncodeToString(sum[:8]))
}

func (k FileKeychain) Get(service, user string) (string, error) {
	b, err := os.ReadFile(k.file(service, user))
	if errors.Is(err, fs.ErrNotExist) {
		return "", keyring.ErrNotFound
	}
	return string(b), err
}

func (k FileKeychain) Set(service, user, secret string) error {
	if err := os.MkdirAll(k.Dir, 0o700); err != nil {
		return err
	}
	tmp := k.file(service, user) + ".tmp"
	if err := os.WriteFile(tmp, []byte(secret), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, k.file(service, user))
}

func (k FileKeychain) Delete(service, user string) error {
	err := os.Remove(k.file(service, user))
	if errors.Is(err, fs.ErrNotExist) {
		return keyring.ErrNotFound
	}
	return err
}
