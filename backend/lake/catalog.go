package lake

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

type footerEntry struct {
	etag    string
	rows    int64
	columns []Column
	note    string // a problem that still leaves the file readable
	err     error
}

// Catalog lists every table and raw dataset. Table schemas and row counts
// come from Parquet footers only, read with ranged reads: no data pages.
func (l *Lake) Catalog(ctx context.Context) ([]Dataset, error) {
	tables, raws, err := l.tableDirs(ctx)
	if err != nil {
		return nil, err
	}
	var out []Dataset
	for _, t := range tables {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ds, err := l.table(ctx, t)
		if err != nil {
			return nil, err
		}
		out = append(out, ds)
	}
	for _, r := range raws {
		ds, err := l.raw(ctx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, ds)
	}
	return out, nil
}

func (l *Lake) table(ctx context.Context, name string) (Dataset, error) {
	ds := Dataset{Name: name, Kind: KindTable, Path: name, Format: "parquet"}
	st, err := l.state(ctx, name)
	if err != nil {
		// Listed with its problem, so one broken table hides nothing else.
		ds.Problems = append(ds.Problems, err.Error())
		return ds, nil
	}
	parts := map[string]bool{}
	for _, f := range st.files {
		part := partitionOf(name, f.Key)
		keys := partitionKeys(part)
		if len(keys) > len(ds.Partitions) {
			ds.Partitions = keys
		}
		if len(keys) > 0 {
			parts[part] = true
		}
		ds.Files++
		fe, err := l.footer(ctx, f)
		if err != nil {
			ds.Problems = append(ds.Problems, err.Error())
			continue
		}
		if fe.note != "" {
			ds.Problems = append(ds.Problems, fe.note)
		}
		ds.Bytes += f.Size
		ds.Rows += fe.rows
		if ds.Columns == nil {
			ds.Columns = fe.columns
		}
	}
	if st.etag != "" {
		// Files put beside a committed version (by hand, by another tool)
		// are not part of the table: say so rather than ignore them quietly.
		if all, err := l.store.List(ctx, name+"/"); err == nil {
			for _, o := range all {
				if rel := strings.TrimPrefix(o.Key, name+"/"); strings.HasSuffix(rel, ".parquet") && !underscored(rel) {
					ds.Problems = append(ds.Problems, fmt.Sprintf("%s is not part of the table's committed version, so queries do not read it: "+
						"write the table from a notebook, or move the file into a table folder of its own", l.store.Location(o.Key)))
				}
			}
		}
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
	for _, seg := range strings.Split(rel, "/") {
		if k, _, ok := strings.Cut(seg, "="); ok && k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// footer reads (or recalls) a Parquet object's row count and schema.
func (l *Lake) footer(ctx context.Context, o Object) (footerEntry, error) {
	l.mu.Lock()
	f, ok := l.footers[o.Key]
	l.mu.Unlock()
	if ok && f.etag == o.ETag && o.ETag != "" {
		return f, f.err
	}
	f = footerEntry{etag: o.ETag}
	var info footerInfo
	info, f.err = readFooter(readerAt{ctx, l.store, o.Key}, l.store.Location(o.Key), o.Size)
	f.rows, f.columns, f.note = info.rows, info.columns, info.note
	l.mu.Lock()
	l.footers[o.Key] = f
	l.mu.Unlock()
	return f, f.err
}

// forgetFooters drops the cached footers of a table that was rewritten.
func (l *Lake) forgetFooters(table string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k := range l.footers {
		if strings.HasPrefix(k, table+"/") {
			delete(l.footers, k)
		}
	}
}

// raw lists a raw dataset; its columns are the top-level keys of its first
// record, which costs one line of one file.
func (l *Lake) raw(ctx context.Context, name string) (Dataset, error) {
	ds := Dataset{Name: rawDir + "." + name, Kind: KindRaw, Path: rawDir + "/" + name, Format: "jsonl", Rows: -1}
	objs, err := l.store.List(ctx, rawDir+"/"+name+"/")
	if err != nil {
		return ds, fmt.Errorf("read raw dataset %s: %w", name, err)
	}
	var first *Object
	for i, o := range objs {
		if !strings.HasSuffix(o.Key, ".jsonl") && !strings.HasSuffix(o.Key, ".json") {
			continue
		}
		ds.Files++
		ds.Bytes += o.Size
		if first == nil {
			first = &objs[i]
		}
	}
	if first != nil {
		cols, err := jsonColumns(io.NewSectionReader(readerAt{ctx, l.store, first.Key}, 0, first.Size), l.store.Location(first.Key))
		if err != nil {
			ds.Problems = append(ds.Problems, err.Error())
		}
		ds.Columns = cols
	}
	return ds, nil
}

func jsonColumns(r io.Reader, key string) ([]Column, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		return nil, nil
	}
	var rec map[string]any
	if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
		return nil, fmt.Errorf("%s line 1 is not a JSON object: %w", key, err)
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
