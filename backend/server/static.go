package server

import (
	"bytes"
	"crypto/rand"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// handleStatic serves the built UI. Paths that name no file get index.html,
// so the single-page app's own routes survive a reload.
func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "the UI is read with GET", http.StatusMethodNotAllowed)
		return
	}
	if s.assets == nil {
		http.Error(w, "this server has no UI assets", http.StatusNotFound)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name != "" && name != "index.html" && s.serveFile(w, r, name) {
		return
	}
	// index.html names the hashed assets of the current build: never cache it.
	w.Header().Set("Cache-Control", "no-store")
	page, err := fs.ReadFile(s.assets, "index.html")
	if err != nil {
		http.Error(w, "the UI has no index.html (was the frontend built?)", http.StatusNotFound)
		return
	}
	// Each page gets its own nonce (128 random bits) for the <style>
	// elements its code makes (contentPolicy), in a meta tag the code reads.
	nonce := rand.Text()
	w.Header().Set("Content-Security-Policy", contentPolicy(r.Host, nonce))
	page = bytes.Replace(page, []byte("<head>"), []byte(`<head><meta name="smallfry-style-nonce" content="`+nonce+`">`), 1)
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(page))
}

// serveFile serves a regular file of the assets and reports whether there
// was one. It does not use http.FileServer, which lists folders and
// redirects /index.html.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, name string) bool {
	f, err := s.assets.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return false
	}
	content, ok := f.(io.ReadSeeker)
	if !ok {
		b, err := io.ReadAll(f)
		if err != nil {
			return false
		}
		content = bytes.NewReader(b)
	}
	// ServeContent picks the Content-Type from the extension and answers
	// Range and If-Modified-Since (embedded files have no time: skipped).
	http.ServeContent(w, r, name, info.ModTime(), content)
	return true
}
