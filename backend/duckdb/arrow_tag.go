//go:build !duckdb_arrow

package duckdb

// Smallfry reads results as Arrow, which duckdb-go compiles only with the
// duckdb_arrow build tag. Build through make, or add -tags duckdb_arrow.
var _ int = "smallfry needs the build tag duckdb_arrow: use make, or go build -tags duckdb_arrow"
