// Package lake is the Parquet lake in a local folder: a catalog read from
// Parquet footers, name resolution for SQL, and atomic dataset writes.
package lake

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Layout of a lake folder:
//
//	<root>/<Table>/...           a table: Parquet files, optionally in key=value/ folders
//	<root>/raw/<dataset>/...     a raw dataset: JSON lines files (*.jsonl, *.json)
//	<root>/.staging, .trash      in-flight writes; never listed
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

// Lake is a lake folder. Its catalog is cheap to refresh: footers are cached
// by file size and modification time.
type Lake struct {
	root string

	mu      sync.Mutex
	footers map[string]footerEntry
}

// Open returns the lake at root, creating the folder if needed.
func Open(root string) (*Lake, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("open lake %q: %w", root, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("open lake %q: %w", root, err)
	}
	return &Lake{root: abs, footers: map[string]footerEntry{}}, nil
}

// Root is the lake's folder.
func (l *Lake) Root() string { return l.root }

var tableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ValidName reports whether name can name a lake table.
func ValidName(name string) bool {
	return tableName.MatchString(name) && !strings.EqualFold(name, rawDir)
}

// tableDirs lists the table and raw dataset folders, sorted.
func (l *Lake) tableDirs() (tables, raws []string, err error) {
	entries, err := os.ReadDir(l.root)
	if err != nil {
		return nil, nil, fmt.Errorf("list lake %s: %w", l.root, err)
	}
	for _, e := range entries {
		switch {
		case !e.IsDir() || strings.HasPrefix(e.Name(), "."):
		case e.Name() == rawDir:
			sub, err := os.ReadDir(filepath.Join(l.root, rawDir))
			if err != nil {
				return nil, nil, fmt.Errorf("list lake %s: %w", l.root, err)
			}
			for _, s := range sub {
				if s.IsDir() && ValidName(s.Name()) {
					raws = append(raws, s.Name())
				}
			}
		case ValidName(e.Name()):
			tables = append(tables, e.Name())
		}
	}
	sort.Strings(tables)
	sort.Strings(raws)
	return tables, raws, nil
}

// Resolve maps a SQL table name (case-insensitive, as SQL is) to the table
// function that reads it, for duckdb.Config.Resolve.
func (l *Lake) Resolve(name string) (string, []any, bool, error) {
	tables, _, err := l.tableDirs()
	if err != nil {
		return "", nil, false, err
	}
	for _, t := range tables {
		if strings.EqualFold(t, name) {
			glob := filepath.Join(l.root, t, "**", "*.parquet")
			if !hasParquet(filepath.Join(l.root, t)) {
				return "", nil, false, fmt.Errorf("lake table %s has no Parquet files in %s", t, filepath.Join(l.root, t))
			}
			return "read_parquet", []any{[]string{glob}}, true, nil
		}
	}
	return "", nil, false, nil
}

// RawNames lists the raw datasets, for the session's raw schema.
func (l *Lake) RawNames() ([]string, error) {
	_, raws, err := l.tableDirs()
	return raws, err
}

// RawGlob finds a raw dataset by name (case-insensitive) and gives its own
// spelling and the glob of its JSON files, for duckdb.Config.JSONViews.
func (l *Lake) RawGlob(name string) (canonical, glob string, ok bool) {
	raws, err := l.RawNames()
	if err != nil {
		return "", "", false
	}
	for _, r := range raws {
		if strings.EqualFold(r, name) {
			return r, filepath.Join(l.root, rawDir, r, "**", "*.json*"), true
		}
	}
	return "", "", false
}

func hasParquet(dir string) bool {
	found := false
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}

// CanonicalName returns a table's name as its folder spells it, for a name
// SQL matched case-insensitively; unknown names come back unchanged.
func (l *Lake) CanonicalName(name string) string {
	tables, _, err := l.tableDirs()
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
