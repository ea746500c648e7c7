// Package lakeview serves a remote lake (S3) to DuckDB as the attached
// catalog s3: each table a view over local copies of its objects, fetched
// when a statement first needs them. A filter on a Hive partition key
// fetches only the matching partitions; the others stand in the view as
// empty placeholder files, which DuckDB skips when it prunes them and
// cannot read when it does not: then the session asks Missing, which fetches
// the rest of the table, and runs the statement again. So a query is never
// answered from a partial table.
//
// Offline (the storage unreachable, or the user signed out), a table whose
// objects are all cached is served from the last listing seen, marked with
// the time it was fetched; any other is a clear error.
package lakeview

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"smallfry/backend/atomicfile"
	"smallfry/backend/duckdb"
	"smallfry/backend/lake"
)

// Store is the storage of a remote lake: objects read through a local cache.
type Store interface {
	lake.Storage
	// Fetch makes local copies of the objects, concurrently, reporting bytes.
	Fetch(ctx context.Context, keys []string, progress func(done, total int64)) error
	// Cached tells whether an object has a local copy, and since when.
	Cached(key string) (fetchedAt time.Time, ok bool)
}

// copier is a Store that can vouch for a local copy by the ETag a manifest
// or listing gave, without asking the storage again (s3.Store).
type copier interface {
	CopyOf(key, etag string) (string, bool)
}

// Catalog is a remote lake as a duckdb.Catalog.
type Catalog struct {
	lake  *lake.Lake
	store Store
	dir   string // placeholders/ and snapshots/

	mu      sync.Mutex
	written map[string]string // the snapshot last written, by table
	origins map[string]string // an object's location, by the local path views read
}

// New serves the lake l over store, keeping placeholders and the listings
// it last saw in dir.
func New(l *lake.Lake, store Store, dir string) *Catalog {
	return &Catalog{lake: l, store: store, dir: dir, written: map[string]string{}, origins: map[string]string{}}
}

var (
	_ duckdb.Catalog = (*Catalog)(nil)
	_ duckdb.Locator = (*Catalog)(nil)
)

// Location implements duckdb.Locator: the s3:// URL of a local copy or
// placeholder a view of this catalog read.
func (c *Catalog) Location(file string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	loc, ok := c.origins[filepath.Clean(file)]
	return loc, ok
}

// snapshot is the last listing of a table seen online.
type snapshot struct {
	Name       string      `json:"name"`
	Partitions []string    `json:"partitions,omitempty"`
	Files      []lake.File `json:"files"`
	ListedAt   time.Time   `json:"listedAt"`
}

// View implements duckdb.Catalog.
func (c *Catalog) View(ctx context.Context, req duckdb.ViewRequest) (duckdb.View, bool, error) {
	switch strings.ToLower(req.Schema) {
	case "main":
		return c.table(ctx, req)
	case "raw":
		return c.raw(ctx, req)
	}
	return duckdb.View{}, false, nil
}

func (c *Catalog) table(ctx context.Context, req duckdb.ViewRequest) (duckdb.View, bool, error) {
	tf, ok, err := c.lake.Files(ctx, req.Name)
	offline := errors.Is(err, lake.ErrOffline)
	switch {
	case offline:
		snap, found := c.readSnapshot(req.Name)
		if !found {
			return duckdb.View{}, false, fmt.Errorf("%w; and no copy of it is cached", err)
		}
		// The partitions cached answer; one the statement needs that is
		// not cached fails below (or in Missing), naming it.
		tf = lake.TableFiles{Name: snap.Name, Partitions: snap.Partitions, Files: snap.Files}
	case err != nil:
		return duckdb.View{}, false, err
	case !ok:
		return duckdb.View{}, false, nil
	}
	if len(tf.Files) == 0 {
		return duckdb.View{}, false, fmt.Errorf("s3.%s has no Parquet files", tf.Name)
	}
	if !offline {
		c.writeSnapshot(tf)
	}

	want, first := wanted(tf, req)
	var fetch []string
	for i, f := range tf.Files {
		if _, cached := c.store.Cached(f.Key); want[i] && !cached {
			fetch = append(fetch, f.Key)
		}
	}
	if offline && len(fetch) > 0 {
		return duckdb.View{}, false, fmt.Errorf("%w; the query reads %s, which is not cached here", err, c.store.Location(fetch[0]))
	}
	if err := c.fetch(ctx, fetch, req.Progress); err != nil {
		if errors.Is(err, lake.ErrOffline) {
			// The listing was recent enough to trust, the storage is gone.
			return duckdb.View{}, false, fmt.Errorf("%w; the query reads %s, which is not cached here", err, c.store.Location(fetch[0]))
		}
		return duckdb.View{}, false, err
	}

	// The first file DuckDB binds with must be real: put it first.
	order := append([]int{first}, rangeExcept(len(tf.Files), first)...)
	paths := make([]string, 0, len(order))
	var objects []string
	for _, i := range order {
		f := tf.Files[i]
		p, real, err := c.path(ctx, f.Object)
		if err != nil {
			return duckdb.View{}, false, err
		}
		paths = append(paths, duckdb.QuoteString(p))
		if real {
			objects = append(objects, c.store.Location(f.Key)+"#"+f.ETag)
		}
	}
	hive := "false"
	if len(tf.Partitions) > 0 {
		hive = "true"
	}
	return duckdb.View{
		Name:    tf.Name,
		Query:   "SELECT * FROM read_parquet([" + strings.Join(paths, ", ") + "], hive_partitioning = " + hive + ")",
		Objects: objects,
	}, true, nil
}

