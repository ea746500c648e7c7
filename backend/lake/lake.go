// Package lake is the Parquet lake: a catalog read from Parquet footers,
// name resolution for SQL, and atomic dataset writes, over a Storage (a
// local folder now, an S3 bucket next).
package lake

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"smallfry/backend"
)

// Layout of a lake:
//
//	<Table>/...                  a table: Parquet files, optionally in key=value/ folders
//	<Table>/_smallfry.json       the manifest of a table Smallfry wrote (see manifest.go)
//	raw/<dataset>/...            a raw dataset: JSON lines files (*.jsonl, *.json)
//	.staging/                    in-flight writes of a local lake; never listed
const rawDir = "raw"

// Kind tells tables from raw datasets.
type Kind string

const (
	KindTable Kind = "table"
	KindRaw   Kind = "raw"
)

// Dataset is one entry of the catalog.
type Dataset struct {
	Name           string   `json:"name"` // as queried in SQL: Fact_Sales, raw.events
	Kind           Kind     `json:"kind"`
	Path           string   `json:"path"`   // folder, relative to the lake root, slash-separated
	Format         string   `json:"format"` // parquet or jsonl
	Files          int      `json:"files"`
	Bytes          int64    `json:"bytes"`
	Rows           int64    `json:"rows"` // from footers; -1 when unknown (raw data)
	Columns        []Column `json:"columns"`
	Partitions     []string `json:"partitions,omitempty"` // hive partition keys, outermost first
	PartitionCount int      `json:"partitionCount,omitempty"`
	// Problems lists files that could not be read, each naming the file. A
	// dataset with problems is still listed: the readable files are counted.
	Problems []string `json:"problems,omitempty"`
}

// Column is a column of a dataset's schema.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Lake is a lake over its storage. Its catalog is cheap to refresh:
// footers are cached by object and ETag.
type Lake struct {
	// Now is the clock of commits and clean-ups; nil is time.Now.
	Now func() time.Time
	// RetireAfter is how long a replaced version's objects stay for the
	// queries still reading them; 0 is 15 minutes.
	RetireAfter time.Duration
	// Recheck is how long Files trusts what it last read of a table (the
	// folder listing and the manifest) before reading them again; 0 reads
	// them every time. A remote lake sets it so that a query of a cached
	// table asks the storage nothing; another writer's commit is then seen
	// up to Recheck later (its replaced objects stay RetireAfter, longer),
	// and this Lake's own commits at once.
	Recheck time.Duration

	store Storage
	root  string // the local folder, for a local lake

	mu      sync.Mutex
	footers map[string]footerEntry // by key
	files   map[string]filesEntry  // by lower-case table name, see Recheck
}

type filesEntry struct {
	tf TableFiles
	ok bool
	at time.Time
}

// Open returns the lake in a local folder, creating the folder if needed.
func Open(root string) (*Lake, error) {
	st, err := NewLocal(root)
	if err != nil {
		return nil, err
	}
	l := New(st)
	l.root = st.Root()
	return l, nil
}

// New returns the lake in a storage.
func New(store Storage) *Lake {
	return &Lake{store: store, footers: map[string]footerEntry{}, files: map[string]filesEntry{}}
}

// Root is a local lake's folder ("" for other storage).
func (l *Lake) Root() string { return l.root }

// ValidName reports whether name can name a lake table.
func ValidName(name string) bool {
	return backend.IsIdentifier(name) && !strings.EqualFold(name, rawDir)
}

