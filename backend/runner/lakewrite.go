package runner

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"smallfry/backend"
	"smallfry/backend/duckdb"
	"smallfry/backend/lake"
)

// saveToLake writes a cell's result to the lake as Parquet, atomically: a
// failure leaves the table's previous version as it was.
func (r *run) saveToLake(ctx context.Context, s *duckdb.Session, res *duckdb.Result, cfg *lakeConfig) (string, error) {
	if !res.HasRows() {
		return "", backend.Errorf(backend.EINVALID, "save to lake table %s: the cell's last statement returns no rows", cfg.Table)
	}
	cols := map[string]bool{}
	for _, c := range res.Columns {
		cols[c.Name] = true
	}
	var parts []string
	for _, p := range cfg.PartitionBy {
		if !cols[p] {
			return "", backend.Errorf(backend.EINVALID, "save to lake table %s: partition column %q is not in the result", cfg.Table, p)
		}
		parts = append(parts, duckdb.QuoteIdent(p))
	}
	err := r.env.Lake.Write(ctx, cfg.Table, lake.Mode(cfg.Mode), func(ctx context.Context, dir string) error {
		var q string
		if len(parts) > 0 {
			q = fmt.Sprintf("COPY (SELECT * FROM %s) TO %s (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (%s))",
				res.Table, duckdb.QuoteString(dir), strings.Join(parts, ", "))
		} else {
			q = fmt.Sprintf("COPY (SELECT * FROM %s) TO %s (FORMAT parquet, COMPRESSION zstd)",
				res.Table, duckdb.QuoteString(filepath.Join(dir, "part-0.parquet")))
		}
		_, err := s.DB().ExecContext(ctx, q)
		return err
	})
	if err != nil {
		return "", err
	}
	if !slices.Contains(r.rec.Writes, cfg.Table) {
		r.rec.Writes = append(r.rec.Writes, cfg.Table)
	}
	msg := fmt.Sprintf("Saved %d rows to lake table %s", res.Rows, cfg.Table)
	if len(cfg.PartitionBy) > 0 {
		msg += fmt.Sprintf(", partitioned by %s (mode %s)", strings.Join(cfg.PartitionBy, ", "), cfg.Mode)
	}
	return msg + ".\n", nil
}
