package auth

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofrs/flock"
	"github.com/zalando/go-keyring"

	"smallfry/backend/atomicfile"
)

// Keychain is the OS's secret store. Get returns an error wrapping
// keyring.ErrNotFound (github.com/zalando/go-keyring) for a missing entry.
type Keychain interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
}

// OSKeychain is the OS keychain through go-keyring: the macOS Keychain,
// Windows Credential Manager, the Secret Service (GNOME Keyring, KWallet).
type OSKeychain struct{}

func (OSKeychain) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (OSKeychain) Set(service, user, secret string) error   { return keyring.Set(service, user, secret) }
func (OSKeychain) Delete(service, user string) error        { return keyring.Delete(service, user) }

var _ Keychain = OSKeychain{}

// keychainService is the service name of Smallfry's keychain entries.
const keychainService = "Smallfry"

// tokens is what a sign-in leaves behind. It is stored sealed (see
// tokenStore); String and GoString redact it so it never reaches a log.
type tokens struct {
	RefreshToken  string    `json:"refreshToken"`
	IDToken       string    `json:"idToken"`
	IDTokenExpiry time.Time `json:"idTokenExpiry"`
	Subject       string    `json:"sub"`
	Email         string    `json:"email,omitempty"`
	Name          string    `json:"name,omitempty"`
	SignedInAt    time.Time `json:"signedInAt"`
	RefreshedAt   time.Time `json:"refreshedAt,omitzero"`
	// Rotations counts the refreshes since sign-in (tests read it).
	Rotations int `json:"rotations"`
}

func (t tokens) String() string {
	return fmt.Sprintf("auth.tokens{sub=%s idTokenExpiry=%s rotations=%d refreshToken=[redacted] idToken=[redacted]}",
		t.Subject, t.IDTokenExpiry.Format(time.RFC3339), t.Rotations)
}

func (t tokens) GoString() string { return t.String() }

// tokenStore keeps one sign-in's tokens. The refresh token (often over
// Windows' 2,560-byte credential limit once with an id_token) is sealed with
// AES-256-GCM into a file; the key is the only thing in the keychain. So
// nothing usable is on disk in clear, and the file is replaced atomically.
// A file lock beside it serializes refreshes across processes.
type tokenStore struct {
	kc       Keychain
	account  string // keychain account and GCM additional data: issuer + client
	path     string // the sealed file
	lockPath string

	mu  sync.Mutex
	key []byte // the keychain key, cached after the first read
}

const sealMagic = "SFT1"

func newTokenStore(kc Keychain, dir, issuer, clientID string) *tokenStore {
	account := issuer + " " + clientID
	sum := sha256.Sum256([]byte(account))
	base := filepath.Join(dir, hex.EncodeToString(sum[:8]))
	return &tokenStore{kc: kc, account: account, path: base + ".sealed", lockPath: base + ".lock"}
}

// errNoTokens: nothing stored (never signed in, or signed out).
var errNoTokens = fmt.Errorf("%w (no sign-in stored)", ErrSignedOut)

// load returns the stored tokens, or an error wrapping ErrSignedOut when
// there are none or they cannot be opened (key gone from the keychain,
// file damaged): either way the user has to sign in again.
func (s *tokenStore) load() (*tokens, error) {
	sealed, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNoTokens
	}
	if err != nil {
		return nil, fmt.Errorf("read the sign-in: %w", err)
	}
	key, err := s.keyFor(false)
	if err != nil {
		return nil, err
	}
	plain, err := open(key, sealed, s.account)
	if err != nil {
		// Another process may have signed in again with a new key.
		if key, err = s.keyFor(true); err == nil {
			plain, err = open(key, sealed, s.account)
		}
		if err != nil {
			return nil, fmt.Errorf("%w (the stored sign-in cannot be opened: %v)", ErrSignedOut, err)
		}
	}
	var t tokens
	if err := json.Unmarshal(plain, &t); err != nil || t.RefreshToken == "" {
		return nil, fmt.Errorf("%w (the stored sign-in is damaged)", ErrSignedOut)
	}
	return &t, nil
}

// save seals t into the file, making a keychain key first if there is none.
func (s *tokenStore) save(t *tokens) error {
	key, err := s.keyFor(false)
	if errors.Is(err, ErrSignedOut) {
		key, err = s.newKey()
	}
	if err != nil {
		return err
	}
	plain, err := json.Marshal(t)
	if err != nil {
		return err
	}
	sealed, err := seal(key, plain, s.account)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return fmt.Errorf("store the sign-in: %w", err)
	}
	if err := atomicfile.Write(s.path, sealed, 0o600); err != nil {
		return fmt.Errorf("store the sign-in: %w", err)
	}
	return nil
}

// clear deletes the sealed file and the keychain key.
func (s *tokenStore) clear() error {
	s.mu.Lock()
	s.key = nil
	s.mu.Unlock()
	var errs []error
	if err := os.Remove(s.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, err)
	}
	if err := s.kc.Delete(keychainService, s.account); err != nil && !errors.Is(err, keyring.ErrNotFound) {
		errs = append(errs, fmt.Errorf("delete the keychain entry: %w", err))
	}
	return errors.Join(errs...)
}

// keyFor returns the sealing key, from memory unless reread is set.
func (s *tokenStore) keyFor(reread bool) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil && !reread {
		return s.key, nil
	}
	enc, err := s.kc.Get(keychainService, s.account)
	if errors.Is(err, keyring.ErrNotFound) {
		return nil, fmt.Errorf("%w (no key in the keychain)", ErrSignedOut)
	}
	if err != nil {
		return nil, fmt.Errorf("read the keychain: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("%w (the keychain entry is not a key)", ErrSignedOut)
	}
	s.key = key
	return key, nil
}

func (s *tokenStore) newKey() ([]byte, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := s.kc.Set(keychainService, s.account, base64.StdEncoding.EncodeToString(key)); err != nil {
		return nil, fmt.Errorf("store the key in the keychain: %w", err)
	}
	s.mu.Lock()
	s.key = key
	s.mu.Unlock()
	return key, nil
}

// seal: magic, 12-byte nonce, AES-256-GCM ciphertext; the account is the
// additional data, so a file moved to another account's name won't open.
func seal(key, plain []byte, account string) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append([]byte(sealMagic), nonce...)
	return gcm.Seal(out, nonce, plain, []byte(account)), nil
}

func open(key, sealed []byte, account string) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(sealed, []byte(sealMagic)) || len(sealed) < len(sealMagic)+gcm.NonceSize() {
		return nil, errors.New("not a sealed sign-in file")
	}
	rest := sealed[len(sealMagic):]
	return gcm.Open(nil, rest[:gcm.NonceSize()], rest[gcm.NonceSize():], []byte(account))
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// lock takes the cross-process refresh lock (an OS file lock: flock on
// Unix, LockFileEx on Windows; the OS drops it if the process dies), waiting
// until ctx is done.
func (s *tokenStore) lock(ctx context.Context) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(s.lockPath), 0o700); err != nil {
		return nil, fmt.Errorf("lock the sign-in: %w", err)
	}
	fl := flock.New(s.lockPath, flock.SetPermissions(0o600))
	ok, err := fl.TryLockContext(ctx, 20*time.Millisecond)
	if err != nil || !ok {
		_ = fl.Close()
		if err == nil {
			err = ctx.Err()
		}
		return nil, fmt.Errorf("lock the sign-in: %w", err)
	}
	return func() { _ = fl.Unlock() }, nil
}
