package duckdb

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"smallfry/backend"
)

// SQLError is an error placed in the cell's text: Line is the 1-based line
// of the cell's SQL it points at — DuckDB's position when it gives one, else
// the line where the failing statement starts.
type SQLError struct {
	Line      int
	Statement int    // 1-based statement of the cell
	Message   string // DuckDB's message without its own "LINE n:" excerpt
	Err       error
}

func (e *SQLError) Error() string { return "line " + strconv.Itoa(e.Line) + ": " + e.Message }

func (e *SQLError) Unwrap() error { return e.Err }

var lineRef = regexp.MustCompile(`(?m)^LINE (\d+):`)

// sqlError maps an error of statement st (index i of the cell) back to the
// cell's own line numbers. DuckDB counts lines within the statement text; we
// prepend nothing that spans lines, so the offset is the statement's start.
func sqlError(err error, st statement, i int, params map[string]any) error {
	line, msg := st.Line, err.Error()
	var de *duckdb.Error
	var pe *paramError
	switch {
	case errors.As(err, &de):
		msg = de.Msg
		if m := lineRef.FindStringSubmatchIndex(msg); m != nil {
			n, _ := strconv.Atoi(msg[m[2]:m[3]])
			line = st.Line + n - 1
			msg = msg[:m[0]]
		} else if name, ok := valueAtFault(de, st.SQL, params); ok {
			// A parameter's value that does not fit where it is used: DuckDB
			// names no place, the $name's line is it.
			line = st.Line + paramLine(st.SQL, name)
			msg = strings.TrimSpace(msg) + fmt.Sprintf(" (parameter $%s)", name)
		}
		msg = DropSystemSuggestions(msg)
	case errors.As(err, &pe):
		line = st.Line + paramLine(st.SQL, pe.name)
	}
	return &SQLError{Line: line, Statement: i + 1, Message: strings.TrimSpace(msg), Err: err}
}

// systemSuggestion is DuckDB's guess at one of its own catalog tables
// (pg_*, information_schema, duckdb_*, sqlite_*) for a name it did not
// find: never what an analyst meant, and it hides the real problem.
var systemSuggestion = regexp.MustCompile(`\s*Did you mean "(?:(?:pg_catalog|information_schema|main|system)\.)?(?:pg_|duckdb_|sqlite_|information_schema|pragma_)[^"]*"\?`)

// DropSystemSuggestions removes DuckDB's suggestions of its own catalog
// tables from an error message; suggestions of the user's names stay.
func DropSystemSuggestions(msg string) string {
	return systemSuggestion.ReplaceAllString(msg, "")
}

var paramRef = regexp.MustCompile(`\$([A-Za-z_][A-Za-z0-9_]*)`)

// valueAtFault tells which parameter a conversion error without a place
// is about: the one whose value the message quotes, else the statement's
// only parameter.
func valueAtFault(de *duckdb.Error, sql string, params map[string]any) (string, bool) {
	switch de.Type {
	case duckdb.ErrorTypeConversion, duckdb.ErrorTypeInvalidInput, duckdb.ErrorTypeMismatchType, duckdb.ErrorTypeOutOfRange:
	default:
		return "", false
	}
	var named []string
	for _, m := range paramRef.FindAllStringSubmatch(sql, -1) {
		if _, ok := params[m[1]]; ok && !contains(named, m[1]) {
			named = append(named, m[1])
		}
	}
	for _, name := range named {
		if v := fmt.Sprint(params[name]); v != "" && (strings.Contains(de.Msg, "'"+v+"'") || strings.Contains(de.Msg, `"`+v+`"`)) {
			return name, true
		}
	}
	if len(named) == 1 {
		return named[0], true
	}
	return "", false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// paramLine is the 0-based line of the statement where $name first
// appears (0 when it does not).
func paramLine(sql, name string) int {
	for _, m := range paramRef.FindAllStringSubmatchIndex(sql, -1) {
		if sql[m[2]:m[3]] == name {
			return strings.Count(sql[:m[0]], "\n")
		}
	}
	return 0
}

// noResult is a window, summary or export of a result the session does
// not hold: the notebook was reopened, or the cell renamed its result.
func noResult(t Table) error {
	return backend.Errorf(backend.ENOTFOUND, "there is no result %s in this notebook's session: run its cell again", t.Name)
}

func isCatalogError(err error) bool {
	var de *duckdb.Error
	return errors.As(err, &de) && de.Type == duckdb.ErrorTypeCatalog
}

// filterMistake tells whether a filter failed on its value (text where
// the column holds numbers, a malformed date) and says so without DuckDB's
// excerpt of the statement the user never wrote.
func filterMistake(err error) (string, bool) {
	var de *duckdb.Error
	if !errors.As(err, &de) {
		return "", false
	}
	switch de.Type {
	case duckdb.ErrorTypeConversion, duckdb.ErrorTypeInvalidInput, duckdb.ErrorTypeMismatchType, duckdb.ErrorTypeOutOfRange, duckdb.ErrorTypeBinder:
	default:
		return "", false
	}
	msg := de.Msg
	if m := lineRef.FindStringIndex(msg); m != nil {
		msg = msg[:m[0]]
	}
	return strings.TrimSpace(DropSystemSuggestions(msg)) + " (the value does not fit the column's type)", true
}
