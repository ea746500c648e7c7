// Package runner runs notebooks: it walks the cells in order, hands SQL
// cells to an engine and Python cells to a kernel, renders their outputs,
// saves results to the lake and keeps the run's record. What it runs on is
// given to it through the small interfaces below.
package runner

import (
	"context"

	"smallfry/backend/bridge"
	"smallfry/backend/duckdb"
	"smallfry/backend/kernel"
	"smallfry/backend/lake"
	"smallfry/backend/outputs"
	"smallfry/backend/runs"
)

// Engine runs a SQL cell. Whatever runs it, its result ends up as a table
// of the run's DuckDB session, where later cells, the grid and Python find
// it by name. The session itself is the engine of every cell that names
// none; the Spark cluster will be another.
type Engine interface {
	Run(ctx context.Context, c duckdb.Cell) (*duckdb.Result, error)
}

// Session is the DuckDB session a run works in: it runs SQL cells, holds
// their results and reads and writes them.
type Session interface {
	Engine
	outputs.Windower
	WriteParquet(ctx context.Context, t duckdb.Table, path string, opts duckdb.ParquetOptions) (int64, error)
}

// Python runs a notebook's Python cells beside the session (a bridge).
type Python interface {
	// Setup runs the parameters cells' code, once per kernel.
	Setup(ctx context.Context, code string) error
	Execute(ctx context.Context, code string, onOutput func(kernel.Output)) (*bridge.Outcome, error)
	// SQLRan says results may have changed since Python last saw them.
	SQLRan()
}

// History keeps the record of every run.
type History interface {
	Start(rec *runs.Record) error
	Finish(rec *runs.Record, output []byte) error
	// OutputPath is where a run's output notebook is kept.
	OutputPath(id string) string
}

// Lake is where SQL cells save their results.
type Lake interface {
	Write(ctx context.Context, table string, mode lake.Mode, fill func(ctx context.Context, dir string) error) (lake.Commit, error)
	// CanonicalName spells a table as the lake does, for the record.
	CanonicalName(name string) string
}

// Env is what every run of a workspace shares.
type Env struct {
	Root string // the workspace folder; notebook paths in records are relative to it
	Runs History
	Lake Lake
	// S3 is the company's S3 lake; nil when the workspace has none.
	S3 Lake
	// Version is Smallfry's, for output notebooks' metadata.papermill.
	Version string
}

var (
	_ Session = (*duckdb.Session)(nil)
	_ Python  = (*bridge.Bridge)(nil)
	_ History = (*runs.Store)(nil)
	_ Lake    = (*lake.Lake)(nil)
)
