package duckdb

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
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
func sqlError(err error, st statement, i int) error {
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
		}
	case errors.As(err, &pe):
		if at := strings.Index(st.SQL, "$"+pe.name); at >= 0 {
			line = st.Line + strings.Count(st.SQL[:at], "\n")
		}
	}
	return &SQLError{Line: line, Statement: i + 1, Message: strings.TrimSpace(msg), Err: err}
}
