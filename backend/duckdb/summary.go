package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"smallfry/backend"
)

// Summary describes one column of a result.
type Summary struct {
	Column   string       `json:"column"`
	Type     string       `json:"type"`
	Rows     int64        `json:"rows"`
	Nulls    int64        `json:"nulls"`
	Distinct int64        `json:"distinct"` // approximate (HyperLogLog)
	Min      *string      `json:"min,omitempty"`
	Max      *string      `json:"max,omitempty"`
	Bins     []Bin        `json:"bins,omitempty"` // numeric and temporal columns
	Top      []ValueCount `json:"top,omitempty"`  // other columns: the most frequent values
}

// Bin is one bar of a histogram: values up to and including Upper.
type Bin struct {
	Upper string `json:"upper"`
	Count int64  `json:"count"`
}

// ValueCount is a value and how often it occurs.
type ValueCount struct {
	Value *string `json:"value"`
	Count int64   `json:"count"`
}

// Summarize computes a column summary in DuckDB.
func (s *Session) Summarize(ctx context.Context, t Table, column string) (*Summary, error) {
	cols, err := s.Columns(ctx, t)
	if err != nil {
		return nil, err
	}
	sum := &Summary{Column: column}
	for _, c := range cols {
		if c.Name == column {
			sum.Type = c.Type
		}
	}
	if sum.Type == "" {
		return nil, backend.Errorf(backend.EINVALID, "result %s has no column %q", t.Name, column)
	}
	col := QuoteIdent(column)
	var mn, mx sql.NullString
	err = s.db.QueryRowContext(ctx, fmt.Sprintf(
		"SELECT count(*), count(*) - count(%[1]s), approx_count_distinct(%[1]s), CAST(min(%[1]s) AS VARCHAR), CAST(max(%[1]s) AS VARCHAR) FROM %[2]s",
		col, t)).Scan(&sum.Rows, &sum.Nulls, &sum.Distinct, &mn, &mx)
	if err != nil {
		return nil, fmt.Errorf("summarize %s.%s: %w", t, column, err)
	}
	if mn.Valid {
		sum.Min, sum.Max = &mn.String, &mx.String
	}
	if Classify(sum.Type).Numeric() && sum.Rows > sum.Nulls {
		sum.Bins, err = s.bins(ctx, t, col)
	} else {
		sum.Top, err = s.top(ctx, t, col)
	}
	if err != nil {
		return nil, fmt.Errorf("summarize %s.%s: %w", t, column, err)
	}
	return sum, nil
}

func (s *Session) bins(ctx context.Context, t Table, col string) ([]Bin, error) {
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(`
		WITH b AS (SELECT equi_width_bins(min(%[1]s), max(%[1]s), 10, true) AS bins FROM %[2]s),
		     h AS (SELECT histogram(%[1]s, (SELECT bins FROM b)) AS m FROM %[2]s)
		SELECT CAST(unnest(map_keys(m)) AS VARCHAR), unnest(map_values(m)) FROM h`, col, t))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Bin
	for rows.Next() {
		var b Bin
		if err := rows.Scan(&b.Upper, &b.Count); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

func (s *Session) top(ctx context.Context, t Table, col string) ([]ValueCount, error) {
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(
		"SELECT CAST(%[1]s AS VARCHAR) AS v, count(*) AS n FROM %[2]s GROUP BY ALL ORDER BY n DESC, v NULLS LAST LIMIT 10", col, t))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ValueCount
	for rows.Next() {
		var v sql.NullString
		var vc ValueCount
		if err := rows.Scan(&v, &vc.Count); err != nil {
			return nil, err
		}
		if v.Valid {
			vc.Value = &v.String
		}
		out = append(out, vc)
	}
	return out, rows.Err()
}
