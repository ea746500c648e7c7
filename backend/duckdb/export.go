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
	var options string
	switch format {
	case "csv":
		options = "(FORMAT csv, HEADER true)"
	case "parquet":
		options = "(FORMAT parquet, COMPRESSION zstd)"
	default:
		return 0, fmt.Errorf("export %s: unknown format %q (csv or parquet)", req.Table, format)
	}
	src, _, err := s.windowSource(ctx, req)
	if err != nil {
		return 0, err
	}
	r, err := s.db.ExecContext(ctx, "COPY (SELECT * FROM "+src.String()+") TO "+QuoteString(path)+" "+options)
	if err != nil {
		return 0, fmt.Errorf("export %s: %w", req.Table, err)
	}
	n, _ := r.RowsAffected()
	return n, nil
}
