package duckdb

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// File formats DuckDB reads for an import, and the table function that
// detects each one's types.
const (
	FormatCSV     = "csv"
	FormatJSON    = "json" // JSON lines, or one JSON array of objects
	FormatParquet = "parquet"
)

func readerOf(format string) (string, error) {
	switch format {
	case FormatCSV:
		return "read_csv_auto", nil
	case FormatJSON:
		return "read_json_auto", nil
	case FormatParquet:
		return "read_parquet", nil
	}
	return "", fmt.Errorf("unknown file format %q (csv, json or parquet)", format)
}

// fileSource is the FROM clause that reads a file. The path is quoted, not
// bound: DuckDB binds table functions' arguments before parameters.
func fileSource(path, format string) (string, error) {
	fn, err := readerOf(format)
	if err != nil {
		return "", err
	}
	return fn + "(" + QuoteString(path) + ")", nil
}

// FilePreview is what DuckDB detects in a file: its columns with their
// types and its first rows, each value as JSON.
type FilePreview struct {
	Columns []Column
	Rows    [][]json.RawMessage
}

// RaggedCSVError is a CSV file whose first lines DuckDB's sniffer had to
// skip to find rows of one shape: reading on would drop them silently.
type RaggedCSVError struct{ SkippedLines int }

func (e *RaggedCSVError) Error() string {
	return fmt.Sprintf("its rows do not all have the same number of fields: DuckDB finds one table shape only after skipping the first %d line(s)", e.SkippedLines)
}

// checkCSV refuses a CSV file the sniffer reads only by skipping lines.
func (s *Session) checkCSV(ctx context.Context, path string) error {
	var skip int
	if err := s.db.QueryRowContext(ctx, "SELECT SkipRows FROM sniff_csv(?)", path).Scan(&skip); err != nil {
		return err
	}
	if skip > 0 {
		return &RaggedCSVError{SkippedLines: skip}
	}
	return nil
}

// PreviewFile reads the columns DuckDB detects in a file and its first
// limit rows, without loading the rest.
func (s *Session) PreviewFile(ctx context.Context, path, format string, limit int) (*FilePreview, error) {
	src, err := fileSource(path, format)
	if err != nil {
		return nil, err
	}
	if format == FormatCSV {
		if err := s.checkCSV(ctx, path); err != nil {
			return nil, err
		}
	}
	rows, err := s.db.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "+src+")")
	if err != nil {
		return nil, err
	}
	p := &FilePreview{}
	for rows.Next() {
		var c Column
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			rows.Close()
			return nil, err
		}
		p.Columns = append(p.Columns, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// to_json keeps every type readable (dates, decimals, lists, structs)
	// the way DuckDB itself prints them as JSON.
	rows, err = s.db.QueryContext(ctx, fmt.Sprintf("SELECT to_json(t)::VARCHAR FROM (SELECT * FROM %s LIMIT %d) AS t", src, limit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			return nil, err
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(text), &obj); err != nil {
			return nil, fmt.Errorf("read a preview row: %w", err)
		}
		row := make([]json.RawMessage, len(p.Columns))
		for i, c := range p.Columns {
			if v, ok := obj[c.Name]; ok {
				row[i] = v
			} else {
				row[i] = json.RawMessage("null")
			}
		}
		p.Rows = append(p.Rows, row)
	}
	return p, rows.Err()
}

// ImportFile reads every row of a file, with the types DuckDB detects,
// and writes them to the Parquet file out. It returns the rows written. A
// file DuckDB cannot read whole fails here, before anything is committed.
func (s *Session) ImportFile(ctx context.Context, path, format, out string) (int64, error) {
	src, err := fileSource(path, format)
	if err != nil {
		return 0, err
	}
	if format == FormatCSV {
		if err := s.checkCSV(ctx, path); err != nil {
			return 0, err
		}
	}
	r, err := s.db.ExecContext(ctx, "COPY (SELECT * FROM "+src+") TO "+QuoteString(out)+" (FORMAT parquet, COMPRESSION zstd)")
	if err != nil {
		return 0, err
	}
	n, _ := r.RowsAffected()
	return n, nil
}

// ImportError makes DuckDB's message about a file one a user reads: the
// file named as the user knows it, without the list of reader options
// DuckDB appends to CSV errors.
func ImportError(err error, path, name string) string {
	msg := strings.ReplaceAll(err.Error(), path, name)
	for _, tail := range []string{"\nThe search space used", "\nPossible fixes", "\n\nLINE ", "\nLINE "} {
		if i := strings.Index(msg, tail); i > 0 {
			msg = msg[:i]
		}
	}
	msg = strings.TrimPrefix(msg, "Invalid Input Error: ")
	msg = strings.TrimPrefix(msg, "IO Error: ")
	return strings.Join(strings.Fields(msg), " ")
}
