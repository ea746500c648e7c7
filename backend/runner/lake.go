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
	"smallfry/backend/notebook"
)

// saveToLake writes a cell's result to the lake as Parquet; the lake
// commits it atomically, so a failure leaves the table's previous version.
func (r *run) saveToLake(ctx context.Context, res *duckdb.Result, save *notebook.LakeSave) (string, error) {
	if !res.HasRows() {
		return "", backend.Errorf(backend.EINVALID, "save to lake table %s: the cell's last statement returns no rows", save.Table)
	}
	for _, p := range save.PartitionBy {
		if !slices.ContainsFunc(res.Columns, func(c duckdb.Column) bool { return c.Name == p }) {
			return "", backend.Errorf(backend.EINVALID, "save to lake table %s: partition column %q is not in the result", save.Table, p)
		}
	}
	mode := lake.Overwrite
	if save.Mode == notebook.SavePartitions {
		mode = lake.ReplacePartitions
	}
	err := r.env.Lake.Write(ctx, save.Table, mode, func(ctx context.Context, dir string) error {
		target := filepath.Join(dir, "part-0.parquet")
		if len(save.PartitionBy) > 0 {
			target = dir
		}
		_, err := r.session.WriteParquet(ctx, res.Table, target, duckdb.ParquetOptions{PartitionBy: save.PartitionBy})
		return err
	})
	if err != nil {
		return "", err
	}
	if !slices.Contains(r.rec.Writes, save.Table) {
		r.rec.Writes = append(r.rec.Writes, save.Table)
	}
	msg := fmt.Sprintf("Saved %d rows to lake table %s", res.Rows, save.Table)
	if len(save.PartitionBy) > 0 {
		msg += fmt.Sprintf(", partitioned by %s (mode %s)", strings.Join(save.PartitionBy, ", "), mode)
	}
	return msg + ".\n", nil
}
