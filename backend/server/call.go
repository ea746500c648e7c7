package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"runtime/debug"
	"strings"

	"smallfry/backend"
)

// maxBody bounds a call's arguments: a notebook's cells are the largest.
const maxBody = 64 << 20

// method is a callable method of the service: func(ctx, args...) (R, error)
// or func(ctx, args...) error.
type method struct {
	fn     reflect.Value // bound to the service
	params []reflect.Type
	result bool // returns a value before the error
}

var (
	contextType = reflect.TypeFor[context.Context]()
	errorType   = reflect.TypeFor[error]()
)

// methodsOf finds the callable methods by reflection, so every method the
// service gains is served without a list to keep in step. reflect lists
// exported methods only; the shape check leaves out the rest (Close, ...).
func methodsOf(service any) map[string]method {
	calls := map[string]method{}
	v := reflect.ValueOf(service)
	if !v.IsValid() {
		return calls
	}
	for i := range v.NumMethod() {
		fn := v.Method(i)
		t := fn.Type()
		if t.IsVariadic() || t.NumIn() == 0 || t.In(0) != contextType {
			continue
		}
		if !(t.NumOut() == 1 && t.Out(0) == errorType) && !(t.NumOut() == 2 && t.Out(1) == errorType) {
			continue
		}
		m := method{fn: fn, result: t.NumOut() == 2}
		for j := 1; j < t.NumIn(); j++ {
			m.params = append(m.params, t.In(j))
		}
		calls[v.Type().Method(i).Name] = m
	}
	return calls
}

// handleCall answers POST /api/call/<Method> with a JSON array of the
// arguments after the context. The call runs on the request's context, which
// ends when the client goes away.
func (s *Server) handleCall(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("method")
	// Only JSON: a cross-site <form> cannot send it, so a form post cannot
	// ride on the cookie even where Origin is missing.
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeError(w, r, http.StatusUnsupportedMediaType, backend.EINVALID,
			fmt.Sprintf("%s: the body must be JSON (Content-Type: application/json), got %s", name, quote(r.Header.Get("Content-Type"))))
		return
	}
	m, ok := s.calls[name]
	if !ok {
		writeError(w, r, http.StatusNotFound, backend.ENOTFOUND, fmt.Sprintf("unknown method %s: the workbench has no such call", quote(name)))
		return
	}
	// Reading to the end also lets net/http watch the connection, which is
	// what cancels the context when the client leaves.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			writeError(w, r, http.StatusRequestEntityTooLarge, backend.EINVALID,
				fmt.Sprintf("%s: the arguments are larger than %d MiB", name, maxBody>>20))
			return
		}
		writeError(w, r, http.StatusBadRequest, backend.EINVALID, fmt.Sprintf("%s: read the arguments: %v", name, err))
		return
	}
	args, err := m.decode(name, body)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, backend.EINVALID, err.Error())
		return
	}
	tab, err := s.tabOf(r)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, backend.EINVALID, name+": "+backend.ErrorMessage(err))
		return
	}
	ctx := r.Context()
	if tab != "" {
		ctx = backend.WithClient(ctx, tab)
		defer s.tabs.calling(tab)() // a tab waiting for a long run is not gone
	}
	result, err := s.invoke(ctx, name, m, args)
	if err != nil {
		code := backend.ErrorCode(err)
		if code == backend.EINTERNAL {
			s.log.Error("call failed", "method", name, "err", err) // the user gets the message; the log the chain
		}
		writeError(w, r, statusOf(code), code, backend.ErrorMessage(err))
		return
	}
	b, err := json.Marshal(result)
	if err != nil {
		s.log.Error("encode result", "method", name, "err", err)
		writeError(w, r, http.StatusInternalServerError, backend.EINTERNAL, name+": the result could not be encoded (a bug; see the server log)")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

// decode turns the JSON array into the method's arguments, naming the
// argument at fault when one does not fit.
func (m method) decode(name string, body []byte) ([]reflect.Value, error) {
	var raw []json.RawMessage
	if body = bytes.TrimSpace(body); len(body) > 0 { // no body: no arguments
		if err := json.Unmarshal(body, &raw); err != nil {
			return nil, fmt.Errorf("%s: the body must be a JSON array of the arguments: %v", name, err)
		}
	}
	if len(raw) != len(m.params) {
		types := make([]string, len(m.params))
		for i, p := range m.params {
			types[i] = p.String()
		}
		return nil, fmt.Errorf("%s takes %d argument(s) (%s), got %d", name, len(m.params), strings.Join(types, ", "), len(raw))
	}
	args := make([]reflect.Value, len(raw))
	for i, p := range m.params {
		v := reflect.New(p)
		if err := json.Unmarshal(raw[i], v.Interface()); err != nil {
			return nil, fmt.Errorf("%s: argument %d (%s): %v", name, i+1, p, err)
		}
		args[i] = v.Elem()
	}
	return args, nil
}

// invoke calls the method; a panic becomes an internal error, so one bad
// call answers 500 instead of dropping the connection.
func (s *Server) invoke(ctx context.Context, name string, m method, args []reflect.Value) (result any, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("call panicked", "method", name, "panic", p, "stack", string(debug.Stack()))
			result, err = nil, backend.Errorf(backend.EINTERNAL, "%s failed unexpectedly (a bug; see the server log)", name)
		}
	}()
	out := m.fn.Call(append([]reflect.Value{reflect.ValueOf(ctx)}, args...))
	if e := out[len(out)-1]; !e.IsNil() {
		return nil, e.Interface().(error)
	}
	if m.result {
		return out[0].Interface(), nil
	}
	return nil, nil
}

// statusOf maps an error code to the HTTP status. ECANCELED is 409: the
// work was stopped by another call (Cancel), or the client left and will
// never read the answer.
func statusOf(code string) int {
	switch code {
	case backend.EINVALID:
		return http.StatusBadRequest
	case backend.ENOTFOUND:
		return http.StatusNotFound
	case backend.ECONFLICT, backend.ECANCELED:
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// writeError answers API requests with the error as the UI reads it
// (backend.WireError, as the desktop window rejects with) and pages with text.
func writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		http.Error(w, msg, status)
		return
	}
	b, _ := json.Marshal(backend.WireError{Code: code, Message: msg})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b)
}
