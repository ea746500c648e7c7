package server

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"

	"smallfry/backend"
)

// guard lets a request through only when it is for this server (Host: no
// DNS rebinding), from its own pages (Origin: no cross-site requests or
// WebSockets) and from the user who holds the token (cookie or header).
// The order matters: a foreign Host learns nothing, not even whether its
// token was right.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY") // no clickjacking through a frame on another site
		h.Set("Referrer-Policy", "no-referrer")
		if !s.hosts[strings.ToLower(r.Host)] {
			writeError(w, r, http.StatusForbidden, backend.EINVALID,
				"host "+quote(r.Host)+" is not this server: open the link smallfry serve printed")
			return
		}
		// Browsers send Origin on every POST and WebSocket handshake; a page
		// of ours sends our own. Any other Origin, "null" included, is another
		// site acting with the user's cookie.
		if o := r.Header.Get("Origin"); o != "" && !s.ownOrigin(o) {
			writeError(w, r, http.StatusForbidden, backend.EINVALID, "cross-origin request from "+quote(o)+" refused")
			return
		}
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && r.URL.Query().Has("token") {
			s.acceptTokenLink(w, r)
			return
		}
		if !s.authenticated(r) {
			h.Set("WWW-Authenticate", `token realm="smallfry"`)
			writeError(w, r, http.StatusUnauthorized, backend.EINVALID,
				"not signed in: open the link smallfry serve printed (it holds the access token, which changes every start)")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) ownOrigin(origin string) bool {
	for _, o := range s.origins {
		if strings.EqualFold(origin, o) {
			return true
		}
	}
	return false
}

// acceptTokenLink answers the printed link: a right token becomes a cookie
// and the browser is sent to the same page without it, so the token leaves
// the address bar and the history.
func (s *Server) acceptTokenLink(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !s.validToken(q.Get("token")) {
		writeError(w, r, http.StatusUnauthorized, backend.EINVALID,
			"the access token in the link is not this server's: it changes every start, open the link smallfry serve printed last")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     s.cookie,
		Value:    s.token,
		Path:     "/",
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
	})
	q.Del("token")
	to := r.URL.EscapedPath()
	// "//evil.example" would be a link to another site: only plain paths.
	if !strings.HasPrefix(to, "/") || strings.HasPrefix(to, "//") || strings.HasPrefix(to, "/\\") {
		to = "/"
	}
	if len(q) > 0 {
		to += "?" + q.Encode()
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to, http.StatusFound)
}

// cookieName carries the port because cookies are not separated by port:
// two servers on 127.0.0.1 must not overwrite each other's token.
func cookieName(port string) string { return "smallfry-token-" + port }

func (s *Server) authenticated(r *http.Request) bool {
	if c, err := r.Cookie(s.cookie); err == nil && s.validToken(c.Value) {
		return true
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && (strings.EqualFold(scheme, "token") || strings.EqualFold(scheme, "bearer")) &&
		s.validToken(strings.TrimSpace(token))
}

// validToken compares in constant time, so timing tells nothing about how
// much of a guess was right.
func (s *Server) validToken(t string) bool {
	return subtle.ConstantTimeCompare([]byte(t), []byte(s.token)) == 1
}

// quote keeps what a client sent readable and short in a message.
func quote(s string) string {
	if len(s) > 100 {
		s = s[:100] + "..."
	}
	return strconv.Quote(s)
}
