package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sort"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Cell is one SQL cell to run.
type Cell struct {
	SQL string
	// Params are bound to $name placeholders by name (see Date for the
	// values they take). A statement that names a placeholder with no
	// value, or with an error as its value, fails; unused values are fine.
	Params map[string]any
	// Result is the table the last statement's rows are kept in: a named
	// result later cells query by that name. "" keeps them in an internal table.
	Result string
	// OnProgress, when set, receives DuckDB's estimate at most every 100 ms.
	OnProgress func(Progress)
}

// Result says what a cell left behind.
type Result struct {
	Table      Table // where the rows live; zero when the last statement returned none
	Columns    []Column
	Rows       int64
	Changed    int64 // rows changed by a final INSERT, UPDATE, DELETE or COPY
	Statements int
	TablesRead []string // lake objects the cell read, as Config.Resolve was asked for them
	// ObjectsRead are what the attached views the cell named read (see
	// Catalog), for the run's lineage.
	ObjectsRead []string

	// Set when another engine ran the cell (a Spark cluster, see Import):
	Engine        string // its name
	Operation     string // the id of the cell's last operation there
	BytesReturned int64  // the bytes it sent back
	// Notice says how the result was kept, when not as usual (over the
	// cluster's cap it stays in the lake); Rows is -1 when not counted.
	Notice         string
	TablesWritten  []string // lake tables written for the result (s3.cluster_x)
	ObjectsWritten []string // their objects, as location#etag
}

// HasRows reports whether the cell produced a result set.
func (r *Result) HasRows() bool { return r.Table.Name != "" }

