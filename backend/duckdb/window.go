package duckdb

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"smallfry/backend"
)

// SortKey orders a window by one column.
type SortKey struct {
	Column string `json:"column"`
	Desc   bool   `json:"desc,omitempty"`
}

// Filter keeps the rows whose Column compares to Value with Op: one of
// = != < <= > >= contains is_null not_null. Values are bound as parameters.
type Filter struct {
	Column string `json:"column"`
	Op     string `json:"op"`
	Value  any    `json:"value,omitempty"`
}

// WindowRequest asks for rows [Offset, Offset+Limit) of a result, after
// filtering and sorting, both done by DuckDB.
type WindowRequest struct {
	Table   Table
	Offset  int64
	Limit   int64
	Sort    []SortKey
	Filters []Filter
}

// Window is a slice of a result as Arrow record batches (columnar, as DuckDB
// produced them). Release frees them.
type Window struct {
	Schema  *arrow.Schema
	Records []arrow.RecordBatch
	Offset  int64
	Total   int64 // rows in the filtered result, for the scroll bar
}

// Rows is the number of rows in the window.
func (w *Window) Rows() int64 {
	var n int64
	for _, r := range w.Records {
		n += r.NumRows()
	}
	return n
}

// Release frees the window's Arrow memory.
func (w *Window) Release() {
	for _, r := range w.Records {
		r.Release()
	}
	w.Records = nil
}

// WriteIPC writes the window as an Arrow IPC stream, the form the UI reads.
func (w *Window) WriteIPC(out io.Writer) error {
	wr := ipc.NewWriter(out, ipc.WithSchema(w.Schema))
	for _, r := range w.Records {
		if err := wr.Write(r); err != nil {
			return fmt.Errorf("write arrow window: %w", err)
		}
	}
	return wr.Close()
}

// sortedView is a sorted and/or filtered copy of a result, made once so that
// scrolling it costs a scan of the window, not a sort per window.
type sortedView struct {
	base    Table
	key     string
	table   Table
	total   int64
	readers int  // windows and exports reading it now
	retired bool // replaced: dropped when its last reader is done
}

// Window returns rows of a result. Without sort or filter it reads the result
// table directly; otherwise from a cached sorted copy. The batches are
// copied out of DuckDB's memory; to stream a large window, use WindowIPC.
func (s *Session) Window(ctx context.Context, req WindowRequest) (*Window, error) {
	w := &Window{Offset: req.Offset}
	var err error
	w.Total, err = s.scanWindow(ctx, req, func(schema *arrow.Schema, rec arrow.RecordBatch) error {
		w.Schema = schema
		if rec != nil {
			w.Records = append(w.Records, copyBatch(rec))
		}
		return nil
	})
	if err != nil {
		w.Release()
		return nil, err
	}
	return w, nil
}

// WindowIPC streams a window to out as an Arrow IPC stream, batch by batch
// as DuckDB produces them, without copying them first. It returns the rows
// written and the total row count of the (filtered) result.
func (s *Session) WindowIPC(ctx context.Context, req WindowRequest, out io.Writer) (written, total int64, err error) {
	var wr *ipc.Writer
	total, err = s.scanWindow(ctx, req, func(schema *arrow.Schema, rec arrow.RecordBatch) error {
		if wr == nil {
			wr = ipc.NewWriter(out, ipc.WithSchema(schema))
		}
		if rec == nil {
			return nil
		}
		written += rec.NumRows()
		return wr.Write(rec)
	})
	if wr != nil {
		if cerr := wr.Close(); err == nil {
			err = cerr
		}
	}
	return written, total, err
}

// scanWindow calls fn with each batch of a window; strings longer than
// GridStringMax characters come cut (gridColumns). A batch is only valid
// during the call: duckdb-go's batches point into a DuckDB data chunk that
// is freed when the reader moves on. fn is called once with a nil batch
// first, so that the schema arrives even for an empty window.
func (s *Session) scanWindow(ctx context.Context, req WindowRequest, fn func(*arrow.Schema, arrow.RecordBatch) error) (int64, error) {
	if req.Offset < 0 || req.Limit < 0 {
		return 0, backend.Errorf(backend.EINVALID, "window of %s: offset and limit must not be negative", req.Table)
	}
	src, total, release, err := s.windowSource(ctx, req)
	if err != nil {
		return 0, err
	}
	defer release()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("window of %s: %w", req.Table, err)
	}
	defer conn.Close()
	list, err := s.gridColumns(ctx, src)
	if err != nil {
		return 0, fmt.Errorf("window of %s: %w", req.Table, err)
	}
	q := "SELECT " + list + " FROM " + src.String() + " LIMIT ? OFFSET ?"
	err = conn.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(*duckdb.Conn))
		if err != nil {
			return err
		}
		rd, err := ar.QueryContext(ctx, q, req.Limit, req.Offset)
		if err != nil {
			return err
		}
		defer rd.Release()
		if err := fn(rd.Schema(), nil); err != nil {
			return err
		}
		for rd.Next() {
			if err := fn(rd.Schema(), rd.RecordBatch()); err != nil {
				return err
			}
		}
		return rd.Err()
	})
	if err != nil {
		return 0, fmt.Errorf("window of %s: %w", req.Table, err)
	}
	return total, nil
}

