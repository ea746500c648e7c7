package duckdb

import "strings"

// QuoteIdent quotes a SQL identifier for DuckDB: "my ""odd"" name".
func QuoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// QuoteString quotes a string literal, for the few places (view definitions
// over file paths) where DuckDB takes no parameters.
func QuoteString(s string) string {
	return `'` + strings.ReplaceAll(s, `'`, `''`) + `'`
}

// Table names a table or view in a session.
type Table struct {
	Schema string // "" means main
	Name   string
}

// String returns the quoted, schema-qualified name, ready for SQL text.
func (t Table) String() string {
	if t.Schema == "" {
		return QuoteIdent(t.Name)
	}
	return QuoteIdent(t.Schema) + "." + QuoteIdent(t.Name)
}
