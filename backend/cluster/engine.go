package cluster

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/big"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"smallfry/backend"
	"smallfry/backend/duckdb"
	"smallfry/backend/lake"
	"smallfry/backend/spark"
)

// Cap bounds what a cell brings back from the cluster.
type Cap struct {
	Rows  int64 // 0: DefaultCap's
	Bytes int64 // Arrow bytes received; 0: DefaultCap's
}

// DefaultCap is a million rows or 1 GiB, whichever comes first.
var DefaultCap = Cap{Rows: 1_000_000, Bytes: 1 << 30}

// Lake is the company's S3 lake, as the cluster reads and writes it.
type Lake interface {
	Files(ctx context.Context, name string) (lake.TableFiles, bool, error)
	Store() lake.Storage
	Stage(name string) (lake.Staged, error)
	Adopt(ctx context.Context, st lake.Staged, mode lake.Mode) (lake.Commit, error)
}

// Session is the notebook's DuckDB session, where results land.
type Session interface {
	Import(ctx context.Context, result string, fill duckdb.Fill) (*duckdb.Result, error)
	Has(ctx context.Context, name string) (bool, error)
	Run(ctx context.Context, c duckdb.Cell) (*duckdb.Result, error)
}

var _ Session = (*duckdb.Session)(nil)

// Engine runs a notebook's cluster cells: the runner's Engine for cells
// whose metadata.smallfry.engine names the cluster.
type Engine struct {
	Conn *Conn
	DB   Session
	// Lake is the S3 lake the cluster reads (s3.Table) and where results
	// over the cap go; nil when the workspace has none.
	Lake Lake
	// LocalTable tells whether the workspace's local lake has a table.
	LocalTable func(name string) bool
	Cap        Cap
	// Tag is set on every operation (the run's id), for InterruptTag.
	Tag string
}

// Run runs a cell on the cluster and stores its result in the session.
func (e *Engine) Run(ctx context.Context, c duckdb.Cell) (*duckdb.Result, error) {
	plan, err := Check(ctx, c.SQL, e)
	if err != nil {
		var se *SyntaxError
		if errors.As(err, &se) {
			return nil, &duckdb.SQLError{Line: se.Line, Statement: 1, Message: se.Message, Err: err}
		}
		return nil, err
	}
	if len(plan.Statements) == 0 {
		return &duckdb.Result{Engine: e.Conn.Name()}, nil
	}
	cl, err := e.Conn.session(ctx)
	if err != nil {
		e.Conn.failed(cl, err)
		return nil, e.clusterError(err)
	}
	res, err := e.run(ctx, cl, c, plan)
	if err != nil {
		e.Conn.failed(cl, err)
		return nil, err
	}
	return res, nil
}

