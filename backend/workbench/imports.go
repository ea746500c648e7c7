package workbench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode"

	"smallfry/backend"
	"smallfry/backend/duckdb"
	"smallfry/backend/lake"
)

// Importing a file (CSV, JSON lines or Parquet) into the local lake: the
// user drops it on the window or picks it with "Add data…", sees what
// DuckDB detects (PreviewImport), names the table and commits it
// (ImportData). The lake's write is atomic: a file DuckDB cannot read to
// its end leaves the lake as it was.

// ImportSource is the file to import: a path on this machine (the window
// gets those from a drop or its file dialog) or a file the browser sent
// to POST /api/upload.
type ImportSource struct {
	Path   string `json:"path,omitempty"`
	Upload string `json:"upload,omitempty"` // the id the upload answered
}

// ImportPreview is what DuckDB detects in a file, before anything is
// written.
type ImportPreview struct {
	File    string              `json:"file"`   // the file's name
	Format  string              `json:"format"` // csv, json or parquet
	Bytes   int64               `json:"bytes"`
	Table   string              `json:"table"`  // a table name made from the file's
	Exists  bool                `json:"exists"` // a lake table of that name exists
	Columns []duckdb.Column     `json:"columns"`
	Rows    [][]json.RawMessage `json:"rows"` // the first rows, JSON values in column order
}

// ImportRequest commits an import under a table name.
type ImportRequest struct {
	Source ImportSource `json:"source"`
	Table  string       `json:"table"`
	// Replace allows replacing a lake table of that name.
	Replace bool `json:"replace,omitempty"`
}

// previewRows is how many rows a preview shows.
const previewRows = 20

// MaxUpload bounds a file the browser sends (POST /api/upload).
const MaxUpload = 1 << 30

// uploadsDir holds files the browser sent, one folder per upload.
func (s *Service) uploadsDir() string {
	return filepath.Join(s.cfg.Root, ".smallfry", "tmp", "uploads")
}

