// Package duckdb runs notebook SQL on an embedded DuckDB (duckdb-go): one
// Session per open notebook, results kept in DuckDB and served in windows.
package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"
)

// Config sets up a session's database.
type Config struct {
	// TempDir is where DuckDB spills results larger than memory ("" = DuckDB's default).
	TempDir string
	// Threads caps DuckDB's worker threads (0 = DuckDB's default, one per core).
	Threads int
	// Resolve names the table function that reads a table DuckDB does not
	// know (a lake table), e.g. "read_parquet" with a list of globs. ok=false
	// leaves the name unknown. It is how lake tables need no views, and how a
	// run learns which lake objects it read.
	Resolve func(name string) (function string, args []any, ok bool, err error)
	// JSONViews are schemas of JSON datasets. A cell that names schema.name
	// gets a view over the files the function's glob matches, made on first
	// mention: DuckDB samples the files once and the view pins the types it
	// found, so later queries do not sample again (with hundreds of small
	// files, sampling costs as much as the query). The function also gives
	// the dataset's own spelling of its name; ok=false means no such dataset.
	// Each statement that names a dataset counts as reading schema.name.
	JSONViews map[string]func(name string) (canonical, glob string, ok bool)
	// Catalogs are attached catalogs by name (s3): a cell names their
	// tables as name.table or name.schema.table (see Catalog).
	Catalogs map[string]Catalog
}

// Session is one private in-memory DuckDB database: a notebook's named
// results live here and cannot collide with another notebook's.
type Session struct {
	db *sql.DB

	execMu sync.Mutex // one cell runs at a time; windows run beside it
	exec   *sql.Conn  // the connection cells run on
	raw    mapping.Connection

	readsMu sync.Mutex
	reads   []string // lake objects resolved since the current cell started
	objects []string // what the attached views of the current cell read

	catalogs map[string]Catalog // by lower-case name
	attached map[string]string  // the definition of each attached view made

	jsonViews map[string]func(string) (string, string, bool) // by lower-case schema
	made      map[[2]string]bool                             // JSON views made so far

	seq     atomic.Int64
	viewsMu sync.Mutex
	views   map[string]*sortedView // by base table and ordering, see window.go
}

// internalSchema holds what the session makes for itself (unnamed results,
// sorted copies); user names live in main.
const internalSchema = "_smallfry"

// Open starts a session. It attempts no network access: extensions that are
// not bundled are never downloaded.
func Open(ctx context.Context, cfg Config) (*Session, error) {
	// Extensions that are not bundled would be downloaded on first use; we
	// never reach for the network, so a missing one is a clear error instead.
	connector, err := duckdb.NewConnector("?autoinstall_known_extensions=false&autoload_known_extensions=false", nil)
	if err != nil {
		return nil, fmt.Errorf("open duckdb: %w", err)
	}
	s := &Session{views: map[string]*sortedView{}, jsonViews: map[string]func(string) (string, string, bool){}, made: map[[2]string]bool{}}
	for schema, fn := range cfg.JSONViews {
		s.jsonViews[strings.ToLower(schema)] = fn
	}
	s.catalogs, s.attached = map[string]Catalog{}, map[string]string{}
	for name, c := range cfg.Catalogs {
		s.catalogs[strings.ToLower(name)] = c
	}
	if cfg.Resolve != nil {
		duckdb.RegisterReplacementScan(connector, func(name string) (string, []any, error) {
			fn, args, ok, err := cfg.Resolve(name)
			if err != nil || !ok {
				return "", nil, err
			}
			s.readsMu.Lock()
			if !slices.Contains(s.reads, name) {
				s.reads = append(s.reads, name)
			}
			s.readsMu.Unlock()
			return fn, args, nil
		})
	}
	db := sql.OpenDB(connector)
	s.db = db
	if err := s.init(ctx, cfg); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Session) init(ctx context.Context, cfg Config) error {
	global := []string{"CREATE SCHEMA IF NOT EXISTS " + QuoteIdent(internalSchema)}
	if cfg.TempDir != "" {
		global = append(global, "SET temp_directory = "+QuoteString(cfg.TempDir))
	}
	for schema := range cfg.JSONViews {
		global = append(global, "CREATE SCHEMA IF NOT EXISTS "+QuoteIdent(schema))
	}
	global = append(global, attachStatements(cfg.Catalogs)...)
	if cfg.Threads > 0 {
		global = append(global, fmt.Sprintf("SET threads = %d", cfg.Threads))
	}
	for _, q := range global {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("set up duckdb session (%s): %w", q, err)
		}
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("open duckdb connection: %w", err)
	}
	// Progress is only tracked when the progress bar is on; we never print it.
	for _, q := range []string{"SET enable_progress_bar = true", "SET enable_progress_bar_print = false", "SET progress_bar_time = 0"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			conn.Close()
			return fmt.Errorf("set up duckdb connection (%s): %w", q, err)
		}
	}
	if err := conn.Raw(func(dc any) error {
		raw, err := rawConnection(dc)
		s.raw = raw
		return err
	}); err != nil {
		conn.Close()
		return err
	}
	s.exec = conn
	return nil
}