// Column is a result column with its DuckDB type name.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Run executes a cell's statements in order on the session's cell connection.
// It stops at the first failing statement with a *SQLError placed on the
// cell's line, or with ctx's error when ctx was canceled (DuckDB is
// interrupted and returns within a few hundred milliseconds).
func (s *Session) Run(ctx context.Context, c Cell) (*Result, error) {
	s.execMu.Lock()
	defer s.execMu.Unlock()
	stmts := splitStatements(c.SQL)
	res := &Result{Statements: len(stmts)}
	target := Table{Schema: internalSchema, Name: fmt.Sprintf("result_%d", s.seq.Add(1))}
	if c.Result != "" {
		target = Table{Name: c.Result}
	}
	s.readsMu.Lock()
	s.reads, s.objects = nil, nil
	s.readsMu.Unlock()
	defer func() {
		s.readsMu.Lock()
		res.TablesRead, res.ObjectsRead = s.reads, s.objects
		s.readsMu.Unlock()
	}()
	for i, st := range stmts {
		var download func(Download)
		if c.OnProgress != nil {
			download = func(d Download) {
				c.OnProgress(Progress{Statement: i + 1, Statements: len(stmts), Percent: -1, Downloaded: d.Done, DownloadTotal: d.Total})
			}
		}
		if err := s.makeViews(ctx, st.SQL, c.Params, download); err != nil {
			return nil, s.locate(viewError(err, st, i))
		}
		if err := s.makeJSONViews(ctx, st.SQL); err != nil {
			return nil, &SQLError{Line: st.Line, Statement: i + 1, Message: err.Error(), Err: err}
		}
		stop := make(chan struct{})
		done := make(chan struct{})
		if c.OnProgress != nil {
			go func(i int) {
				defer close(done)
				watchProgress(s.raw, stop, func(pct float64, rows, total uint64) {
					c.OnProgress(Progress{Statement: i + 1, Statements: len(stmts), Percent: pct, Rows: rows, TotalRows: total})
				})
			}(i)
		} else {
			close(done)
		}
		run := func() error {
			return s.exec.Raw(func(dc any) error {
				return s.runStatement(ctx, dc.(*duckdb.Conn), st.SQL, c.Params, i == len(stmts)-1, target, res)
			})
		}
		err := run()
		// A view of an attached catalog may name files not fetched yet
		// (partitions the statement was expected to skip): fetch, run again.
		for try := 0; err != nil && ctx.Err() == nil && try < maxMissing; try++ {
			retry, ferr := s.retryMissing(ctx, err, download)
			if ferr != nil {
				err = ferr
				break
			}
			if !retry {
				break
			}
			if verr := s.makeViews(ctx, st.SQL, c.Params, download); verr != nil {
				err = verr
				break
			}
			err = run()
		}
		close(stop)
		<-done
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("statement %d: %w", i+1, ctx.Err())
			}
			return nil, s.locate(sqlError(err, st, i, c.Params))
		}
	}
	if res.HasRows() {
		s.forgetViews(target)
		if err := s.describe(ctx, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func (s *Session) runStatement(ctx context.Context, conn *duckdb.Conn, text string, params map[string]any, last bool, target Table, res *Result) error {
	text, params = expandLists(text, params)
	if last && looksLikeQuery(text) {
		// Preparing binds, and binding a lake scan reads footers or samples
		// JSON; going straight to CREATE TABLE AS binds the query once.
		if ok, err := s.createAs(ctx, conn, text, params, target, res); ok {
			return err
		}
	}
	prepared, err := conn.PrepareContext(ctx, text)
	if err != nil {
		return err
	}
	stmt := prepared.(*duckdb.Stmt)
	defer stmt.Close()
	args, err := bindArgs(stmt, params)
	if err != nil {
		return err
	}
	if !last || !returnsRows(stmt) {
		r, err := stmt.ExecContext(ctx, args)
		if err != nil {
			return err
		}
		if last {
			res.Changed, _ = r.RowsAffected()
		}
		return nil
	}
	if typ, _ := stmt.StatementType(); typ == duckdb.STATEMENT_TYPE_SELECT {
		// DESCRIBE, SHOW, SUMMARIZE and PRAGMA report SELECT but cannot follow AS.
		if ok, err := s.createAs(ctx, conn, text, params, target, res); ok {
			return err
		}
	}
	return s.materializeRows(ctx, conn, text, args, target, res)
}

// createAs keeps a query's rows by having DuckDB write them straight into
// the target table. ok is false when the text cannot follow AS; err is then
// nil and the caller takes another way (which also reports SQL errors
// against the cell's own text rather than the wrapped one).
func (s *Session) createAs(ctx context.Context, conn *duckdb.Conn, text string, params map[string]any, target Table, res *Result) (ok bool, err error) {
	prepared, err := conn.PrepareContext(ctx, "CREATE OR REPLACE TABLE "+target.String()+" AS "+text)
	if err != nil {
		return false, nil
	}
	stmt := prepared.(*duckdb.Stmt)
	defer stmt.Close()
	args, err := bindArgs(stmt, params)
	if err != nil {
		return true, err
	}
	if _, err := stmt.ExecContext(ctx, args); err != nil {
		return true, err
	}
	res.Table = target
	return true, nil
}

// looksLikeQuery tells statements that can follow CREATE TABLE ... AS by
// their first keyword, without binding them.
func looksLikeQuery(text string) bool {
	word := strings.ToUpper(firstWord(text))
	switch word {
	case "SELECT", "WITH", "FROM", "VALUES", "TABLE", "(", "PIVOT", "UNPIVOT":
		return true
	}
	return false
}

// materializeRows keeps the rows of any statement (EXPLAIN, CALL, SHOW...)
// by streaming them back into DuckDB as Arrow.
func (s *Session) materializeRows(ctx context.Context, conn *duckdb.Conn, text string, args []driver.NamedValue, target Table, res *Result) error {
	ar, err := duckdb.NewArrowFromConn(conn)
	if err != nil {
		return err
	}
	anyArgs := make([]any, len(args))
	for i, a := range args {
		anyArgs[i] = sql.Named(a.Name, a.Value)
	}
	reader, err := ar.QueryContext(ctx, text, anyArgs...)
	if err != nil {
		return err
	}
	defer reader.Release()
	scan := fmt.Sprintf("smallfry_scan_%d", s.seq.Add(1))
	release, err := ar.RegisterView(reader, scan)
	if err != nil {
		return err
	}
	defer release()
	if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE TABLE "+target.String()+" AS SELECT * FROM "+QuoteIdent(scan), nil); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "DROP VIEW IF EXISTS "+QuoteIdent(scan), nil)
	res.Table = target
	return err
}

func returnsRows(stmt *duckdb.Stmt) bool {
	typ, err := stmt.StatementType()
	if err != nil {
		return false
	}
	switch typ {
	case duckdb.STATEMENT_TYPE_SELECT, duckdb.STATEMENT_TYPE_EXPLAIN, duckdb.STATEMENT_TYPE_PRAGMA, duckdb.STATEMENT_TYPE_CALL:
		n, err := stmt.ColumnCount()
		return err == nil && n > 0
	}
	return false
}

// ErrUnknownParameter is wrapped when a statement names a $placeholder that
// has no value.
var ErrUnknownParameter = errors.New("unknown parameter")

// paramError is a parameter that cannot be bound (unknown, or an error
// value), with its name to place it in the text.
type paramError struct {
	name string
	err  error
}

func (e *paramError) Error() string { return e.err.Error() }
func (e *paramError) Unwrap() error { return e.err }

// bindArgs picks, in placeholder order, the values a statement asks for.
// duckdb-go would bind a missing name to a value by position; we refuse.
func bindArgs(stmt *duckdb.Stmt, params map[string]any) ([]driver.NamedValue, error) {
	n := stmt.NumInput()
	args := make([]driver.NamedValue, 0, n)
	for i := range n {
		name, err := stmt.ParamName(i + 1)
		if err != nil {
			return nil, err
		}
		v, ok := params[name]
		if !ok {
			known := make([]string, 0, len(params))
			for k := range params {
				known = append(known, "$"+k)
			}
			sort.Strings(known)
			if len(known) == 0 {
				return nil, &paramError{name, fmt.Errorf("%w $%s: this notebook has no parameters", ErrUnknownParameter, name)}
			}
			return nil, &paramError{name, fmt.Errorf("%w $%s (parameters: %v)", ErrUnknownParameter, name, known)}
		}
		if err, ok := v.(error); ok {
			return nil, &paramError{name, err}
		}
		args = append(args, driver.NamedValue{Name: name, Ordinal: i + 1, Value: bindable(v)})
	}
	return args, nil
}

// describe fills in a result's columns and row count.
func (s *Session) describe(ctx context.Context, res *Result) error {
	cols, err := s.Columns(ctx, res.Table)
	if err != nil {
		return err
	}
	res.Columns = cols
	return s.exec.QueryRowContext(ctx, "SELECT count(*) FROM "+res.Table.String()).Scan(&res.Rows)
}

// Columns lists a table's columns in order.
func (s *Session) Columns(ctx context.Context, t Table) ([]Column, error) {
	// DESCRIBE costs a tenth of a query on information_schema.
	rows, err := s.db.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE "+t.String()+")")
	if err != nil {
		if strings.Contains(err.Error(), "does not exist") {
			return nil, noResult(t)
		}
		return nil, fmt.Errorf("columns of %s: %w", t, err)
	}
	defer rows.Close()
	var cols []Column
	for rows.Next() {
		var c Column
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			return nil, fmt.Errorf("columns of %s: %w", t, err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("columns of %s: %w", t, err)
	}
	if cols == nil {
		return nil, noResult(t)
	}
	return cols, nil
}
