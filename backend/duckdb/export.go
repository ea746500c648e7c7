package duckdb

import (
	"context"
	"fmt"
)

// Export writes a result, filtered and sorted as the request says (its
// Offset and Limit are ignored: an export is every row), to a file in the
// given format: "csv" (with a header) or "parquet". It returns the rows
// written.
func (s *Session) Export(ctx context.Context, req WindowRequest, format, path string) (int64, error) {
	if format != "csv" && format != "parquet" {
		return 0, fmt.Errorf("export %s: unknown format %q (csv or parquet)", req.Table, format)
	}
	src, _, release, err := s.windowSource(ctx, req)
	if err != nil {
		return 0, err
	}
	defer release()
	if format == "csv" {
		return s.WriteCSV(ctx, src, path)
	}
	return s.WriteParquet(ctx, src, path, ParquetOptions{})
}
