package lake

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

type footerEntry struct {
	size    int64
	modTime time.Time
	rows    int64
	columns []Column
	err     error
}

// Catalog lists every table and raw dataset. Table schemas and row counts
// come from Parquet footers only; no data pages are read.
func (l *Lake) Catalog(ctx context.Context) ([]Dataset, error) {
	tables, raws, err := l.tableDirs()
	if err != nil {
		return nil, err
	}
	var out []Dataset
	for _, t := range tables {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ds, err := l.table(t)
		if err != nil {
			return nil, err
		}
		out = append(out, ds)
	}
	for _, r := range raws {
		ds, err := l.raw(r)
		if err != nil {
			return nil, err
		}
		out = append(out, ds)
	}
	return out, nil
}

func (l *Lake) table(name string) (Dataset, error) {
	ds := Dataset{Name: name, Kind: KindTable, Path: name, Format: "parquet"}
	dir := filepath.Join(l.root, name)
	parts := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".parquet") {
			return nil
		}
		rel, _ := filepath.Rel(dir, filepath.Dir(p))
		keys := partitionKeys(rel)
		if len(keys) > len(ds.Partitions) {
			ds.Partitions = keys
		}
		if len(keys) > 0 {
			parts[rel] = true
		}
		f, err := l.footer(p)
		ds.Files++
		if err != nil {
			ds.Problems = append(ds.Problems, err.Error())
			return nil
		}
		ds.Bytes += f.size
		ds.Rows += f.rows
		if ds.Columns == nil {
			ds.Columns = f.columns
		}
		return nil
	})
	if err != nil {
		return ds, fmt.Errorf("read lake table %s: %w", name, err)
	}
	ds.PartitionCount = len(parts)
	for _, k := range ds.Partitions {
		ds.Columns = append(ds.Columns, Column{Name: k, Type: "partition"})
	}
	return ds, nil
}

// partitionKeys returns the keys of a hive path such as "year=1997/month=1".
func partitionKeys(rel string) []string {
	var keys []string
	for _, seg := range strings.Split(filepath.ToSlash(rel), "/") {
		if k, _, ok := strings.Cut(seg, "="); ok && k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// footer reads (or recalls) a Parquet file's row count and schema.
func (l *Lake) footer(path string) (footerEntry, error) {
	st, err := os.Stat(path)
	if err != nil {
		return footerEntry{}, fmt.Errorf("%s: %w", path, err)
	}
	l.mu.Lock()
	f, ok := l.footers[path]
	l.mu.Unlock()
	if ok && f.size == st.Size() && f.modTime.Equal(st.ModTime()) {
		return f, f.err
	}
	f = footerEntry{size: st.Size(), modTime: st.ModTime()}
	f.rows, f.columns, f.err = readFooter(path, st.Size())
	l.mu.Lock()
	l.footers[path] = f
	l.mu.Unlock()
	return f, f.err
}

func readFooter(path string, size int64) (rows int64, cols []Column, err error) {
	file, err := os.Open(path)
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", path, err)
	}
	defer file.Close()
	pf, err := parquet.OpenFile(file, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return 0, nil, fmt.Errorf("%s is not a readable Parquet file: %w", path, err)
	}
	for _, field := range pf.Schema().Fields() {
		cols = append(cols, Column{Name: field.Name(), Type: typeName(field)})
	}
	return pf.NumRows(), cols, nil
}

// typeName gives a column's type in the words a SQL user knows.
func typeName(n parquet.Node) string {
	var logical format.LogicalTypeValue
	if lt := n.Type().LogicalType(); lt != nil {
		logical = lt.Value
	}
	switch lt := logical.(type) {
	case *format.StringType, *format.EnumType:
		return "VARCHAR"
	case *format.DateType:
		return "DATE"
	case *format.TimestampType:
		return "TIMESTAMP"
	case *format.DecimalType:
		return fmt.Sprintf("DECIMAL(%d,%d)", lt.Precision, lt.Scale)
	case *format.IntType:
		return intName(int(lt.BitWidth), lt.IsSigned)
	case *format.UUIDType:
		return "UUID"
	case *format.JsonType:
		return "JSON"
	case *format.ListType:
		return "LIST"
	case *format.MapType:
		return "MAP"
	}
	if !n.Leaf() {
		return "STRUCT"
	}
	switch n.Type().Kind() {
	case parquet.Boolean:
		return "BOOLEAN"
	case parquet.Int32:
		return "INTEGER"
	case parquet.Int64:
		return "BIGINT"
	case parquet.Float:
		return "FLOAT"
	case parquet.Double:
		return "DOUBLE"
	}
	return "BLOB"
}

func intName(bits int, signed bool) string {
	name := map[int]string{8: "TINYINT", 16: "SMALLINT", 32: "INTEGER", 64: "BIGINT"}[bits]
	if !signed {
		name = "U" + name
	}
	return name
}

// raw lists a raw dataset; its columns are the top-level keys of its first
// record, which costs one line of one file.
func (l *Lake) raw(name string) (Dataset, error) {
	ds := Dataset{Name: rawDir + "." + name, Kind: KindRaw, Path: rawDir + "/" + name, Format: "jsonl", Rows: -1}
	dir := filepath.Join(l.root, rawDir, name)
	first := ""
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !(strings.HasSuffix(p, ".jsonl") || strings.HasSuffix(p, ".json")) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		ds.Files++
		ds.Bytes += info.Size()
		if first == "" {
			first = p
		}
		return nil
	})
	if err != nil {
		return ds, fmt.Errorf("read raw dataset %s: %w", name, err)
	}
	if first != "" {
		cols, err := jsonColumns(first)
		if err != nil {
			ds.Problems = append(ds.Problems, err.Error())
		}
		ds.Columns = cols
	}
	return ds, nil
}

func jsonColumns(path string) ([]Column, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	if !sc.Scan() {
		return nil, nil
	}
	var rec map[string]any
	if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
		return nil, fmt.Errorf("%s line 1 is not a JSON object: %w", path, err)
	}
	var cols []Column
	for k, v := range rec {
		cols = append(cols, Column{Name: k, Type: jsonType(v)})
	}
	sort.Slice(cols, func(i, j int) bool { return cols[i].Name < cols[j].Name })
	return cols, nil
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "VARCHAR"
	case float64:
		return "DOUBLE"
	case bool:
		return "BOOLEAN"
	case map[string]any:
		return "STRUCT"
	case []any:
		return "LIST"
	}
	return "JSON"
}
