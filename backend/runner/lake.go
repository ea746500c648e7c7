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
	target, name := r.env.Lake, save.Table
	if save.Lake == notebook.LakeS3 {
		if r.env.S3 == nil {
			return "", backend.Errorf(backend.EINVALID, "save to s3.%s: this workspace has no S3 lake: import the company settings and sign in", save.Table)
		}
		target, name = r.env.S3, "s3."+save.Table
	}
	commit, err := target.Write(ctx, save.Table, mode, func(ctx context.Context, dir string) error {
		file := filepath.Join(dir, "part-0.parquet")
		if len(save.PartitionBy) > 0 {
			file = dir
		}
		_, err := r.session.WriteParquet(ctx, res.Table, file, duckdb.ParquetOptions{PartitionBy: save.PartitionBy})
		return err
	})
	if err != nil {
		return "", err
	}
	if !slices.Contains(r.rec.Writes, name) {
		r.rec.Writes = append(r.rec.Writes, name)
	}
	if save.Lake == notebook.LakeS3 {
		r.rec.ObjectsWritten = append(r.rec.ObjectsWritten, commit.Objects...)
	}
	msg := fmt.Sprintf("Saved %d rows to lake table %s", res.Rows, name)
	if len(save.PartitionBy) > 0 {
		msg += fmt.Sprintf(", partitioned by %s (mode %s)", strings.Join(save.PartitionBy, ", "), mode)
	}
	return msg + ".\n", nil
}