// tableDirs lists the table and raw dataset folders, sorted.
func (l *Lake) tableDirs(ctx context.Context) (tables, raws []string, err error) {
	top, err := l.store.Folders(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	for _, name := range top {
		switch {
		case name == rawDir:
			sub, err := l.store.Folders(ctx, rawDir+"/")
			if err != nil {
				return nil, nil, err
			}
			for _, s := range sub {
				if ValidName(s) {
					raws = append(raws, s)
				}
			}
		case ValidName(name):
			tables = append(tables, name)
		}
	}
	sort.Strings(tables)
	sort.Strings(raws)
	return tables, raws, nil
}

// Resolve maps a SQL table name (case-insensitive, as SQL is) to the table
// function that reads it, for duckdb.Config.Resolve: read_parquet over the
// files of the table's current version, each as DuckDB can open it.
func (l *Lake) Resolve(name string) (string, []any, bool, error) {
	ctx := context.Background() // DuckDB's replacement scans carry no context
	tables, _, err := l.tableDirs(ctx)
	if err != nil {
		return "", nil, false, err
	}
	for _, t := range tables {
		if !strings.EqualFold(t, name) {
			continue
		}
		st, err := l.state(ctx, t)
		if err != nil {
			return "", nil, false, err
		}
		if len(st.files) == 0 {
			return "", nil, false, fmt.Errorf("lake table %s has no Parquet files", t)
		}
		paths := make([]string, len(st.files))
		for i, f := range st.files {
			if paths[i], err = l.store.LocalPath(ctx, f.Key); err != nil {
				return "", nil, false, err
			}
		}
		return "read_parquet", []any{paths}, true, nil
	}
	return "", nil, false, nil
}

// RawGlob finds a raw dataset by name (case-insensitive) and gives its own
// spelling and the glob of its JSON files, for duckdb.Config.JSONViews.
func (l *Lake) RawGlob(name string) (canonical, glob string, ok bool) {
	ctx := context.Background()
	_, raws, err := l.tableDirs(ctx)
	if err != nil {
		return "", "", false
	}
	for _, r := range raws {
		if strings.EqualFold(r, name) {
			dir, err := l.store.LocalPath(ctx, path.Join(rawDir, r))
			if err != nil {
				return "", "", false
			}
			return r, filepath.Join(dir, "**", "*.json*"), true
		}
	}
	return "", "", false
}

// CanonicalName returns a table's name as its folder spells it, for a name
// SQL matched case-insensitively; unknown names come back unchanged.
func (l *Lake) CanonicalName(name string) string {
	tables, _, err := l.tableDirs(context.Background())
	if err != nil {
		return name
	}
	for _, t := range tables {
		if strings.EqualFold(t, name) {
			return t
		}
	}
	return name
}

// TableFiles is what a table's current version is made of.
type TableFiles struct {
	Name       string   // the table's own spelling
	Partitions []string // Hive partition keys, outermost first
	Files      []File
}

// File is one data object of a table, with its Hive partition values.
type File struct {
	Object
	Partition map[string]string // key=value folders above the file
}

// Files returns the files of a table's current version, for readers that
// fetch them (the S3 lake's views). ok is false when there is no such table
// (names match case-insensitively, as in SQL).
func (l *Lake) Files(ctx context.Context, name string) (TableFiles, bool, error) {
	key := strings.ToLower(name)
	if l.Recheck > 0 {
		l.mu.Lock()
		e, hit := l.files[key]
		l.mu.Unlock()
		if hit && l.now().Sub(e.at) < l.Recheck {
			return e.tf, e.ok, nil
		}
	}
	tf, ok, err := l.readFiles(ctx, name)
	if err == nil && l.Recheck > 0 {
		l.mu.Lock()
		l.files[key] = filesEntry{tf: tf, ok: ok, at: l.now()}
		l.mu.Unlock()
	}
	return tf, ok, err
}

func (l *Lake) readFiles(ctx context.Context, name string) (TableFiles, bool, error) {
	tables, _, err := l.tableDirs(ctx)
	if err != nil {
		return TableFiles{}, false, err
	}
	for _, t := range tables {
		if !strings.EqualFold(t, name) {
			continue
		}
		st, err := l.state(ctx, t)
		if err != nil {
			return TableFiles{}, false, err
		}
		tf := TableFiles{Name: t}
		for _, o := range st.files {
			f := File{Object: o, Partition: map[string]string{}}
			part := partitionOf(t, o.Key)
			for _, seg := range strings.Split(part, "/") {
				if k, v, ok := strings.Cut(seg, "="); ok && k != "" {
					f.Partition[k] = v
				}
			}
			if keys := partitionKeys(part); len(keys) > len(tf.Partitions) {
				tf.Partitions = keys
			}
			tf.Files = append(tf.Files, f)
		}
		return tf, true, nil
	}
	return TableFiles{}, false, nil
}

// Raw finds a raw dataset by name (case-insensitive): its own spelling and
// its objects.
func (l *Lake) Raw(ctx context.Context, name string) (canonical string, objs []Object, ok bool, err error) {
	_, raws, err := l.tableDirs(ctx)
	if err != nil {
		return "", nil, false, err
	}
	for _, r := range raws {
		if strings.EqualFold(r, name) {
			objs, err := l.store.List(ctx, path.Join(rawDir, r)+"/")
			return r, objs, err == nil, err
		}
	}
	return "", nil, false, nil
}

// Store is the lake's storage.
func (l *Lake) Store() Storage { return l.store }
