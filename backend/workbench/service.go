// Package workbench is the API the UI calls, whatever carries it: the Wails
// window (app) binds it, the browser server (package server) serves it over
// HTTP. Every exported method of Service takes a context first and returns
// a result and an error, or just an error.
package workbench

import (
	"sync"
	"time"

	"smallfry/backend/docker"

	"smallfry/backend/workspace"
)

// Service is one workspace's workbench: its open notebooks, each with a
// DuckDB session, and the events they push.
type Service struct {
	ws      *workspace.Workspace
	events  Events
	version string

	mu       sync.Mutex
	sessions map[string]*session
}

// New makes the workbench of an opened workspace. events may be nil.
func New(ws *workspace.Workspace, events Events, version string) *Service {
	if events == nil {
		events = discard{}
	}
	s := &Service{ws: ws, events: events, version: version, sessions: map[string]*session{}}
	var mu sync.Mutex // two sessions may pull at once
	var last time.Time
	ws.OnPull(func(image string, p docker.Progress) {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) < 100*time.Millisecond && p.Percent < 100 {
			return // at most every 100 ms, and always the end
		}
		last = time.Now()
		events.Emit(EventPull, PullEvent{Image: image, Status: p.Status, Percent: p.Percent})
	})
	return s
}

// Close ends every session, canceling what runs.
func (s *Service) Close() {
	s.mu.Lock()
	sessions := s.sessions
	s.sessions = map[string]*session{}
	s.mu.Unlock()
	for _, ss := range sessions {
		ss.close()
	}
}
