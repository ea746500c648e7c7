package duckdb

import (
	"context"
	"fmt"
)

// ResultSize is a named result's size, for the variables panel.
type ResultSize struct {
	Name    string `json:"name"`
	Rows    int64  `json:"rows"` // -1 for a view: counting it would run its query
	Columns int    `json:"columns"`
}

// ResultSizes lists the session's own tables and views in main (those
// NamedTables lists) with their row and column counts, sorted by name. A
// table's count is DuckDB's own (exact for its tables); a view is not run.
func (s *Session) ResultSizes(ctx context.Context) ([]ResultSize, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT table_name, estimated_size, column_count FROM duckdb_tables()
			WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal AND NOT temporary
		UNION ALL
		SELECT v.view_name, -1, (SELECT count(*) FROM duckdb_columns() c
				WHERE c.database_name = v.database_name AND c.schema_name = v.schema_name AND c.table_name = v.view_name)
			FROM duckdb_views() v
			WHERE v.database_name = current_database() AND v.schema_name = 'main' AND NOT v.internal AND NOT v.temporary
		ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("list named results: %w", err)
	}
	defer rows.Close()
	out := []ResultSize{}
	for rows.Next() {
		var r ResultSize
		if err := rows.Scan(&r.Name, &r.Rows, &r.Columns); err != nil {
			return nil, fmt.Errorf("list named results: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