// GridStringMax is the most characters of one string, or bytes of one
// blob, a window carries. An Arrow string or binary column holds at most
// 2 GiB per batch (int32 offsets), and a grid cell shows a line: longer
// values are cut, with a note of their size, and stay whole in the result
// (exports, SQL). At 4 bytes a character, a batch of DuckDB's 2048 rows
// stays under 256 MiB a column.
const GridStringMax = 32 << 10

// gridColumns is the select list of a window over t: every column, VARCHAR
// ones cut to GridStringMax characters and BLOB ones to as many bytes.
func (s *Session) gridColumns(ctx context.Context, t Table) (string, error) {
	cols, err := s.Columns(ctx, t)
	if err != nil {
		return "", err
	}
	list := make([]string, len(cols))
	for i, c := range cols {
		q := QuoteIdent(c.Name)
		switch c.Type {
		case "VARCHAR":
			// strlen counts bytes without decoding, so short values cost a
			// comparison; a character is at least a byte, so no value over
			// GridStringMax characters passes uncut.
			list[i] = fmt.Sprintf("CASE WHEN strlen(%[1]s) > %[2]d THEN left(%[1]s, %[2]d) || ' … [cut for the grid: ' || strlen(%[1]s) || ' bytes in all; export the result for the whole value]' ELSE %[1]s END AS %[1]s", q, GridStringMax)
		case "BLOB":
			// The note is ASCII: a blob takes text only as escaped bytes.
			list[i] = fmt.Sprintf("CASE WHEN octet_length(%[1]s) > %[2]d THEN %[1]s[1:%[2]d] || (' ... [cut for the grid: ' || octet_length(%[1]s) || ' bytes in all; export the result for the whole value]')::BLOB ELSE %[1]s END AS %[1]s", q, GridStringMax)
		default:
			list[i] = q
		}
	}
	return strings.Join(list, ", "), nil
}

// copyBatch copies a batch into Go-owned memory.
func copyBatch(rec arrow.RecordBatch) arrow.RecordBatch {
	cols := make([]arrow.Array, rec.NumCols())
	for i := range cols {
		c, err := array.Concatenate([]arrow.Array{rec.Column(i)}, memory.DefaultAllocator)
		if err != nil {
			panic(err) // one array of a valid batch always concatenates
		}
		cols[i] = c
	}
	out := array.NewRecordBatch(rec.Schema(), cols, rec.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return out
}

// windowSource is the table a window reads: the result itself, or its
// sorted and filtered copy, held until release is called (another ordering
// or a rerun replaces the copy, but drops it only when no one reads it).
func (s *Session) windowSource(ctx context.Context, req WindowRequest) (src Table, total int64, release func(), err error) {
	if strings.ContainsRune(req.Table.Schema+req.Table.Name, 0) {
		return Table{}, 0, nil, backend.Errorf(backend.EINVALID, "result name %q holds a NUL character", req.Table.Name)
	}
	if len(req.Sort) == 0 && len(req.Filters) == 0 {
		if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM "+req.Table.String()).Scan(&total); err != nil {
			if isCatalogError(err) {
				return Table{}, 0, nil, noResult(req.Table)
			}
			return Table{}, 0, nil, fmt.Errorf("window of %s: %w", req.Table, err)
		}
		return req.Table, total, func() {}, nil
	}
	keyJSON, _ := json.Marshal(struct {
		S []SortKey
		F []Filter
	}{req.Sort, req.Filters})
	key := req.Table.String() + "|" + string(keyJSON)
	s.viewsMu.Lock()
	defer s.viewsMu.Unlock()
	if v := s.views[req.Table.String()]; v != nil && v.key == key {
		return v.table, v.total, s.hold(v), nil
	}
	where, args, order, err := s.clauses(ctx, req)
	if err != nil {
		return Table{}, 0, nil, err
	}
	v := &sortedView{base: req.Table, key: key, table: Table{Schema: internalSchema, Name: fmt.Sprintf("view_%d", s.seq.Add(1))}}
	q := "CREATE TABLE " + v.table.String() + " AS SELECT * FROM " + req.Table.String() + where + order
	if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
		if msg, ok := filterMistake(err); ok {
			return Table{}, 0, nil, backend.Errorf(backend.EINVALID, "filter of %s: %s", req.Table.Name, msg)
		}
		return Table{}, 0, nil, fmt.Errorf("sort or filter %s: %w", req.Table, err)
	}
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM "+v.table.String()).Scan(&v.total); err != nil {
		s.dropQuietly(v.table)
		return Table{}, 0, nil, fmt.Errorf("sort or filter %s: %w", req.Table, err)
	}
	if old := s.views[req.Table.String()]; old != nil {
		s.retire(old)
	}
	s.views[req.Table.String()] = v
	return v.table, v.total, s.hold(v), nil
}

