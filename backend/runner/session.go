// Package runner runs notebooks: SQL cells on a DuckDB session over the
// lake, results saved to the lake, an output notebook and a run record.
package runner

import (
	"context"
	"fmt"
	"strings"

	"smallfry/backend/duckdb"
	"smallfry/backend/lake"
	"smallfry/backend/runs"
)

// Env is what runs need from the workspace.
type Env struct {
	Root    string // the workspace folder; notebook paths in records are relative to it
	Lake    *lake.Lake
	Runs    *runs.Store
	TempDir string // DuckDB spills here
}

// OpenSession opens a DuckDB session in which every lake table is queryable
// by name and every raw dataset as raw.<name>. A raw dataset that cannot be
// read is reported through warn and left out; the others still work.
func OpenSession(ctx context.Context, env Env, warn func(string)) (*duckdb.Session, error) {
	s, err := duckdb.Open(ctx, duckdb.Config{TempDir: env.TempDir, Resolve: env.Lake.Resolve})
	if err != nil {
		return nil, err
	}
	raws, err := env.Lake.RawNames()
	if err != nil {
		s.Close()
		return nil, err
	}
	if len(raws) > 0 {
		if _, err := s.DB().ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS raw"); err != nil {
			s.Close()
			return nil, fmt.Errorf("create raw schema: %w", err)
		}
	}
	for _, name := range raws {
		// The view reads through the lake's resolver, so runs record raw reads too.
		q := "CREATE OR REPLACE VIEW raw." + duckdb.QuoteIdent(name) + " AS SELECT * FROM " + duckdb.QuoteIdent("raw/"+name)
		if _, err := s.DB().ExecContext(ctx, q); err != nil && warn != nil {
			warn(fmt.Sprintf("raw dataset raw.%s is not queryable: %v", name, err))
		}
	}
	return s, nil
}

// lakeName turns a name the resolver was asked for into the catalog's name.
func lakeName(lk *lake.Lake, asked string) string {
	if ds, ok := strings.CutPrefix(asked, "raw/"); ok {
		return "raw." + ds
	}
	return lk.CanonicalName(asked)
}
