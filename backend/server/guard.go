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
		h.Set("Content-Security-Policy", contentPolicy(r.Host, ""))
		// Browsers send Origin on every POST and WebSocket handshake; a page
		// of ours sends our own. Any other Origin, "null" included, is another
		// site acting with the user's cookie.
		if o := r.Header.Get("Origin"); o != "" && !s.ownOrigin(o) {
			writeError(w, r, http.StatusForbidden, backend.EINVALID, "cross-origin request from "+quote(o)+" refused")
			return
		}
		if q := r.URL.Query(); (r.Method == http.MethodGet || r.Method == http.MethodHead) && (q.Has("token") || q.Has("code")) {
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

// acceptTokenLink answers the printed link (its token) and the opener's
// (a one-time code): either signs the browser in with a session id of its
// own as the cookie, and the browser is sent to the same page without it,
// so neither leaves a secret in the address bar or the history.
func (s *Server) acceptTokenLink(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Has("token") && !s.validToken(q.Get("token")) {
		writeError(w, r, http.StatusUnauthorized, backend.EINVALID,
			"the access token in the link is not this server's: it changes every start, open the link smallfry serve printed last")
		return
	}
	if !q.Has("token") && !s.signins.redeem(q.Get("code")) {
		writeError(w, r, http.StatusUnauthorized, backend.EINVALID,
			"the sign-in code in the link was used already or has expired: open the link smallfry serve printed")
		return
	}
	if err := s.setSession(w); err != nil {
		writeError(w, r, http.StatusInternalServerError, backend.EINTERNAL, backend.ErrorMessage(err))
		return
	}
	q.Del("token")
	q.Del("code")
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
// two servers on 127.0.0.1 must not overwrite each other's session.
func cookieName(port string) string { return "smallfry-session-" + port }

// contentPolicy lets the page load only this server's code, styles,
// images and fonts (and data:/blob: URLs the app makes), and talk only to
// this server: a notebook's markdown or HTML output that names a remote
// image or script stays offline. A <style> element applies only if it
// carries the page's nonce (the editor's, given it by index.html), so a
// notebook's markdown or HTML output cannot restyle the workbench. Inline
// style attributes are allowed (Vega's SVG and sanitized HTML outputs
// have them); no url() in them can load from elsewhere, img-src and
// font-src keep to this server.
func contentPolicy(host, styleNonce string) string {
	style := "style-src 'self' data: blob:"
	if styleNonce != "" {
		style += " 'nonce-" + styleNonce + "'"
	}
	return "default-src 'self'; script-src 'self' data: blob:; " + style + "; style-src-attr 'unsafe-inline'; " +
		"img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' data: blob:; worker-src 'self' blob:; " +
		"connect-src 'self' ws://" + host + "; object-src 'none'; frame-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
}

func (s *Server) authenticated(r *http.Request) bool {
	if c, err := r.Cookie(s.cookie); err == nil && s.signins.valid(c.Value) {
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
