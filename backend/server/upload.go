package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"smallfry/backend"
)

// Uploader stores a file the browser sends (the body, under the name the
// browser gives) and returns what the API's calls take to name it.
type Uploader func(name string, body io.Reader) (any, error)

// handleUpload answers POST /api/upload?name=FILE with the file as the
// body (application/octet-stream): the browser's way to hand the
// workbench a file from the user's disk, which the window gets as a path.
// The guard checked Host, Origin and token as for every call; the body is
// bounded by Options.MaxUpload, and one cut short leaves nothing behind.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	if s.upload == nil {
		writeError(w, r, http.StatusNotFound, backend.ENOTFOUND, "this server takes no uploads")
		return
	}
	// Not a type a cross-site <form> can send, as for the JSON calls.
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/octet-stream" {
		writeError(w, r, http.StatusUnsupportedMediaType, backend.EINVALID,
			"upload: the body must be the file (Content-Type: application/octet-stream), got "+quote(r.Header.Get("Content-Type")))
		return
	}
	name := r.URL.Query().Get("name")
	if name == "" {
		writeError(w, r, http.StatusBadRequest, backend.EINVALID, "upload: the file's name is missing (?name=)")
		return
	}
	if r.ContentLength > s.maxUpload {
		writeError(w, r, http.StatusRequestEntityTooLarge, backend.EINVALID, tooLarge(name, s.maxUpload))
		return
	}
	result, err := s.upload(name, http.MaxBytesReader(w, r.Body, s.maxUpload))
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			writeError(w, r, http.StatusRequestEntityTooLarge, backend.EINVALID, tooLarge(name, s.maxUpload))
			return
		}
		code := backend.ErrorCode(err)
		if code == backend.EINTERNAL {
			s.log.Error("upload failed", "err", err)
		}
		writeError(w, r, statusOf(code), code, backend.ErrorMessage(err))
		return
	}
	b, err := json.Marshal(result)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, backend.EINTERNAL, "upload: the answer could not be encoded (a bug; see the server log)")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

func tooLarge(name string, limit int64) string {
	return fmt.Sprintf("upload %s: the file is larger than %d MiB, the most the browser can send; open the desktop app to import it from its folder", name, limit>>20)
}