func (e *Engine) run(ctx context.Context, cl *spark.Client, c duckdb.Cell, plan *Plan) (*duckdb.Result, error) {
	for _, t := range plan.Tables {
		if err := e.register(ctx, cl, t); err != nil {
			return nil, e.clusterError(err)
		}
	}
	n := len(plan.Statements)
	out := &duckdb.Result{Statements: n, Engine: e.Conn.Name()}
	for i, st := range plan.Statements {
		args, err := bind(st, c.Params)
		if err != nil {
			return nil, err
		}
		opID := uuid.NewString()
		out.Operation = opID
		opts := spark.ExecuteOptions{OperationID: opID, Tags: e.tags(), OnProgress: progress(c.OnProgress, i+1, n)}
		if i < n-1 {
			if err := cl.Exec(ctx, st.SQL, args, opts); err != nil {
				return nil, e.statementError(err, st, i)
			}
			continue
		}
		if err := e.last(ctx, cl, c, st, i, args, opts, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (e *Engine) tags() []string {
	if e.Tag == "" {
		return nil
	}
	return []string{e.Tag}
}

// errOverCap stops a copy at the cap.
var errOverCap = errors.New("the result is over the cap")

// last runs the cell's last statement and brings its rows into the
// session, or, over the cap, writes them to the S3 lake.
func (e *Engine) last(ctx context.Context, cl *spark.Client, c duckdb.Cell, st Planned, i int, args map[string]any, opts spark.ExecuteOptions, out *duckdb.Result) error {
	s, err := cl.Execute(ctx, st.SQL, args, opts)
	if err != nil {
		return e.statementError(err, st, i)
	}
	defer s.Release()
	if s.Schema().NumFields() == 0 {
		for s.Next() {
		}
		if err := s.Err(); err != nil {
			return e.statementError(err, st, i)
		}
		return nil
	}
	limit := e.Cap
	if limit.Rows <= 0 {
		limit.Rows = DefaultCap.Rows
	}
	if limit.Bytes <= 0 {
		limit.Bytes = DefaultCap.Bytes
	}
	capped := &cappedReader{Stream: s, cap: limit}
	res, err := e.DB.Import(ctx, c.Result, func(ctx context.Context, conn driver.Conn, target duckdb.Table) (int64, error) {
		n, err := spark.CopyReaderToDuckDB(ctx, conn, capped, target.String())
		if capped.over {
			if ex, ok := conn.(driver.ExecerContext); ok {
				_, _ = ex.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+target.String(), nil)
			}
			return 0, errOverCap
		}
		return n, err
	})
	out.BytesReturned = s.Bytes()
	if errors.Is(err, errOverCap) {
		rows, bytes := s.Rows(), s.Bytes()
		_ = s.Close() // interrupts the query on the server
		return e.overCap(ctx, cl, c, st, i, args, limit, rows, bytes, out)
	}
	if err != nil {
		return e.statementError(err, st, i)
	}
	out.Table, out.Columns, out.Rows = res.Table, res.Columns, res.Rows
	return nil
}

// overCap runs the query again, writing its result to the S3 lake as the
// Parquet table cluster_<name>, and makes the cell's result a view over it.
func (e *Engine) overCap(ctx context.Context, cl *spark.Client, c duckdb.Cell, st Planned, i int, args map[string]any, limit Cap, rows, bytes int64, out *duckdb.Result) error {
	if e.Lake == nil {
		return backend.Errorf(backend.EINVALID, "the result is larger than %s, the most a cluster cell brings back, and there is no S3 lake to write it to: add a LIMIT or aggregate further", capText(limit))
	}
	name := c.Result
	if name == "" {
		name = "result_" + strings.ReplaceAll(out.Operation, "-", "")[:12]
	}
	table := "cluster_" + name
	staged, err := e.Lake.Stage(table)
	if err != nil {
		return err
	}
	where := s3a(e.Lake.Store().Location(staged.Prefix))
	opID := uuid.NewString()
	out.Operation = opID
	opts := spark.ExecuteOptions{OperationID: opID, Tags: e.tags(), OnProgress: progress(c.OnProgress, i+1, i+1)}
	if err := cl.WriteParquet(ctx, st.SQL, args, strings.TrimSuffix(where, "/"), opts); err != nil {
		return e.statementError(err, st, i)
	}
	commit, err := e.Lake.Adopt(ctx, staged, lake.Overwrite)
	if err != nil {
		return fmt.Errorf("save the cluster's result as s3.%s: %w", table, err)
	}
	target := duckdb.Table{Name: c.Result}
	if c.Result == "" {
		target = duckdb.Table{Schema: "_smallfry", Name: table}
	}
	view := fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT * FROM %s.%s", target, duckdb.QuoteIdent(LakeSchema), duckdb.QuoteIdent(table))
	if _, err := e.DB.Run(ctx, duckdb.Cell{SQL: view}); err != nil {
		return fmt.Errorf("make %s a view over s3.%s: %w", target, table, err)
	}
	total := int64(0)
	if tf, ok, err := e.Lake.Files(ctx, table); err == nil && ok {
		for _, f := range tf.Files {
			total += f.Size
		}
	}
	out.Table = target
	out.Rows = -1
	out.ObjectsWritten = commit.Objects
	out.TablesWritten = []string{LakeSchema + "." + table}
	shown := "the cell's result"
	if c.Result != "" {
		shown = c.Result
	}
	out.Notice = fmt.Sprintf("The result was larger than %s, the most a cluster cell brings back (it had passed %d rows, %s, when it was stopped), "+
		"so it was not brought to this laptop. The cluster ran the query a second time and wrote its whole result to the S3 lake "+
		"as s3.%s (%d Parquet files, %s); %s is a view over that table, and what later cells read of it is downloaded then. "+
		"Each run of this cell runs the query twice on the cluster.\n",
		capText(limit), rows, sizeText(bytes), table, len(commit.Objects), sizeText(total), shown)
	return nil
}

// register makes the Spark view of a lake table, over exactly the files
// of its current version, unless it already is.
func (e *Engine) register(ctx context.Context, cl *spark.Client, table string) error {
	if e.Lake == nil {
		return backend.Errorf(backend.EINVALID, "s3.%s: this workspace has no S3 lake (import the company settings)", table)
	}
	tf, ok, err := e.Lake.Files(ctx, table)
	if err != nil {
		return fmt.Errorf("list s3.%s: %w", table, err)
	}
	if !ok {
		return backend.Errorf(backend.ENOTFOUND, "the company lake has no table %s", table)
	}
	if len(tf.Files) == 0 {
		return backend.Errorf(backend.EINVALID, "s3.%s has no files yet", table)
	}
	groups := map[string]*spark.ParquetFiles{}
	var bases []string
	var def strings.Builder
	for _, f := range tf.Files {
		dir := path.Dir(f.Key)
		for range f.Partition {
			dir = path.Dir(dir)
		}
		base := s3a(e.Lake.Store().Location(dir))
		g := groups[base]
		if g == nil {
			g = &spark.ParquetFiles{Base: base}
			groups[base] = g
			bases = append(bases, base)
		}
		g.Paths = append(g.Paths, s3a(e.Lake.Store().Location(f.Key)))
		def.WriteString(f.Key + "#" + f.ETag + "\n")
	}
	sort.Strings(bases)
	list := make([]spark.ParquetFiles, 0, len(bases))
	for _, b := range bases {
		list = append(list, *groups[b])
	}
	name := ViewName(tf.Name)
	if e.Conn.viewIs(name, def.String()) {
		return nil
	}
	if err := cl.CreateParquetView(ctx, name, list, spark.ExecuteOptions{Tags: e.tags()}); err != nil {
		return err
	}
	e.Conn.setView(name, def.String())
	return nil
}

// LakeTable implements Names over the S3 lake.
func (e *Engine) LakeTable(ctx context.Context, name string) (string, bool, error) {
	if e.Lake == nil {
		return "", false, nil
	}
	tf, ok, err := e.Lake.Files(ctx, name)
	return tf.Name, ok, err
}

// Local implements Names: the local lake's tables and the session's.
func (e *Engine) Local(ctx context.Context, name string) (bool, error) {
	if e.LocalTable != nil && e.LocalTable(name) {
		return true, nil
	}
	return e.DB.Has(ctx, name)
}

// bind picks the parameters a statement names, as Spark literals.
func bind(st Planned, params map[string]any) (map[string]any, error) {
	if len(st.Params) == 0 {
		return nil, nil
	}
	out := map[string]any{}
	for _, name := range st.Params {
		v, ok := params[name]
		if !ok {
			return nil, &duckdb.SQLError{Line: st.Line, Message: fmt.Sprintf("parameter %s has no value: the parameters cell does not set it", name)}
		}
		if err, bad := v.(error); bad {
			return nil, &duckdb.SQLError{Line: st.Line, Message: err.Error(), Err: err}
		}
		lit, err := sparkValue(v)
		if err != nil {
			return nil, &duckdb.SQLError{Line: st.Line, Message: fmt.Sprintf("parameter %s is %v", name, err)}
		}
		out[name] = lit
	}
	return out, nil
}

// sparkValue is a parameter as the Spark client binds it.
func sparkValue(v any) (any, error) {
	switch x := v.(type) {
	case duckdb.Date:
		return spark.DateOf(time.Time(x).UTC()), nil
	case duckdb.Timestamp:
		return time.Time(x), nil
	case *big.Int:
		return spark.Decimal(x.String()), nil
	case duckdb.List:
		return nil, errors.New("a list, which a cluster cell cannot take as a parameter yet (run the cell locally, or make its items parameters of their own)")
	}
	return v, nil
}

// progress turns the server's progress into the cell's.
func progress(on func(duckdb.Progress), stmt, of int) func(spark.Progress) {
	if on == nil {
		return nil
	}
	return func(p spark.Progress) {
		pct := -1.0
		if p.Tasks > 0 {
			pct = 100 * float64(p.TasksDone) / float64(p.Tasks)
		}
		done := 0
		for _, s := range p.Stages {
			if s.Done {
				done++
			}
		}
		detail := fmt.Sprintf("Spark: %d of %d stages done, %d of %d tasks", done, len(p.Stages), p.TasksDone, p.Tasks)
		if p.BytesRead > 0 {
			detail += ", " + sizeText(p.BytesRead) + " read"
		}
		if p.Rows > 0 {
			detail += fmt.Sprintf(", %d rows received", p.Rows)
		}
		on(duckdb.Progress{Statement: stmt, Statements: of, Percent: pct, Rows: uint64(p.Rows), Detail: detail})
	}
}

// statementError places a Spark error on the cell's line, with lake views
// called by the names the cell uses.
func (e *Engine) statementError(err error, st Planned, i int) error {
	var se *spark.Error
	if !errors.As(err, &se) || se.Code != backend.EINVALID {
		return e.clusterError(err)
	}
	line := se.Line
	if line == 0 {
		line = st.Line
	}
	msg := unview(se.Message)
	if se.SQLState != "" && !strings.Contains(msg, se.SQLState) {
		msg += " (SQLSTATE " + se.SQLState + ")"
	}
	return &duckdb.SQLError{Line: line, Statement: i + 1, Message: msg, Err: err}
}

// clusterError names the cluster in a failure around the query.
func (e *Engine) clusterError(err error) error {
	var se *spark.Error
	if !errors.As(err, &se) {
		return err
	}
	msg := unview(se.Message)
	switch se.Class {
	case spark.ClassUnavailable:
		msg = fmt.Sprintf("cluster %s does not answer (%s); check that it is up, or run the cell locally", e.Conn.Name(), msg)
	case spark.ClassUnauthenticated:
		msg = fmt.Sprintf("cluster %s refused the token (%s); set it again with `smallfry cluster-token %s`, or sign in again", e.Conn.Name(), msg, e.Conn.Name())
	case spark.ClassSessionClosed:
		msg = fmt.Sprintf("cluster %s closed this notebook's Spark session (it restarted, or the session timed out); run the cell again to start a new session", e.Conn.Name())
	case spark.ClassStreamCut:
		msg = fmt.Sprintf("cluster %s: %s; run the cell again", e.Conn.Name(), msg)
	case spark.ClassCanceled:
		return &backend.Error{Code: backend.ECANCELED, Message: "canceled: the query was stopped on cluster " + e.Conn.Name(), Err: errors.Join(err, context.Canceled)}
	default:
		msg = fmt.Sprintf("cluster %s: %s", e.Conn.Name(), msg)
	}
	return &backend.Error{Code: se.Code, Message: msg, Err: err}
}

// unview calls the lake views by the names cells use: s3.Sales.
func unview(msg string) string {
	for {
		i := strings.Index(msg, "smallfry_s3_")
		if i < 0 {
			return msg
		}
		j := i + len("smallfry_s3_")
		for j < len(msg) && isIdentPart(rune(msg[j])) {
			j++
		}
		start, end := i, j
		if start > 0 && msg[start-1] == '`' && end < len(msg) && msg[end] == '`' {
			start, end = start-1, end+1
		}
		msg = msg[:start] + LakeSchema + "." + msg[i+len("smallfry_s3_"):j] + msg[end:]
	}
}

func s3a(location string) string {
	if rest, ok := strings.CutPrefix(location, "s3://"); ok {
		return "s3a://" + rest
	}
	return location
}

func capText(c Cap) string {
	return fmt.Sprintf("%s rows or %s", thousands(c.Rows), sizeText(c.Bytes))
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
