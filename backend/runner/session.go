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
}

// OpenSession opens a DuckDB session in which every lake table is queryable
// by name and every raw dataset as raw.<name>. The raw views are made when a
// cell first names them: binding one samples its JSON files, which only the
// cells that read the dataset should pay for.
func OpenSession(ctx context.Context, env Env) (*duckdb.Session, error) {
	return duckdb.Open(ctx, duckdb.Config{
		TempDir: env.TempDir,
		Resolve: env.Lake.Resolve,
		LazyViews: map[string]func(string) (string, bool){
			"raw": func(name string) (string, bool) {
				raws, err := env.Lake.RawNames()
				if err != nil {
					return "", false
				}
				for _, r := range raws {
					if strings.EqualFold(r, name) {
						// Through the lake's resolver, so runs record raw reads too.
						return "SELECT * FROM " + duckdb.QuoteIdent("raw/"+r), true
					}
				}
				return "", false
			},
		},
	})
}

// lakeName turns a name the resolver was asked for into the catalog's name.
func lakeName(lk *lake.Lake, asked string) string {
	if ds, ok := strings.CutPrefix(asked, "raw/"); ok {
		return "raw." + ds
	}
	return lk.CanonicalName(asked)
}
