package auth

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"smallfry/backend/auth/authtest"
)

func TestTokenStore(t *testing.T) {
	kc := authtest.NewKeychain()
	dir := t.TempDir()
	s := newTokenStore(kc, dir, "https://idp.example.com", "client-1")

	if _, err := s.load(); !errors.Is(err, ErrSignedOut) {
		t.Fatalf("empty store: %v, want ErrSignedOut", err)
	}
	// Entra ID and Okta refresh tokens plus an id_token easily pass
	// Windows' 2,560-byte credential limit; only the key goes there.
	long := &tokens{
		RefreshToken: "refresh-token-secret-" + strings.Repeat("r", 4000),
		IDToken:      "eyJ" + strings.Repeat("i", 3000),
		Subject:      "user-1", IDTokenExpiry: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
	}
	if err := s.save(long); err != nil {
		t.Fatal(err)
	}
	key, err := kc.Get(keychainService, s.account)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) > 2560 || strings.Contains(key, "refresh-token-secret") {
		t.Errorf("keychain entry is %d bytes; want only the key", len(key))
	}
	sealed, err := os.ReadFile(s.path)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"refresh-token-secret", "eyJ", "rrrrrrrr", "user-1"} {
		if bytes.Contains(sealed, []byte(secret)) {
			t.Errorf("the sealed file holds %q in clear", secret)
		}
	}
	if fi, err := os.Stat(s.path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("sealed file mode %v, %v", fi.Mode(), err)
	}
	got, err := s.load()
	if err != nil {
		t.Fatal(err)
	}
	if got.RefreshToken != long.RefreshToken || got.IDToken != long.IDToken || !got.IDTokenExpiry.Equal(long.IDTokenExpiry) {
		t.Errorf("load = %v", got)
	}

	// Another process's store (no cached key) opens it too.
	other := newTokenStore(kc, dir, "https://idp.example.com", "client-1")
	if _, err := other.load(); err != nil {
		t.Errorf("second store: %v", err)
	}
	// A file copied under another account's name does not open.
	third := newTokenStore(kc, dir, "https://idp.example.com", "client-2")
	if err := kc.Set(keychainService, third.account, key); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(third.path, sealed, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := third.load(); !errors.Is(err, ErrSignedOut) {
		t.Errorf("moved file: %v, want ErrSignedOut", err)
	}

	// Damage: a flipped byte, a different key, a deleted key.
	damaged := bytes.Clone(sealed)
	damaged[len(damaged)-1] ^= 1
	if err := os.WriteFile(s.path, damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := newTokenStore(kc, dir, "https://idp.example.com", "client-1").load(); !errors.Is(err, ErrSignedOut) {
		t.Errorf("damaged file: %v, want ErrSignedOut", err)
	}
	if err := os.WriteFile(s.path, sealed, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := kc.Delete(keychainService, s.account); err != nil {
		t.Fatal(err)
	}
	if _, err := newTokenStore(kc, dir, "https://idp.example.com", "client-1").load(); !errors.Is(err, ErrSignedOut) {
		t.Errorf("key gone: %v, want ErrSignedOut", err)
	}

	// clear removes both, and is idempotent.
	if err := s.save(long); err != nil {
		t.Fatal(err)
	}
	if err := s.clear(); err != nil {
		t.Fatal(err)
	}
	if err := s.clear(); err != nil {
		t.Errorf("second clear: %v", err)
	}
	if _, err := os.Stat(s.path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("sealed file after clear: %v", err)
	}
	if _, err := kc.Get(keychainService, s.account); err == nil {
		t.Error("keychain entry after clear")
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*.tmp"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestTokensStringRedacts(t *testing.T) {
	tk := tokens{RefreshToken: "refresh-token-secret-1", IDToken: "eyJhbGciOi", Subject: "user-1"}
	for _, out := range []string{fmtAll(tk), fmtAll(&tk), fmtAll(tokenResponse{RefreshToken: "refresh-token-secret-1", IDToken: "eyJ"})} {
		assertNoSecrets(t, "tokens' text", out)
	}
}

// The OS keychain itself: go-keyring against the Secret Service that
// scripts/keyring.sh provides (skipped outside it on Linux).
func TestOSKeychain(t *testing.T) {
	authtest.RequireOSKeychain(t)
	dir := t.TempDir()
	s := newTokenStore(OSKeychain{}, dir, "https://keychain-test.invalid", "client-"+filepath.Base(dir))
	t.Cleanup(func() { _ = s.clear() })
	tk := &tokens{RefreshToken: "refresh-token-secret-" + strings.Repeat("x", 5000), IDToken: "eyJ", Subject: "user-1"}
	if err := s.save(tk); err != nil {
		t.Fatal(err)
	}
	got, err := newTokenStore(OSKeychain{}, dir, "https://keychain-test.invalid", "client-"+filepath.Base(dir)).load()
	if err != nil {
		t.Fatal(err)
	}
	if got.RefreshToken != tk.RefreshToken {
		t.Error("refresh token changed on the way through the keychain")
	}
	if err := s.clear(); err != nil {
		t.Fatal(err)
	}
	if _, err := (OSKeychain{}).Get(keychainService, s.account); err == nil {
		t.Error("keychain entry left after clear")
	}
}