// wanted tells the files a statement can read, by its filters on the
// table's partition keys, and the first of them.
func wanted(tf lake.TableFiles, req duckdb.ViewRequest) (want []bool, first int) {
	want = make([]bool, len(tf.Files))
	var matchers []func(lake.File) bool
	for _, k := range tf.Partitions {
		if match, ok := duckdb.KeyFilter(req.Statement, k, req.Params); ok {
			matchers = append(matchers, func(f lake.File) bool { v, ok := f.Partition[k]; return ok && match(v) })
		}
	}
	first = -1
	for i, f := range tf.Files {
		want[i] = true
		for _, m := range matchers {
			want[i] = want[i] && m(f)
		}
		if want[i] && first < 0 {
			first = i
		}
	}
	if first < 0 {
		first = 0 // DuckDB reads the first file's schema even when it prunes it
		want[0] = true
	}
	return want, first
}

// Estimate implements duckdb.Estimator: what a statement would read of
// s3.<name>, after partition pruning, from the table's listing (no data is
// fetched), and how much of it is not cached here yet.
func (c *Catalog) Estimate(ctx context.Context, req duckdb.ViewRequest) (duckdb.Scan, bool, error) {
	if !strings.EqualFold(req.Schema, "main") {
		return duckdb.Scan{}, false, nil
	}
	tf, ok, err := c.lake.Files(ctx, req.Name)
	if errors.Is(err, lake.ErrOffline) {
		snap, found := c.readSnapshot(req.Name)
		if !found {
			return duckdb.Scan{}, false, err
		}
		tf, ok, err = lake.TableFiles{Name: snap.Name, Partitions: snap.Partitions, Files: snap.Files}, true, nil
	}
	if err != nil || !ok || len(tf.Files) == 0 {
		return duckdb.Scan{}, false, err
	}
	want, _ := wanted(tf, req)
	scan := duckdb.Scan{Table: "s3." + tf.Name, FilesTotal: len(tf.Files)}
	for i, f := range tf.Files {
		scan.BytesTotal += f.Size
		if !want[i] {
			continue
		}
		scan.Files++
		scan.Bytes += f.Size
		if _, cached := c.store.Cached(f.Key); !cached {
			scan.ToDownload += f.Size
		}
	}
	return scan, true, nil
}

func rangeExcept(n, skip int) []int {
	out := make([]int, 0, n)
	for i := range n {
		if i != skip {
			out = append(out, i)
		}
	}
	return out
}

// path is where DuckDB reads an object: its local copy when there is one,
// else an empty placeholder (real=false).
func (c *Catalog) path(ctx context.Context, o lake.Object) (p string, real bool, err error) {
	p, real, err = c.localPath(ctx, o)
	if err == nil {
		c.mu.Lock()
		c.origins[filepath.Clean(p)] = c.store.Location(o.Key)
		c.mu.Unlock()
	}
	return p, real, err
}

func (c *Catalog) localPath(ctx context.Context, o lake.Object) (p string, real bool, err error) {
	key := o.Key
	if cp, ok := c.store.(copier); ok {
		if p, ok := cp.CopyOf(key, o.ETag); ok {
			return p, true, nil
		}
	}
	if _, ok := c.store.Cached(key); ok {
		p, err := c.store.LocalPath(ctx, key)
		if err == nil || !errors.Is(err, lake.ErrOffline) {
			return p, true, err
		}
	}
	p = c.placeholder(key)
	if _, err := os.Stat(p); err == nil {
		return p, false, nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", false, fmt.Errorf("make a placeholder for %s: %w", c.store.Location(key), err)
	}
	return p, false, os.WriteFile(p, nil, 0o644)
}

func (c *Catalog) placeholder(key string) string {
	return filepath.Join(c.dir, "placeholders", filepath.FromSlash(key))
}

func (c *Catalog) fetch(ctx context.Context, keys []string, progress func(duckdb.Download)) error {
	if len(keys) == 0 {
		return nil
	}
	var report func(done, total int64)
	if progress != nil {
		report = func(done, total int64) { progress(duckdb.Download{Done: done, Total: total}) }
	}
	return c.store.Fetch(ctx, keys, report)
}

