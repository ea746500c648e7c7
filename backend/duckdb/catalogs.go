package duckdb

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Catalog serves the tables of an attached catalog (the S3 lake: s3.Sales,
// s3.raw.events) as views the session makes before each statement that
// names them. Unlike a replacement scan, making a view gets the cell's
// context, so fetching the files a statement needs can report progress and
// be canceled.
type Catalog interface {
	// View gives the view schema.name for a statement that names it
	// (schema is "main" for a two-part name). ok=false leaves the name
	// unknown, for DuckDB to report.
	View(ctx context.Context, req ViewRequest) (v View, ok bool, err error)
	// Missing is told that DuckDB could not read file, which a view of this
	// catalog named, while it ran a statement. It makes what the statement
	// may need readable and reports whether running it again can help.
	Missing(ctx context.Context, file string, progress func(Download)) (retry bool, err error)
}

// Locator is a Catalog whose views read local copies of files kept
// elsewhere: Location names a local file's original (an s3:// URL), so
// that an error about the file names what the user knows.
type Locator interface {
	Location(file string) (string, bool)
}

// quotedPath finds the paths DuckDB quotes in its messages.
var quotedPath = regexp.MustCompile(`'(/[^']+)'|"(/[^"]+)"`)

// locate names, in a failed statement's message, the originals of the
// local copies a Locator catalog made.
func (s *Session) locate(err error) error {
	var se *SQLError
	if !errors.As(err, &se) {
		return err
	}
	for _, cat := range s.catalogs {
		loc, ok := cat.(Locator)
		if !ok {
			continue
		}
		se.Message = quotedPath.ReplaceAllStringFunc(se.Message, func(q string) string {
			if where, ok := loc.Location(q[1 : len(q)-1]); ok {
				return q[:1] + where + q[len(q)-1:]
			}
			return q
		})
	}
	return err
}

// viewError places an error making a catalog's views on the statement
// that named them. DuckDB's "LINE n:" excerpt is left out: it quotes the
// view's own SQL, not the user's.
func viewError(err error, st statement, i int) *SQLError {
	msg := err.Error()
	if m := lineRef.FindStringIndex(msg); m != nil {
		msg = strings.TrimSpace(msg[:m[0]])
	}
	return &SQLError{Line: st.Line, Statement: i + 1, Message: msg, Err: err}
}

// Estimator is a Catalog that can tell, before a statement runs, what it
// would read of a table (the S3 lake's, from its listing).
type Estimator interface {
	Estimate(ctx context.Context, req ViewRequest) (s Scan, ok bool, err error)
}

// Scan is what a statement would read of one attached table.
type Scan struct {
	Table      string `json:"table"` // as the statement names it: s3.Sales
	Files      int    `json:"files"`
	FilesTotal int    `json:"filesTotal"`
	// Bytes is the size of the files it reads, after partition pruning;
	// BytesTotal the table's; ToDownload what of Bytes is not cached here.
	Bytes      int64 `json:"bytes"`
	BytesTotal int64 `json:"bytesTotal"`
	ToDownload int64 `json:"toDownload"`
}

// ViewRequest is what a Catalog is asked for.
type ViewRequest struct {
	Schema, Name string
	// Statement names the table; with Params, it tells which Hive
	// partitions it can read (see KeyFilter).
	Statement string
	Params    map[string]any
	Progress  func(Download)
}

// View is an attached table as the session sees it.
type View struct {
	Name  string // the table's own spelling
	Query string // the view's query
	// JSONGlob, instead of Query, makes a view over JSON files with the
	// types pinned on first mention (see Config.JSONViews).
	JSONGlob string
	// Objects are what the view reads, for the run's lineage (for example
	// s3://bucket/key with its ETag).
	Objects []string
}

// Download is the progress of fetching what a statement reads.
type Download struct {
	Done, Total int64 // bytes
}

// maxMissing bounds the retries of one statement after Catalog.Missing.
const maxMissing = 3

// missingFile finds the file named in DuckDB's error for an unreadable one.
var missingFile = regexp.MustCompile(`(?:File|file) '([^']+)' too small to be a Parquet file|No files found that match the pattern "([^"]+)"|Cannot open file "([^"]+)"`)

// attachStatements attach one in-memory database per catalog, where its views live.
func attachStatements(catalogs map[string]Catalog) []string {
	var qs []string
	for name := range catalogs {
		qs = append(qs, "ATTACH IF NOT EXISTS ':memory:' AS "+QuoteIdent(name))
	}
	slices.Sort(qs)
	return qs
}

// Estimate tells what the statements of sql would read of the attached
// catalogs' tables, before running them (nothing is fetched): one Scan per
// table and statement, in order. Tables of catalogs that cannot estimate
// are left out.
func (s *Session) Estimate(ctx context.Context, sql string, params map[string]any) ([]Scan, error) {
	var out []Scan
	for _, st := range splitStatements(sql) {
		stmt := st.SQL
		seen := map[string]bool{}
		for _, chain := range dottedNames(stmt) {
			cat, ok := s.catalogs[strings.ToLower(chain[0])]
			est, can := cat.(Estimator)
			if !ok || !can || len(chain) > 3 {
				continue
			}
			req := ViewRequest{Schema: "main", Name: chain[1], Statement: stmt, Params: params}
			if len(chain) == 3 {
				req.Schema, req.Name = chain[1], chain[2]
			}
			key := strings.ToLower(req.Schema + "." + req.Name)
			if seen[key] {
				continue
			}
			seen[key] = true
			scan, ok, err := est.Estimate(ctx, req)
			if err != nil {
				return nil, fmt.Errorf("estimate what %s reads: %w", strings.Join(chain, "."), err)
			}
			if ok {
				out = append(out, scan)
			}
		}
	}
	return out, nil
}

// makeViews makes the attached views a statement names, and records what
// they read.
func (s *Session) makeViews(ctx context.Context, stmt string, params map[string]any, progress func(Download)) error {
	for _, chain := range dottedNames(stmt) {
		cat, ok := s.catalogs[strings.ToLower(chain[0])]
		if !ok || len(chain) > 3 {
			continue
		}
		req := ViewRequest{Schema: "main", Name: chain[1], Statement: stmt, Params: params, Progress: progress}
		if len(chain) == 3 {
			req.Schema, req.Name = chain[1], chain[2]
		}
		v, ok, err := cat.View(ctx, req)
		if err != nil {
			return fmt.Errorf("%s is not queryable: %w", strings.Join(chain, "."), err)
		}
		if !ok {
			continue
		}
		name := QuoteIdent(chain[0]) + "." + QuoteIdent(req.Schema) + "." + QuoteIdent(v.Name)
		if req.Schema != "main" {
			if _, err := s.exec.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+QuoteIdent(chain[0])+"."+QuoteIdent(req.Schema)); err != nil {
				return fmt.Errorf("make %s: %w", name, err)
			}
		}
		// A view is made again only when what it reads changed: a JSON
		// view samples its files when made.
		if def := v.Query + "\x00" + v.JSONGlob; s.attached[name] != def {
			if v.JSONGlob != "" {
				err = s.makeJSONView(ctx, name, v.JSONGlob, true)
			} else {
				_, err = s.exec.ExecContext(ctx, "CREATE OR REPLACE VIEW "+name+" AS "+v.Query)
			}
			if err != nil {
				return fmt.Errorf("%s is not queryable: %w", strings.Join(chain, "."), err)
			}
			s.attached[name] = def
		}
		s.readsMu.Lock()
		if read := strings.Join(append([]string{chain[0]}, chain[1:len(chain)-1]...), ".") + "." + v.Name; !slices.Contains(s.reads, read) {
			s.reads = append(s.reads, read)
		}
		for _, o := range v.Objects {
			if !slices.Contains(s.objects, o) {
				s.objects = append(s.objects, o)
			}
		}
		s.readsMu.Unlock()
	}
	return nil
}

// retryMissing asks the catalogs about the file a failed statement could
// not read; retry is true when one of them made it readable.
func (s *Session) retryMissing(ctx context.Context, err error, progress func(Download)) (bool, error) {
	if len(s.catalogs) == 0 || err == nil {
		return false, nil
	}
	m := missingFile.FindStringSubmatch(err.Error())
	if m == nil {
		return false, nil
	}
	file := m[1] + m[2] + m[3]
	for _, cat := range s.catalogs {
		retry, err := cat.Missing(ctx, file, progress)
		if err != nil || retry {
			return retry, err
		}
	}
	return false, nil
}
