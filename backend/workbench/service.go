// Package workbench is the API the UI calls, whatever carries it: the Wails
// window (app) binds it, the browser server (package server) serves it over
// HTTP. Every exported method of Service takes a context first and returns
// a result and an error, or just an error.
package workbench

import (
	"sync"

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
	return &Service{ws: ws, events: events, version: version, sessions: map[string]*session{}}
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
