// Package runner runs notebooks: SQL cells on a DuckDB session over the
// lake, results saved to the lake, an output notebook and a run record.
package runner

import (
	"context"
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
	Python  Python // how Python cells run
}

// OpenSession opens a DuckDB session in which every lake table is queryable
// by name and every raw dataset as raw.<name>.
func OpenSession(ctx context.Context, env Env) (*duckdb.Session, error) {
	return duckdb.Open(ctx, duckdb.Config{
		TempDir:   env.TempDir,
		Resolve:   env.Lake.Resolve,
		JSONViews: map[string]func(string) (string, string, bool){"raw": env.Lake.RawGlob},
	})
}

// lakeName turns a name the session reports as read into the catalog's
// name: raw datasets come as raw.<name>, tables as SQL spelled them.
func lakeName(lk *lake.Lake, asked string) string {
	if strings.HasPrefix(asked, "raw.") {
		return asked
	}
	return lk.CanonicalName(asked)
}
