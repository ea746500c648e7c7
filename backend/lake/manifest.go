package lake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

// A table written by Smallfry has a manifest, <Table>/_smallfry.json,
// naming the data objects of its current version; the data objects of each
// version live under <Table>/_v/<version>/. Replacing the manifest is the
// commit. A table folder without a manifest (Parquet files put there by
// another tool, or by an older Smallfry) is every Parquet file under it
// outside folders starting with "_" or "." (Spark's and pyarrow's rule).
const (
	manifestName   = "_smallfry.json"
	versionsFolder = "_v"
	manifestFormat = 1
	maxManifest    = 64 << 20 // a million files is about 100 MB: refuse beyond that
)

// manifest is a table's committed version.
type manifest struct {
	Format      int       `json:"format"`
	Version     string    `json:"version"`
	CommittedAt time.Time `json:"committedAt"`
	// Files are the data objects, relative to the table's folder.
	Files []manifestFile `json:"files"`
	// Retired are data objects that earlier versions named, kept a while
	// for queries that opened the table before the commit.
	Retired []retiredFile `json:"retired,omitempty"`
}

type retiredFile struct {
	Path  string    `json:"path"`
	Since time.Time `json:"since"`
}

type manifestFile struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	// ETag is the object's as stored (absent in manifests written before
	// Smallfry recorded it): for lineage and cache checks.
	ETag string `json:"etag,omitempty"`
}

// tableState is what a table is made of now, and what a commit over it
// must match.
type tableState struct {
	files   []Object // keys relative to the lake root
	retired []retiredFile
	etag    string // the manifest's ETag; "" when there is none
	found   bool   // the table exists (with or without a manifest)
}

// state reads a table's current files: the manifest's when it has one,
// else the Parquet files of the folder.
func (l *Lake) state(ctx context.Context, table string) (tableState, error) {
	key := table + "/" + manifestName
	data, obj, err := l.store.Get(ctx, key)
	switch {
	case err == nil:
		m, err := l.parseManifest(obj, data)
		if err != nil {
			return tableState{}, err
		}
		st := tableState{etag: obj.ETag, found: true, retired: m.Retired}
		for _, f := range m.Files {
			etag := f.ETag
			if etag == "" {
				etag = m.Version // data objects are never rewritten under their key
			}
			st.files = append(st.files, Object{Key: table + "/" + f.Path, Size: f.Size, ETag: etag})
		}
		return st, nil
	case !errors.Is(err, fs.ErrNotExist):
		return tableState{}, fmt.Errorf("read lake table %s: %w", table, err)
	}
	objs, err := l.store.List(ctx, table+"/")
	if err != nil {
		return tableState{}, err
	}
	st := tableState{found: len(objs) > 0}
	for _, o := range objs {
		rel := strings.TrimPrefix(o.Key, table+"/")
		if strings.HasSuffix(rel, ".parquet") && !underscored(rel) {
			st.files = append(st.files, o)
		}
	}
	return st, nil
}

func (l *Lake) parseManifest(obj Object, data []byte) (*manifest, error) {
	if obj.Size > maxManifest {
		return nil, fmt.Errorf("lake manifest %s is %d bytes, more than a manifest can be", l.store.Location(obj.Key), obj.Size)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("lake manifest %s is not valid JSON: %w", l.store.Location(obj.Key), err)
	}
	if m.Format != manifestFormat {
		return nil, fmt.Errorf("lake manifest %s has format %d; this Smallfry reads format %d", l.store.Location(obj.Key), m.Format, manifestFormat)
	}
	for _, f := range append(slices.Clone(m.Files), retiredAsFiles(m.Retired)...) {
		if f.Path == "" || path.IsAbs(f.Path) || strings.HasPrefix(path.Clean(f.Path), "..") {
			return nil, fmt.Errorf("lake manifest %s names a file outside its table: %q", l.store.Location(obj.Key), f.Path)
		}
	}
	return &m, nil
}

func retiredAsFiles(rs []retiredFile) []manifestFile {
	out := make([]manifestFile, len(rs))
	for i, r := range rs {
		out[i] = manifestFile{Path: r.Path}
	}
	return out
}

// underscored tells paths with a folder or file starting with "_" or ".".
func underscored(rel string) bool {
	for _, seg := range strings.Split(rel, "/") {
		if strings.HasPrefix(seg, "_") || strings.HasPrefix(seg, ".") {
			return true
		}
	}
	return false
}

// partitionOf is the Hive partition folder of a table's data object
// ("year=1997/month=1"), relative to its version folder; "" when none.
func partitionOf(table, key string) string {
	rel := strings.TrimPrefix(key, table+"/")
	if rest, ok := strings.CutPrefix(rel, versionsFolder+"/"); ok {
		if _, after, ok := strings.Cut(rest, "/"); ok {
			rel = after
		}
	}
	dir := path.Dir(rel)
	if dir == "." {
		return ""
	}
	return dir
}
