// Package workbench is the API the UI calls, whatever carries it: the Wails
// window (app) binds it, the browser server (package server) serves it over
// HTTP. Every exported method of Service takes a context first and returns
// a result and an error, or just an error.
package workbench

import (
	"context"
	"sync"

	"smallfry/backend/bridge"
	"smallfry/backend/duckdb"
	"smallfry/backend/lake"
	"smallfry/backend/notebook"
	"smallfry/backend/runner"
	"smallfry/backend/runs"
)

// Config is what a workbench is made of. One place builds it (package
// smallfry's App), for the window, the browser server and the tests alike.
type Config struct {
	Root      string // the workspace folder
	Notebooks string // the workspace's notebooks folder
	Lake      *lake.Lake
	Runs      *runs.Store
	// OpenSession opens a DuckDB session over the lake, one per notebook.
	OpenSession func(ctx context.Context) (*duckdb.Session, error)
	// OpenPython sets up a notebook session's Python side, without
	// starting its kernel. It is called when a Python cell first runs.
	OpenPython func(ctx context.Context, db *duckdb.Session, nb *notebook.Notebook, session string) (*bridge.Bridge, error)
	Events     Events // may be nil
	Version    string
	// Accounts is the company sign-in and S3 lake; nil leaves them out.
	Accounts Accounts
	// Scheduling is the company's Airflow; nil leaves publishing out.
	Scheduling Scheduling
	// Clusters are the company's Spark clusters; nil leaves them out.
	Clusters Clusters
	// SetupPython makes the managed Python environment, telling progress
	// each line of its output; nil leaves "Set up Python" out.
	SetupPython func(ctx context.Context, progress func(line string)) error
}

// Service is one workspace's workbench: its open notebooks, each with a
// DuckDB session, and the events they push.
type Service struct {
	cfg    Config
	events Events
	env    runner.Env

	mu       sync.Mutex
	sessions map[string]*session

	pub publishing // check runs waiting to be published

	setup setupJob // "Set up Python"
}

// New makes the workbench of an opened workspace.
func New(cfg Config) *Service {
	events := cfg.Events
	if events == nil {
		events = discard{}
	}
	return &Service{
		cfg: cfg, events: events, sessions: map[string]*session{},
		env: runner.Env{Root: cfg.Root, Runs: cfg.Runs, Lake: cfg.Lake, Version: cfg.Version},
	}
}

// runEnv is what runs share, with the S3 lake as it is now (settings may
// be imported while the workbench runs).
func (s *Service) runEnv() runner.Env {
	env := s.env
	if s.cfg.Accounts != nil {
		if lk := s.cfg.Accounts.Lake(); lk != nil {
			env.S3 = lk
		}
	}
	return env
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
