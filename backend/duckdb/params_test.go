package duckdb

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"
)

// Each kind of parameter value binds as the SQL type it stands for, also
// where DuckDB types the parameter from its use (list_contains($ids, 2)
// makes it an INTEGER[]).
func TestParameterKinds(t *testing.T) {
	s := openSession(t)
	day := time.Date(1997, 1, 5, 0, 0, 0, 0, time.UTC)
	huge, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	tests := []struct {
		name   string
		sql    string
		params map[string]any
		want   string
	}{
		{"null", "SELECT $x IS NULL, coalesce($x, 3)", map[string]any{"x": nil}, "[[true 3]]"},
		{"date", "SELECT $d, typeof($d), $d + 1", map[string]any{"d": Date(day)}, "[[1997-01-05 DATE 1997-01-06]]"},
		{"date against a column", "SELECT count(*) FROM (SELECT DATE '1997-01-05' AS c) WHERE c = $d", map[string]any{"d": Date(day)}, "[[1]]"},
		{"timestamp", "SELECT $t, typeof($t)", map[string]any{"t": Timestamp(day.Add(90 * time.Minute))}, "[[1997-01-05 01:30:00 TIMESTAMP]]"},
		{"bignum", "SELECT $n::VARCHAR", map[string]any{"n": huge}, "[[123456789012345678901234567890]]"},
		{"blob", "SELECT octet_length($b)", map[string]any{"b": []byte{0, 1, 2}}, "[[3]]"},
		{"escapes kept", "SELECT $s, length($s)", map[string]any{"s": `a\nb` + "'"}, `[[a\nb' 5]]`},
		{"int list", "SELECT $ids, typeof($ids)", map[string]any{"ids": List{int64(1), int64(2)}}, "[[[1, 2] BIGINT[]]]"},
		{"list typed by its use", "SELECT list_contains($ids, 2), 3 = ANY($ids)", map[string]any{"ids": List{int64(1), int64(2)}}, "[[true false]]"},
		{"list against an INTEGER column", "SELECT i FROM range(5) t(r), (SELECT r::INTEGER AS i) WHERE list_contains($ids, i) ORDER BY i", map[string]any{"ids": List{int64(1), int64(3)}}, "[[1] [3]]"},
		{"list with NULL", "SELECT $ids, len($ids)", map[string]any{"ids": List{int64(1), nil, int64(3)}}, "[[[1, NULL, 3] 3]]"},
		{"string list", "SELECT $names[2], $names[3], typeof($names)", map[string]any{"names": List{"a", "it's", "c,d"}}, "[[it's c,d VARCHAR[]]]"},
		{"date list", "SELECT typeof($days)", map[string]any{"days": List{Date(day)}}, "[[DATE[]]]"},
		{"float list", "SELECT $xs, typeof($xs)", map[string]any{"xs": List{1.5, 2.0}}, "[[[1.5, 2.0] DOUBLE[]]]"},
		{"nested list", "SELECT $grid, typeof($grid)", map[string]any{"grid": List{List{int64(1)}, List{int64(2), int64(3)}}}, "[[[[1], [2, 3]] BIGINT[][]]]"},
		{"empty list", "SELECT len($ids)", map[string]any{"ids": List{}}, "[[0]]"},
		{"list named twice, in a string and a comment too", "SELECT len($ids) + len($ids), '$ids' -- $ids\n", map[string]any{"ids": List{int64(1)}}, "[[2 $ids]]"},
		{"unnest", "SELECT * FROM unnest($ids) ORDER BY 1", map[string]any{"ids": List{int64(2), int64(1)}}, "[[1] [2]]"},
		{"an unbindable value not named", "SELECT $x", map[string]any{"x": int64(1), "cfg": errors.New("no")}, "[[1]]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := s.Run(context.Background(), Cell{SQL: tt.sql, Params: tt.params})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got := rowsOf(t, s, res); got != tt.want {
				t.Errorf("rows = %s, want %s", got, tt.want)
			}
		})
	}
}

// Long lists bind in reasonable time: 200,000 ints as one value, 20,000
// with a NULL among them item by item.
func TestLongListParameter(t *testing.T) {
	s := openSession(t)
	for _, tc := range []struct {
		n     int
		null  bool
		limit time.Duration
	}{{200_000, false, 2 * time.Second}, {20_000, true, 5 * time.Second}} {
		ids := make(List, tc.n)
		for i := range ids {
			ids[i] = int64(i)
		}
		if tc.null {
			ids[0] = nil
		}
		start := time.Now()
		res, err := s.Run(context.Background(), Cell{SQL: "SELECT len($ids), list_contains($ids, 3) FROM range(3)", Params: map[string]any{"ids": ids}})
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("[%[1]s %[1]s %[1]s]", fmt.Sprintf("[%d true]", tc.n))
		if got := rowsOf(t, s, res); got != want {
			t.Errorf("rows = %s, want %s", got, want)
		}
		if d := time.Since(start); d > tc.limit {
			t.Errorf("a list of %d items (NULL among them: %v) took %s", tc.n, tc.null, d)
		} else {
			t.Logf("a list of %d items (NULL among them: %v): %s", tc.n, tc.null, d)
		}
	}
}

func TestExpandLists(t *testing.T) {
	text, params := expandLists("SELECT $ids, $ids__1, E'$ids', $x$ $ids $x$, $n, $fast", map[string]any{
		"ids": List{int64(1), List{"a"}}, "ids__1": "taken", "n": int64(1), "fast": List{"a", "b"}})
	if want := "SELECT [$ids__1_, [$ids__2__1]], $ids__1, E'$ids', $x$ $ids $x$, $n, CAST($fast AS VARCHAR[])"; text != want {
		t.Errorf("text = %s\nwant   %s", text, want)
	}
	if params["ids__1_"] != int64(1) || params["ids__2__1"] != "a" || params["ids__1"] != "taken" || fmt.Sprint(params["fast"]) != "[a b]" {
		t.Errorf("params = %v", params)
	}
	if strings.Count(text, "\n") != 0 {
		t.Error("lines moved")
	}
}

// rowsOf prints a result's rows with every value as DuckDB writes it as text.
func rowsOf(t *testing.T, s *Session, res *Result) string {
	t.Helper()
	rows, err := s.db.Query("SELECT COLUMNS(*)::VARCHAR FROM " + res.Table.String())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		row := make([]*string, len(cols))
		ptrs := make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		texts := make([]string, len(row))
		for i, v := range row {
			texts[i] = "NULL"
			if v != nil {
				texts[i] = *v
			}
		}
		out = append(out, texts)
	}
	return fmt.Sprint(out)
}
