package duckdb

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestDropSystemSuggestions(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Catalog Error: Table with name nosuch does not exist!\nDid you mean \"pg_sequences\"?", "Catalog Error: Table with name nosuch does not exist!"},
		{"Table with name x does not exist!\nDid you mean \"pg_catalog.pg_enum\"?\n", "Table with name x does not exist!\n"},
		{"Table with name t does not exist!\nDid you mean \"information_schema.tables\"?", "Table with name t does not exist!"},
		{"Table with name d does not exist!\nDid you mean \"duckdb_tables\"?", "Table with name d does not exist!"},
		// The user's own names are worth suggesting.
		{"Table with name order does not exist!\nDid you mean \"orders\"?", "Table with name order does not exist!\nDid you mean \"orders\"?"},
		{"Referenced column \"nme\" not found. Did you mean \"name\"?", "Referenced column \"nme\" not found. Did you mean \"name\"?"},
	}
	for _, tt := range tests {
		if got := DropSystemSuggestions(tt.in); got != tt.want {
			t.Errorf("DropSystemSuggestions(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A parameter's value that does not fit where a statement uses it: the
// error is placed on the line of the $name, and names it.
func TestParameterErrorLine(t *testing.T) {
	s := openSession(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		sql    string
		params map[string]any
		line   int
		msg    string
	}{
		{"text for a number", "SELECT n\nFROM range(3) t(n)\nWHERE n < $year", map[string]any{"year": "nineteen"}, 3, "(parameter $year)"},
		{"the one at fault of two", "SELECT $label AS l,\n  n\nFROM range(3) t(n)\nWHERE n < $year", map[string]any{"label": "ok", "year": "abc"}, 4, "(parameter $year)"},
		{"a bad date (DuckDB places it)", "SELECT 1\nWHERE DATE '2024-01-01'\n  < $day::DATE", map[string]any{"day": "someday"}, 3, "someday"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Run(ctx, Cell{SQL: tt.sql, Params: tt.params})
			var se *SQLError
			if !errors.As(err, &se) {
				t.Fatalf("error %v, want a SQLError", err)
			}
			if se.Line != tt.line || !strings.Contains(se.Message, tt.msg) {
				t.Errorf("line %d %q, want line %d with %q", se.Line, se.Message, tt.line, tt.msg)
			}
		})
	}
}
