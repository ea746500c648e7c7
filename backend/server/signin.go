package server

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"sync"
	"time"

	"smallfry/backend"
)

// codeTTL is how long a one-time sign-in code (the link handed to the
// browser opener) may wait for the browser.
const codeTTL = 2 * time.Minute

// signins are the browsers signed in to this server. A browser's cookie
// holds a random id of its own, never the access token: browsers send
// 127.0.0.1's cookies to every port on it, so any other local server sees
// the cookie, and revoking the id (sign out) leaves the token and the other
// browsers signed in.
type signins struct {
	now func() time.Time

	mu    sync.Mutex
	ids   map[string]bool      // browser session ids
	codes map[string]time.Time // one-time codes, to their expiry
}

func newSignins() *signins {
	return &signins{now: time.Now, ids: map[string]bool{}, codes: map[string]time.Time{}}
}

// randomID is 32 random bytes, hex-encoded.
func randomID() (string, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(rand.Reader, b); err != nil {
		return "", backend.Errorf(backend.EINTERNAL, "make a random id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// issue signs a browser in and returns its session id.
func (si *signins) issue() (string, error) {
	id, err := randomID()
	if err != nil {
		return "", err
	}
	si.mu.Lock()
	si.ids[id] = true
	si.mu.Unlock()
	return id, nil
}

func (si *signins) valid(id string) bool {
	if id == "" {
		return false
	}
	si.mu.Lock()
	defer si.mu.Unlock()
	return si.ids[id]
}

func (si *signins) revoke(id string) {
	si.mu.Lock()
	delete(si.ids, id)
	si.mu.Unlock()
}

// code makes a one-time code that signs one browser in within codeTTL.
func (si *signins) code() (string, error) {
	c, err := randomID()
	if err != nil {
		return "", err
	}
	si.mu.Lock()
	defer si.mu.Unlock()
	now := si.now()
	for k, exp := range si.codes {
		if now.After(exp) {
			delete(si.codes, k)
		}
	}
	si.codes[c] = now.Add(codeTTL)
	return c, nil
}

// redeem uses a code up: true the first time, within its time.
func (si *signins) redeem(c string) bool {
	si.mu.Lock()
	defer si.mu.Unlock()
	exp, ok := si.codes[c]
	delete(si.codes, c)
	return ok && !si.now().After(exp)
}

// OpenURL is a link for the browser opener: it carries a one-time code
// instead of the token, so the token is never on a command line (where
// every local user's `ps` reads it). The code signs in one browser, once,
// within two minutes.
func (s *Server) OpenURL() (string, error) {
	c, err := s.signins.code()
	if err != nil {
		return "", err
	}
	return s.baseURL + "/?code=" + c, nil
}

// setSession signs the browser in with a new session id as its cookie.
func (s *Server) setSession(w http.ResponseWriter) error {
	id, err := s.signins.issue()
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name:     s.cookie,
		Value:    id,
		Path:     "/",
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
	})
	return nil
}

// handleSignOut revokes the browser's session id: its cookie no longer
// signs anything in, even if a copy of it was taken.
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(s.cookie); err == nil {
		s.signins.revoke(c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}
