package duckdb

import (
	"context"
	"fmt"
	"strings"
)

// ParquetOptions shape a Parquet write.
type ParquetOptions struct {
	// PartitionBy writes Hive partitions (key=value/ folders) under the
	// path, which is then a folder; without it the path is one file.
	PartitionBy []string
	// Uncompressed skips zstd, for hand-offs read once right away.
	Uncompressed bool
}

// WriteParquet writes every row of a table to Parquet: the one way the
// engine writes Parquet (lake saves, the sample lake, hand-offs to Python,
// exports). It returns the rows written.
func (s *Session) WriteParquet(ctx context.Context, t Table, path string, opts ParquetOptions) (int64, error) {
	options := []string{"FORMAT parquet"}
	if !opts.Uncompressed {
		options = append(options, "COMPRESSION zstd")
	}
	if len(opts.PartitionBy) > 0 {
		cols := make([]string, len(opts.PartitionBy))
		for i, c := range opts.PartitionBy {
			cols[i] = QuoteIdent(c)
		}
		options = append(options, "PARTITION_BY ("+strings.Join(cols, ", ")+")")
	}
	n, err := s.copyTo(ctx, t, path, strings.Join(options, ", "))
	if err != nil {
		return 0, fmt.Errorf("write %s to parquet: %w", t, err)
	}
	return n, nil
}

// WriteCSV writes every row of a table to a CSV file with a header.
func (s *Session) WriteCSV(ctx context.Context, t Table, path string) (int64, error) {
	n, err := s.copyTo(ctx, t, path, "FORMAT csv, HEADER true")
	if err != nil {
		return 0, fmt.Errorf("write %s to csv: %w", t, err)
	}
	return n, nil
}

func (s *Session) copyTo(ctx context.Context, t Table, path, options string) (int64, error) {
	r, err := s.db.ExecContext(ctx, "COPY (SELECT * FROM "+t.String()+") TO "+QuoteString(path)+" ("+options+")")
	if err != nil {
		return 0, err
	}
	n, _ := r.RowsAffected()
	return n, nil
}

// LoadParquet makes table name (in main, replacing one of that name) from
// the rows of Parquet files.
func (s *Session) LoadParquet(ctx context.Context, name string, files ...string) error {
	quoted := make([]string, len(files))
	for i, f := range files {
		quoted[i] = QuoteString(f)
	}
	q := "CREATE OR REPLACE TABLE " + QuoteIdent(name) + " AS SELECT * FROM read_parquet([" + strings.Join(quoted, ", ") + "])"
	if _, err := s.db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("load %s from parquet: %w", name, err)
	}
	return nil
}

// Drop removes a table of the session, if it exists.
func (s *Session) Drop(ctx context.Context, t Table) error {
	if _, err := s.db.ExecContext(ctx, "DROP TABLE IF EXISTS "+t.String()); err != nil {
		return fmt.Errorf("drop %s: %w", t, err)
	}
	return nil
}

// NamedTable is a table or view the notebook's cells made under a name of
// their own (named results, tables from Python, CREATE TABLE), with its
// column names.
type NamedTable struct {
	Name    string
	Columns []string
}

// NamedTables lists the session's own tables and views in main (not the
// lake's, which are never made as tables), sorted by name.
func (s *Session) NamedTables(ctx context.Context) ([]NamedTable, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT table_name, list(column_name ORDER BY column_index)
		FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
		GROUP BY table_name ORDER BY table_name`)
	if err != nil {
		return nil, fmt.Errorf("list named results: %w", err)
	}
	defer rows.Close()
	var out []NamedTable
	for rows.Next() {
		var name string
		var cols []any
		if err := rows.Scan(&name, &cols); err != nil {
			return nil, fmt.Errorf("list named results: %w", err)
		}
		t := NamedTable{Name: name, Columns: make([]string, 0, len(cols))}
		for _, c := range cols {
			t.Columns = append(t.Columns, fmt.Sprint(c))
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