// Close frees the session's database and everything in it.
func (s *Session) Close() error {
	s.execMu.Lock()
	defer s.execMu.Unlock()
	var errs []string
	if err := s.exec.Close(); err != nil {
		errs = append(errs, err.Error())
	}
	if err := s.db.Close(); err != nil {
		errs = append(errs, err.Error())
	}
	if len(errs) > 0 {
		return fmt.Errorf("close duckdb session: %s", strings.Join(errs, "; "))
	}
	return nil
}

// makeJSONViews creates the JSON views a statement names that do not exist
// yet, and records the reads. A dataset that cannot be read is an error of
// the statement that named it.
func (s *Session) makeJSONViews(ctx context.Context, stmt string) error {
	var refs [][2]string
	for _, chain := range dottedNames(stmt) {
		if _, ok := s.catalogs[strings.ToLower(chain[0])]; ok {
			continue // s3.raw.events is the attached catalog's
		}
		for i := 0; i+1 < len(chain); i++ {
			refs = append(refs, [2]string{chain[i], chain[i+1]})
		}
	}
	for _, ref := range refs {
		fn, ok := s.jsonViews[strings.ToLower(ref[0])]
		if !ok {
			continue
		}
		name, glob, ok := fn(ref[1])
		if !ok {
			continue // DuckDB reports the unknown name in the user's terms
		}
		s.readsMu.Lock()
		if read := ref[0] + "." + name; !slices.Contains(s.reads, read) {
			s.reads = append(s.reads, read)
		}
		s.readsMu.Unlock()
		key := [2]string{strings.ToLower(ref[0]), strings.ToLower(name)}
		if s.made[key] {
			continue
		}
		if err := s.makeJSONView(ctx, QuoteIdent(ref[0])+"."+QuoteIdent(name), glob, false); err != nil {
			return fmt.Errorf("%s.%s is not queryable: %w", ref[0], name, err)
		}
		s.made[key] = true
	}
	return nil
}

func (s *Session) makeJSONView(ctx context.Context, view, glob string, replace bool) error {
	rows, err := s.exec.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_json_auto("+QuoteString(glob)+"))")
	if err != nil {
		return err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return err
		}
		cols = append(cols, QuoteString(name)+": "+QuoteString(typ))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	create := "CREATE VIEW IF NOT EXISTS "
	if replace {
		create = "CREATE OR REPLACE VIEW "
	}
	q := create + view + " AS SELECT * FROM read_json(" + QuoteString(glob) + ", columns = {" + strings.Join(cols, ", ") + "})"
	_, err = s.exec.ExecContext(ctx, q)
	return err
}
