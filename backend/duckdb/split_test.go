package duckdb

import (
	"reflect"
	"testing"
)

func TestSplitStatements(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []statement
	}{
		{"single", "SELECT 1", []statement{{"SELECT 1", 1}}},
		{"trailing semicolon and space", "SELECT 1;\n\n", []statement{{"SELECT 1", 1}}},
		{"two on two lines", "SELECT 1;\nSELECT 2;", []statement{{"SELECT 1", 1}, {"SELECT 2", 2}}},
		{"leading comment moves the start line", "-- totals\n\nSELECT 1", []statement{{"SELECT 1", 3}}},
		{"semicolon in string", "SELECT 'a;b'; SELECT 2", []statement{{"SELECT 'a;b'", 1}, {"SELECT 2", 1}}},
		{"doubled quote", "SELECT 'it''s;'", []statement{{"SELECT 'it''s;'", 1}}},
		{"quoted identifier", `SELECT 1 AS "a;b"`, []statement{{`SELECT 1 AS "a;b"`, 1}}},
		{"escape string", `SELECT E'\';'; SELECT 2`, []statement{{`SELECT E'\';'`, 1}, {"SELECT 2", 1}}},
		{"dollar string", "SELECT $$a;\nb$$;\nSELECT 2", []statement{{"SELECT $$a;\nb$$", 1}, {"SELECT 2", 3}}},
		{"tagged dollar string", "SELECT $x$;$x$", []statement{{"SELECT $x$;$x$", 1}}},
		{"parameter is not a quote", "SELECT $year; SELECT 2", []statement{{"SELECT $year", 1}, {"SELECT 2", 1}}},
		{"line comment with semicolon", "SELECT 1 -- a;b\n, 2", []statement{{"SELECT 1 -- a;b\n, 2", 1}}},
		{"block comment", "/* a;\nb */ SELECT 1", []statement{{"SELECT 1", 2}}},
		{"only comments", "-- nothing here\n/* nor here */", nil},
		{"empty statements", ";;SELECT 1;;", []statement{{"SELECT 1", 1}}},
		{"unterminated string", "SELECT 'abc", []statement{{"SELECT 'abc", 1}}},
		{"unterminated comment", "SELECT 1 /* abc", []statement{{"SELECT 1 /* abc", 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitStatements(tt.src)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("splitStatements(%q)\n got %+v\nwant %+v", tt.src, got, tt.want)
			}
		})
	}
}

func FuzzSplitStatements(f *testing.F) {
	for _, s := range []string{"SELECT 1; SELECT 2", "SELECT '';", "$a$;$a$", "/*", "E'\\'",
		"SELECT * FROM s3.raw.x WHERE day IN ('a', $day) AND day BETWEEN DATE '1' AND '2'::DATE"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		for _, st := range splitStatements(src) {
			if st.SQL == "" || st.Line < 1 {
				t.Fatalf("bad statement %+v from %q", st, src)
			}
			// The lexers that read names and partition filters out of
			// user SQL take any text.
			for _, chain := range dottedNames(st.SQL) {
				if len(chain) < 2 {
					t.Fatalf("dottedNames(%q) gave %q", st.SQL, chain)
				}
			}
			if match, ok := KeyFilter(st.SQL, "day", map[string]any{"day": "2026-01-01"}); ok {
				match("2026-01-01")
			}
		}
	})
}

func TestDottedNames(t *testing.T) {
	tests := []struct {
		name, sql string
		want      [][]string
	}{
		{"bare", "SELECT * FROM raw.events", [][]string{{"raw", "events"}}},
		{"quoted", `SELECT * FROM "raw"."Page Views" JOIN raw."x""y" USING (id)`, [][]string{{"raw", "Page Views"}, {"raw", `x"y`}}},
		{"spaced and commented", "SELECT * FROM raw . /* c */ events", [][]string{{"raw", "events"}}},
		{"in a string", "SELECT 'raw.events', $$raw.x$$", nil},
		{"in a comment", "SELECT 1 -- FROM raw.events\n", nil},
		{"column refs", "SELECT e.type FROM raw.events e", [][]string{{"e", "type"}, {"raw", "events"}}},
		{"three parts", "SELECT * FROM s3.raw.events", [][]string{{"s3", "raw", "events"}}},
		{"numbers are not names", "SELECT 1.5, x.y FROM t", [][]string{{"x", "y"}}},
		{"unterminated", `SELECT * FROM "raw`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := dottedNames(tt.sql)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("dottedNames(%q) = %q, want %q", tt.sql, got, tt.want)
			}
		})
	}
}
