package duckdb

import (
	"reflect"
	"testing"
	"time"
)

func TestKeyFilter(t *testing.T) {
	days := []string{"2026-01-01", "2026-01-02", "2026-01-03", "2026-02-01"}
	params := map[string]any{"day": "2026-01-02", "when": time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC), "n": 2}
	tests := []struct {
		name, sql string
		want      []string // nil: no filter
	}{
		{"equals", "SELECT * FROM s3.events WHERE day = '2026-01-02'", []string{"2026-01-02"}},
		{"reversed", "SELECT * FROM s3.events WHERE '2026-01-02' = day", []string{"2026-01-02"}},
		{"qualified", "SELECT e.x FROM s3.events e WHERE e.day = '2026-01-02' AND e.x > 3", []string{"2026-01-02"}},
		{"quoted column", `SELECT * FROM s3.events WHERE "day" = '2026-01-02'`, []string{"2026-01-02"}},
		{"date literal", "SELECT * FROM s3.events WHERE day = DATE '2026-01-03'", []string{"2026-01-03"}},
		{"cast literal", "SELECT * FROM s3.events WHERE day = '2026-01-03'::DATE", []string{"2026-01-03"}},
		{"in list", "SELECT * FROM s3.events WHERE day IN ('2026-01-01', '2026-02-01')", []string{"2026-01-01", "2026-02-01"}},
		{"between", "SELECT * FROM s3.events WHERE day BETWEEN '2026-01-02' AND '2026-01-03'", []string{"2026-01-02", "2026-01-03"}},
		{"range", "SELECT * FROM s3.events WHERE day >= '2026-01-02' AND day < '2026-02-01'", []string{"2026-01-02", "2026-01-03"}},
		{"parameter", "SELECT * FROM s3.events WHERE day = $day", []string{"2026-01-02"}},
		{"date parameter", "SELECT * FROM s3.events WHERE day = $when", []string{"2026-01-03"}},
		{"selected and grouped too", "SELECT day, count(*) FROM s3.events WHERE day = '2026-01-01' GROUP BY day ORDER BY day", []string{"2026-01-01"}},
		{"no filter", "SELECT day FROM s3.events", nil},
		{"unknown parameter", "SELECT * FROM s3.events WHERE day = $nope", nil},
		{"function of the column", "SELECT * FROM s3.events WHERE year(day) = 2026", nil},
		{"not in", "SELECT * FROM s3.events WHERE day NOT IN ('2026-01-01')", nil},
		{"negated", "SELECT * FROM s3.events WHERE NOT day = '2026-01-01'", nil},
		{"join on it", "SELECT * FROM s3.events a JOIN s3.other b ON a.day = b.day", nil},
		{"arithmetic after", "SELECT * FROM s3.events WHERE day = '2026-01-01' || 'x'", nil},
		{"like", "SELECT * FROM s3.events WHERE day LIKE '2026-01%'", nil},
		{"in a string", "SELECT 'day = 2026-01-01' FROM s3.events", nil},
		{"in a comment", "SELECT * FROM s3.events -- WHERE day = '2026-01-01'", nil},
		{"struct field", "SELECT * FROM s3.events WHERE day.x = '2026-01-01'", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			match, ok := KeyFilter(tt.sql, "day", params)
			if ok != (tt.want != nil) {
				t.Fatalf("KeyFilter(%q) ok = %v, want %v", tt.sql, ok, tt.want != nil)
			}
			if !ok {
				return
			}
			var got []string
			for _, d := range days {
				if match(d) {
					got = append(got, d)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("KeyFilter(%q) keeps %v, want %v", tt.sql, got, tt.want)
			}
		})
	}
	t.Run("numbers compare as numbers", func(t *testing.T) {
		match, ok := KeyFilter("SELECT * FROM t WHERE month >= $n AND month < 10", "month", params)
		if !ok {
			t.Fatal("no filter")
		}
		for v, want := range map[string]bool{"1": false, "2": true, "9": true, "10": false, "11": false} {
			if match(v) != want {
				t.Errorf("month=%s: match = %v, want %v", v, !want, want)
			}
		}
	})
}