// Missing implements duckdb.Catalog: file is a placeholder the statement
// needed after all, so the whole table it belongs to is fetched.
func (c *Catalog) Missing(ctx context.Context, file string, progress func(duckdb.Download)) (bool, error) {
	rel, err := filepath.Rel(filepath.Join(c.dir, "placeholders"), file)
	if err != nil || strings.HasPrefix(rel, "..") {
		return false, nil
	}
	table, _, _ := strings.Cut(filepath.ToSlash(rel), "/")
	tf, ok, err := c.lake.Files(ctx, table)
	if err != nil || !ok {
		return false, err
	}
	var fetch []string
	for _, f := range tf.Files {
		if _, cached := c.store.Cached(f.Key); !cached {
			fetch = append(fetch, f.Key)
		}
	}
	if err := c.fetch(ctx, fetch, progress); err != nil {
		return false, err
	}
	return len(fetch) > 0, nil
}

func (c *Catalog) raw(ctx context.Context, req duckdb.ViewRequest) (duckdb.View, bool, error) {
	name, objs, ok, err := c.lake.Raw(ctx, req.Name)
	if err != nil && !errors.Is(err, lake.ErrOffline) {
		return duckdb.View{}, false, err
	}
	if errors.Is(err, lake.ErrOffline) {
		name, ok = req.Name, true // the folder's copy answers if there is one
	}
	if !ok {
		return duckdb.View{}, false, nil
	}
	dir, err := c.store.LocalPath(ctx, "raw/"+name)
	if err != nil {
		return duckdb.View{}, false, err
	}
	v := duckdb.View{Name: name, JSONGlob: filepath.Join(dir, "**", "*.json*")}
	for _, o := range objs {
		v.Objects = append(v.Objects, c.store.Location(o.Key)+"#"+o.ETag)
	}
	return v, true, nil
}

func (c *Catalog) snapshotPath(name string) string {
	return filepath.Join(c.dir, "snapshots", strings.ToLower(name)+".json")
}

func (c *Catalog) readSnapshot(name string) (snapshot, bool) {
	data, err := os.ReadFile(c.snapshotPath(name))
	if err != nil {
		return snapshot{}, false
	}
	var s snapshot
	if json.Unmarshal(data, &s) != nil || len(s.Files) == 0 {
		return snapshot{}, false
	}
	return s, true
}

// writeSnapshot keeps a table's listing for offline use; failing to is not
// an error of the query.
func (c *Catalog) writeSnapshot(tf lake.TableFiles) {
	c.mu.Lock()
	defer c.mu.Unlock()
	files, err := json.Marshal(tf.Files)
	if err != nil || c.written[tf.Name] == string(files) {
		return // unchanged since last written
	}
	data, err := json.Marshal(snapshot{Name: tf.Name, Partitions: tf.Partitions, Files: tf.Files, ListedAt: time.Now().UTC()})
	if err != nil {
		return
	}
	p := c.snapshotPath(tf.Name)
	if os.MkdirAll(filepath.Dir(p), 0o755) == nil && atomicfile.Write(p, data, 0o644) == nil {
		c.written[tf.Name] = string(files)
	}
}

// CachedAt tells when the oldest local copy of a table's files was
// fetched; ok is false when none is cached. whole tells whether every file
// of the table's last listing is.
func (c *Catalog) CachedAt(name string) (at time.Time, whole, ok bool) {
	snap, found := c.readSnapshot(name)
	if !found {
		return time.Time{}, false, false
	}
	whole = true
	for _, f := range snap.Files {
		fetched, cached := c.store.Cached(f.Key)
		if !cached {
			whole = false
			continue
		}
		if at.IsZero() || fetched.Before(at) {
			at = fetched
		}
	}
	return at, whole, !at.IsZero()
}

// CachedDatasets lists the tables whose listing was seen here, for the
// catalog offline: files and sizes from that listing, columns unknown.
func (c *Catalog) CachedDatasets() []lake.Dataset {
	entries, _ := os.ReadDir(filepath.Join(c.dir, "snapshots"))
	var out []lake.Dataset
	for _, e := range entries {
		snap, ok := c.readSnapshot(strings.TrimSuffix(e.Name(), ".json"))
		if !ok {
			continue
		}
		d := lake.Dataset{Name: snap.Name, Kind: lake.KindTable, Path: snap.Name, Format: "parquet", Rows: -1, Partitions: snap.Partitions}
		parts := map[string]bool{}
		for _, f := range snap.Files {
			d.Files++
			d.Bytes += f.Size
			if len(f.Partition) > 0 {
				parts[path.Dir(f.Key)] = true
			}
		}
		d.PartitionCount = len(parts)
		out = append(out, d)
	}
	return out
}