// hold counts a reader of a copy; the caller holds viewsMu.
func (s *Session) hold(v *sortedView) func() {
	v.readers++
	var once sync.Once
	return func() {
		once.Do(func() {
			s.viewsMu.Lock()
			defer s.viewsMu.Unlock()
			v.readers--
			if v.retired && v.readers == 0 {
				s.dropQuietly(v.table)
			}
		})
	}
}

// retire drops a replaced copy now, or when its last reader is done; the
// caller holds viewsMu.
func (s *Session) retire(v *sortedView) {
	v.retired = true
	if v.readers == 0 {
		s.dropQuietly(v.table)
	}
}

// clauses builds WHERE and ORDER BY from a request; column names are checked
// against the table and quoted, values are bound as parameters.
func (s *Session) clauses(ctx context.Context, req WindowRequest) (where string, args []any, order string, err error) {
	cols, err := s.Columns(ctx, req.Table)
	if err != nil {
		return "", nil, "", err
	}
	known := map[string]bool{}
	for _, c := range cols {
		known[c.Name] = true
	}
	check := func(name string) error {
		if !known[name] {
			return backend.Errorf(backend.EINVALID, "result %s has no column %q", req.Table.Name, name)
		}
		return nil
	}
	var conds []string
	for _, f := range req.Filters {
		if err := check(f.Column); err != nil {
			return "", nil, "", err
		}
		col := QuoteIdent(f.Column)
		switch f.Value.(type) {
		case nil, bool, float64, string, int, int64:
		default:
			return "", nil, "", backend.Errorf(backend.EINVALID, "filter on %q: the value must be a number, text, true/false or null, not a list or an object", f.Column)
		}
		switch f.Op {
		case "=", "!=", "<", "<=", ">", ">=":
			conds = append(conds, col+" "+f.Op+" ?")
			args = append(args, f.Value)
		case "contains":
			conds = append(conds, "contains(lower(CAST("+col+" AS VARCHAR)), lower(CAST(? AS VARCHAR)))")
			args = append(args, f.Value)
		case "is_null":
			conds = append(conds, col+" IS NULL")
		case "not_null":
			conds = append(conds, col+" IS NOT NULL")
		default:
			return "", nil, "", backend.Errorf(backend.EINVALID, "filter on %q: unknown operator %q", f.Column, f.Op)
		}
	}
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	var keys []string
	for _, k := range req.Sort {
		if err := check(k.Column); err != nil {
			return "", nil, "", err
		}
		dir := " ASC NULLS LAST"
		if k.Desc {
			dir = " DESC NULLS LAST"
		}
		keys = append(keys, QuoteIdent(k.Column)+dir)
	}
	if len(keys) > 0 {
		order = " ORDER BY " + strings.Join(keys, ", ")
	}
	return where, args, order, nil
}

// forgetViews drops the sorted copies of a result that was just replaced.
func (s *Session) forgetViews(base Table) {
	s.viewsMu.Lock()
	defer s.viewsMu.Unlock()
	if v := s.views[base.String()]; v != nil {
		s.retire(v)
		delete(s.views, base.String())
	}
}

func (s *Session) dropQuietly(t Table) {
	// A leftover copy only costs memory until the session closes.
	_, _ = s.db.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+t.String())
}