var uploadID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// SaveUpload stores a file the browser sends, under the name it gives,
// and returns the source PreviewImport and ImportData take. A body that
// ends early or passes the limit leaves nothing behind. (It takes no
// context first, so it is no call of the API: the server's upload route
// calls it with the request's body.)
func (s *Service) SaveUpload(name string, body io.Reader) (*ImportSource, error) {
	base := filepath.Base(filepath.FromSlash(strings.ReplaceAll(name, `\`, "/")))
	if base == "" || base == "." || base == "/" || strings.ContainsRune(base, 0) || strings.HasPrefix(base, ".") {
		return nil, backend.Errorf(backend.EINVALID, "upload: %q is not a usable file name", name)
	}
	s.sweepUploads(time.Now())
	var b [16]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	dir := filepath.Join(s.uploadsDir(), id)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("upload %s: %w", base, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, base), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("upload %s: %w", base, err)
	}
	_, err = io.Copy(f, body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("upload %s: %w", base, err)
	}
	return &ImportSource{Upload: id}, nil
}

// uploadsKept is how long an upload waits for its import: one previewed
// and then canceled is removed by a later upload after this.
const uploadsKept = 24 * time.Hour

// sweepUploads removes uploads older than uploadsKept.
func (s *Service) sweepUploads(now time.Time) {
	entries, err := os.ReadDir(s.uploadsDir())
	if err != nil {
		return
	}
	for _, e := range entries {
		info, err := e.Info()
		if err == nil && e.IsDir() && uploadID.MatchString(e.Name()) && now.Sub(info.ModTime()) > uploadsKept {
			os.RemoveAll(filepath.Join(s.uploadsDir(), e.Name()))
		}
	}
}

// sourceFile is the file a source names, and its name as the user knows it.
func (s *Service) sourceFile(src ImportSource) (path, name string, err error) {
	switch {
	case src.Upload != "" && src.Path != "":
		return "", "", backend.Errorf(backend.EINVALID, "import: give a path or an upload, not both")
	case src.Upload != "":
		if !uploadID.MatchString(src.Upload) {
			return "", "", backend.Errorf(backend.EINVALID, "import: %q is not an upload id", src.Upload)
		}
		dir := filepath.Join(s.uploadsDir(), src.Upload)
		entries, err := os.ReadDir(dir)
		if err != nil || len(entries) != 1 {
			return "", "", backend.Errorf(backend.ENOTFOUND, "import: the uploaded file is gone (imported already, or the app restarted): add it again")
		}
		return filepath.Join(dir, entries[0].Name()), entries[0].Name(), nil
	case src.Path != "":
		if strings.ContainsRune(src.Path, 0) || !filepath.IsAbs(src.Path) {
			return "", "", backend.Errorf(backend.EINVALID, "import: %q is not an absolute file path", src.Path)
		}
		return filepath.Clean(src.Path), filepath.Base(src.Path), nil
	}
	return "", "", backend.Errorf(backend.EINVALID, "import: no file given")
}

// formatOf tells the file's format from its name, else from its first bytes.
func formatOf(path, name string) (string, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".tsv", ".txt":
		return duckdb.FormatCSV, nil
	case ".json", ".jsonl", ".ndjson":
		return duckdb.FormatJSON, nil
	case ".parquet", ".pq":
		return duckdb.FormatParquet, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	switch {
	case n == 4 && string(head) == "PAR1":
		return duckdb.FormatParquet, nil
	case n > 0 && (head[0] == '{' || head[0] == '['):
		return duckdb.FormatJSON, nil
	}
	return "", backend.Errorf(backend.EINVALID, "import %s: Smallfry imports CSV (.csv, .tsv), JSON lines (.jsonl, .json) and Parquet (.parquet) files, and cannot tell what this file is", name)
}

// tableName makes a lake table name from a file name: "Sales 2026.csv"
// becomes Sales_2026.
func tableName(file string) string {
	base := strings.TrimSuffix(file, filepath.Ext(file))
	var b strings.Builder
	for _, r := range base {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') {
			b.WriteRune(r)
		} else if b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
			b.WriteByte('_')
		}
	}
	name := strings.Trim(b.String(), "_")
	if name == "" {
		return "imported"
	}
	if name[0] >= '0' && name[0] <= '9' {
		name = "t_" + name
	}
	if !lake.ValidName(name) {
		return name + "_data"
	}
	return name
}

// openFile checks the file before DuckDB reads it.
func (s *Service) openFile(src ImportSource) (path, name, format string, size int64, err error) {
	if path, name, err = s.sourceFile(src); err != nil {
		return
	}
	info, serr := os.Stat(path)
	switch {
	case errors.Is(serr, os.ErrNotExist):
		err = backend.Errorf(backend.ENOTFOUND, "import %s: the file does not exist", name)
		return
	case serr != nil:
		err = backend.Errorf(backend.EINVALID, "import %s: %v", name, serr)
		return
	case !info.Mode().IsRegular():
		err = backend.Errorf(backend.EINVALID, "import %s: not a file (a folder or a device)", name)
		return
	case info.Size() == 0:
		err = backend.Errorf(backend.EINVALID, "import %s: the file is empty", name)
		return
	}
	size = info.Size()
	format, err = formatOf(path, name)
	return
}

// importDB is a DuckDB session of the import's own, so an import needs no
// open notebook and leaves nothing in one.
func (s *Service) importDB(ctx context.Context) (*duckdb.Session, error) {
	return s.cfg.OpenSession(ctx)
}

// PreviewImport shows what DuckDB detects in a file: its columns with
// their types and its first rows, and a table name made from the file's.
// Nothing is written.
func (s *Service) PreviewImport(ctx context.Context, src ImportSource) (*ImportPreview, error) {
	path, name, format, size, err := s.openFile(src)
	if err != nil {
		return nil, err
	}
	db, err := s.importDB(ctx)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	p, err := db.PreviewFile(ctx, path, format, previewRows)
	if err != nil {
		return nil, importErr(ctx, err, path, name, format)
	}
	if len(p.Columns) == 0 {
		return nil, backend.Errorf(backend.EINVALID, "import %s: DuckDB finds no columns in it", name)
	}
	out := &ImportPreview{File: name, Format: format, Bytes: size, Table: tableName(name), Columns: p.Columns, Rows: p.Rows}
	if out.Rows == nil {
		out.Rows = [][]json.RawMessage{}
	}
	if _, ok, err := s.lakeTable(ctx, out.Table); err != nil {
		return nil, err
	} else if ok {
		out.Exists = true
	}
	return out, nil
}

// ImportData reads the whole file with the types DuckDB detects and
// commits it as a lake table. If the file cannot be read to its end, the
// lake is left as it was. An uploaded file is removed once imported.
func (s *Service) ImportData(ctx context.Context, req ImportRequest) (*Dataset, error) {
	table := strings.TrimSpace(req.Table)
	if !lake.ValidName(table) {
		return nil, backend.Errorf(backend.EINVALID, "%q is not a usable table name: %s", table, backend.IdentifierRule)
	}
	path, name, format, _, err := s.openFile(req.Source)
	if err != nil {
		return nil, err
	}
	existing, ok, err := s.lakeTable(ctx, table)
	if err != nil {
		return nil, err
	}
	if ok && !req.Replace {
		return nil, backend.Errorf(backend.ECONFLICT, "the lake already has a table named %s: choose another name, or replace it", existing.Name)
	}
	if ok && existing.Kind != lake.KindTable {
		return nil, backend.Errorf(backend.ECONFLICT, "the lake has a %s dataset named %s, which an import cannot replace: choose another name", existing.Kind, existing.Name)
	}
	if ok {
		table = existing.Name // the lake's own spelling, so the same folder is replaced
	}
	db, err := s.importDB(ctx)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var rows int64
	_, err = s.cfg.Lake.Write(ctx, table, lake.Overwrite, func(ctx context.Context, dir string) error {
		n, err := db.ImportFile(ctx, path, format, filepath.Join(dir, "data.parquet"))
		rows = n
		return err
	})
	if err != nil {
		if backend.ErrorCode(err) != backend.EINTERNAL {
			return nil, err
		}
		return nil, importErr(ctx, err, path, name, format)
	}
	if req.Source.Upload != "" {
		os.RemoveAll(filepath.Dir(path))
	}
	d, ok, err := s.lakeTable(ctx, table)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, backend.Errorf(backend.EINTERNAL, "import %s: %d rows were written to %s, but the lake does not list it", name, rows, table)
	}
	return &d, nil
}

// importErr is DuckDB's refusal of a file as the user's problem, naming
// the file and the format it was read as.
func importErr(ctx context.Context, err error, path, name, format string) error {
	if ctx.Err() != nil {
		return backend.Errorf(backend.ECANCELED, "import %s: canceled", name)
	}
	var ragged *duckdb.RaggedCSVError
	if errors.As(err, &ragged) {
		return backend.Errorf(backend.EINVALID, "import %s: %v", name, ragged)
	}
	msg := duckdb.ImportError(err, path, name)
	// The lake's wrapping ("write lake table X: ") says nothing the user needs.
	if i := strings.LastIndex(msg, ": Invalid Input Error: "); i >= 0 {
		msg = msg[i+len(": Invalid Input Error: "):]
	}
	return backend.Errorf(backend.EINVALID, "import %s: DuckDB cannot read it as %s: %s", name, formatWords[format], msg)
}

var formatWords = map[string]string{duckdb.FormatCSV: "CSV", duckdb.FormatJSON: "JSON", duckdb.FormatParquet: "Parquet"}

// lakeTable finds a local lake dataset by name, ignoring case.
func (s *Service) lakeTable(ctx context.Context, name string) (Dataset, bool, error) {
	cat, err := s.cfg.Lake.Catalog(ctx)
	if err != nil {
		return Dataset{}, false, err
	}
	for _, d := range cat {
		if strings.EqualFold(d.Name, name) {
			return d, true, nil
		}
	}
	return Dataset{}, false, nil
}
