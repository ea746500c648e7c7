package duckdb

import (
	"context"
	"database/sql/driver"
	"fmt"
)

// Fill stores rows from elsewhere as the table target on conn (the
// session's cell connection, a *duckdb.Conn), created or replaced, and
// returns how many it stored.
type Fill func(ctx context.Context, conn driver.Conn, target Table) (int64, error)

// Import runs a cell that another engine (the Spark cluster) computes: fill
// stores its rows on the session's cell connection, under the cell's result
// name (or an internal table), so later cells, the grid and Python find them
// as if DuckDB had run the cell. It takes the session's turn like Run.
func (s *Session) Import(ctx context.Context, result string, fill Fill) (*Result, error) {
	s.execMu.Lock()
	defer s.execMu.Unlock()
	target := Table{Schema: internalSchema, Name: fmt.Sprintf("result_%d", s.seq.Add(1))}
	if result != "" {
		target = Table{Name: result}
	}
	res := &Result{Statements: 1, Table: target}
	err := s.exec.Raw(func(dc any) error {
		n, err := fill(ctx, dc.(driver.Conn), target)
		res.Rows = n
		return err
	})
	if err != nil {
		return nil, err
	}
	s.forgetViews(target)
	cols, err := s.Columns(ctx, target)
	if err != nil {
		return nil, err
	}
	res.Columns = cols
	return res, nil
}

// Has tells whether the session holds a table or view of that name in its
// main schema: a named result of an earlier cell, or a Python table.
func (s *Session) Has(ctx context.Context, name string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND lower(table_name) = lower(?)", name).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up %s: %w", name, err)
	}
	if n > 0 {
		return true, nil
	}
	err = s.db.QueryRowContext(ctx, "SELECT count(*) FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal AND lower(view_name) = lower(?)", name).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up %s: %w", name, err)
	}
	return n > 0, nil
}
