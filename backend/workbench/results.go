package workbench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"smallfry/backend"
	"smallfry/backend/duckdb"
	"smallfry/backend/lake"
)

// Window returns rows of a result as an Arrow IPC stream; sorting and
// filtering run in DuckDB.
func (s *Service) Window(ctx context.Context, session string, req WindowRequest) (*WindowResult, error) {
	db, err := s.sessionDB(ctx, session)
	if err != nil {
		return nil, err
	}
	if req.Limit <= 0 || req.Limit > 100_000 {
		return nil, backend.Errorf(backend.EINVALID, "window limit %d is out of range (1 to 100000)", req.Limit)
	}
	var buf bytes.Buffer
	_, total, err := db.WindowIPC(ctx, duckdb.WindowRequest{
		Table: duckdb.Table{Schema: req.Schema, Name: req.Table}, Offset: req.Offset, Limit: req.Limit, Sort: req.Sort, Filters: req.Filters,
	}, &buf)
	if err != nil {
		return nil, err
	}
	return &WindowResult{Offset: req.Offset, Total: total, Arrow: buf.Bytes()}, nil
}

// Summarize describes one column of a result: type, nulls, distinct
// values, range and a histogram or the most frequent values.
func (s *Service) Summarize(ctx context.Context, session, schema, table, column string) (*duckdb.Summary, error) {
	db, err := s.sessionDB(ctx, session)
	if err != nil {
		return nil, err
	}
	return db.Summarize(ctx, duckdb.Table{Schema: schema, Name: table}, column)
}

// Export writes a result (filtered and sorted as shown) to the workspace's
// exports folder as CSV or Parquet.
func (s *Service) Export(ctx context.Context, session string, req ExportRequest) (*Exported, error) {
	db, err := s.sessionDB(ctx, session)
	if err != nil {
		return nil, err
	}
	if req.Format != "csv" && req.Format != "parquet" {
		return nil, backend.Errorf(backend.EINVALID, "export format %q is neither csv nor parquet", req.Format)
	}
	dir := filepath.Join(s.cfg.Root, "exports")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	name := req.Table
	if strings.HasPrefix(name, "result_") || name == "" {
		name = "result"
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%s.%s", fileSafe(name), time.Now().Format("20060102-150405"), req.Format))
	rows, err := db.Export(ctx, duckdb.WindowRequest{Table: duckdb.Table{Schema: req.Schema, Name: req.Table}, Sort: req.Sort, Filters: req.Filters}, req.Format, path)
	if err != nil {
		os.Remove(path)
		return nil, err
	}
	return &Exported{Path: path, Rows: rows}, nil
}

func fileSafe(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, name)
}

// Lake lists the lake's tables and raw datasets, from Parquet footers.
func (s *Service) Lake(ctx context.Context) ([]Dataset, error) {
	return s.cfg.Lake.Catalog(ctx)
}

// PreviewLake runs SELECT * over a lake table or raw dataset in the
// notebook's session, as an unnamed result the grid can page through.
func (s *Service) PreviewLake(ctx context.Context, session, name string) (*CellOutput, error) {
	db, err := s.sessionDB(ctx, session)
	if err != nil {
		return nil, err
	}
	ref, err := s.lakeRef(ctx, name)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	res, err := db.Run(ctx, duckdb.Cell{SQL: "SELECT * FROM " + ref})
	if err != nil {
		return nil, previewError(name, err)
	}
	return &CellOutput{
		Result:    &ResultRef{Schema: res.Table.Schema, Table: res.Table.Name, Columns: res.Columns, Rows: res.Rows},
		ElapsedMs: time.Since(start).Milliseconds(),
	}, nil
}

// previewError says why a preview failed. The query is ours, so what
// DuckDB refuses is the data: a file that is not Parquet, a corrupt footer,
// a missing object. That is the user's to fix (EINVALID, a 400 from the
// server, not a 500), and DuckDB's message names the file.
func previewError(name string, err error) error {
	var se *duckdb.SQLError
	if backend.ErrorCode(err) == backend.ECANCELED || !errors.As(err, &se) {
		return err
	}
	return &backend.Error{Code: backend.EINVALID, Message: fmt.Sprintf("preview %s: %s", name, se.Message), Err: err}
}

// lakeRef is the SQL reference of a catalog entry, quoted.
// S3 datasets are named s3.<name> (the catalog's s3.Orders, s3.raw.clicks).
func (s *Service) lakeRef(ctx context.Context, name string) (string, error) {
	var cat []Dataset
	prefix := ""
	if rest, ok := strings.CutPrefix(name, "s3."); ok {
		s3, err := s.S3Lake(ctx)
		if err != nil {
			return "", err
		}
		if s3 == nil {
			return "", backend.Errorf(backend.ENOTFOUND, "there is no S3 lake: import the company settings first")
		}
		cat, name, prefix = s3.Datasets, rest, "s3."
	} else {
		var err error
		if cat, err = s.cfg.Lake.Catalog(ctx); err != nil {
			return "", err
		}
	}
	for _, d := range cat {
		if d.Name != name {
			continue
		}
		if d.Kind == lake.KindRaw {
			return prefix + "raw." + duckdb.QuoteIdent(strings.TrimPrefix(d.Name, "raw.")), nil
		}
		return prefix + duckdb.QuoteIdent(d.Name), nil
	}
	return "", backend.Errorf(backend.ENOTFOUND, "the lake has no table or raw dataset named %q", prefix+name)
}

// Completions lists what the SQL editor completes: lake tables, raw
// datasets and the notebook's named results, with their columns; the S3
// lake's tables as s3.<name>, as its catalog last listed them (completing
// asks S3 nothing).
func (s *Service) Completions(ctx context.Context, session string) (*Completions, error) {
	out := &Completions{Tables: []CompletionTable{}}
	cat, err := s.cfg.Lake.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	add := func(d Dataset, schema string) {
		t := CompletionTable{Schema: schema, Name: d.Name, Kind: "lake", Columns: []string{}}
		if d.Kind == lake.KindRaw {
			t.Schema, t.Name, t.Kind = "raw", strings.TrimPrefix(d.Name, "raw."), "raw"
		}
		for _, c := range d.Columns {
			t.Columns = append(t.Columns, c.Name)
		}
		out.Tables = append(out.Tables, t)
	}
	for _, d := range cat {
		add(d, "")
	}
	if s.cfg.Accounts != nil {
		for _, d := range s.cfg.Accounts.Listed() {
			if d.Kind == lake.KindTable {
				add(d, "s3")
			}
		}
	}
	ss, err := s.lookup(session)
	if err != nil {
		return nil, err
	}
	ss.mu.Lock()
	db := ss.db
	ss.mu.Unlock()
	if db == nil {
		return out, nil // nothing has run: no named results yet
	}
	named, err := db.NamedTables(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range named {
		out.Tables = append(out.Tables, CompletionTable{Name: t.Name, Kind: "result", Columns: t.Columns})
	}
	return out, nil
}

func (s *Service) sessionDB(ctx context.Context, session string) (*duckdb.Session, error) {
	ss, err := s.lookup(session)
	if err != nil {
		return nil, err
	}
	return ss.duck(ctx)
}
