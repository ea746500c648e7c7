package s3_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/parquet-go/parquet-go"

	"smallfry/backend/lake"
	"smallfry/backend/s3"
)

// The lake over S3: the same commit protocol, catalog and name resolution
// as over a folder, with a real MinIO underneath.

type sale struct {
	ID    int64  `parquet:"id"`
	Brand string `parquet:"brand"`
	Units int32  `parquet:"units"`
}

func writeParquet(t *testing.T, path string, rows []sale) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := parquet.WriteFile(path, rows); err != nil {
		t.Fatal(err)
	}
}

func salesRows(id0, n int) []sale {
	rows := make([]sale, n)
	for i := range rows {
		rows[i] = sale{ID: int64(id0 + i), Brand: fmt.Sprintf("brand-%d", i%3), Units: int32(i)}
	}
	return rows
}

// fill writes files Parquet files of rows rows each, as a notebook's save does.
func fill(t *testing.T, files, rows int) func(context.Context, string) error {
	return func(_ context.Context, dir string) error {
		for i := range files {
			writeParquet(t, filepath.Join(dir, fmt.Sprintf("part-%d.parquet", i)), salesRows(i*rows, rows))
		}
		return nil
	}
}

func dataset(t *testing.T, l *lake.Lake, name string) lake.Dataset {
	t.Helper()
	all, err := l.Catalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range all {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("%s is not in the catalog: %+v", name, all)
	return lake.Dataset{}
}

// readResolved reads every row of a table the way DuckDB does: resolve its
// name to local files, then open each.
func readResolved(t *testing.T, l *lake.Lake, name string) (paths []string, rows int) {
	t.Helper()
	fn, args, ok, err := l.Resolve(name)
	if err != nil || !ok || fn != "read_parquet" {
		t.Fatalf("Resolve(%s) = %s %v %v", name, fn, ok, err)
	}
	paths = args[0].([]string)
	for _, p := range paths {
		got, err := parquet.ReadFile[sale](p)
		if err != nil {
			t.Fatal(err)
		}
		rows += len(got)
	}
	return paths, rows
}

func TestLakeWriteCatalogResolve(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	l := lake.New(f.store)
	const files, rows = 3, 40
	if _, err := l.Write(ctx, "Sales", lake.Overwrite, fill(t, files, rows)); err != nil {
		t.Fatal(err)
	}

	f.reqs.reset()
	ds := dataset(t, l, "Sales")
	if ds.Files != files || ds.Rows != files*rows || len(ds.Problems) > 0 {
		t.Errorf("catalog: %+v", ds)
	}
	var cols []string
	for _, c := range ds.Columns {
		cols = append(cols, c.Name+":"+c.Type)
	}
	if got := strings.Join(cols, " "); got != "id:BIGINT brand:VARCHAR units:INTEGER" {
		t.Errorf("columns %s", got)
	}
	// Footers are read with one ranged GET each (no object is downloaded whole).
	ranged, manifest := f.reqs.count("GET", true), f.reqs.exactly("GET Sales/_smallfry.json")
	t.Logf("first catalog: %d ranged GETs for %d footers", ranged, files)
	if ranged != files || manifest != 1 {
		t.Errorf("first catalog: %s", f.reqs)
	}

	// A second refresh reads no footer again: they are cached by ETag.
	f.reqs.reset()
	if ds2 := dataset(t, l, "Sales"); ds2.Rows != ds.Rows {
		t.Errorf("second catalog: %+v", ds2)
	}
	if got := f.reqs.count("GET", true); got != 0 {
		t.Errorf("second catalog made %d ranged GETs: %s", got, f.reqs)
	}

	// A name resolves to local copies of the committed version's files.
	paths, n := readResolved(t, l, "sales")
	if len(paths) != files || n != files*rows {
		t.Errorf("resolved %d files, %d rows", len(paths), n)
	}
	for _, p := range paths {
		if !strings.HasPrefix(p, filepath.Join(f.cfg.CacheDir, f.bucket, "lake", "Sales", "_v")) {
			t.Errorf("resolved to %s", p)
		}
	}

	// Overwriting commits a new version; readers resolve to it.
	if _, err := l.Write(ctx, "Sales", lake.Overwrite, fill(t, 1, 5)); err != nil {
		t.Fatal(err)
	}
	if _, n := readResolved(t, l, "Sales"); n != 5 {
		t.Errorf("after the overwrite: %d rows, want 5", n)
	}
}

// The suggestion for the catalog: with these options parquet-go reads a
// footer of less than 64 KiB in one ranged GET (the file's last 64 KiB).
func TestFooterInOneRangedGet(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "big.parquet")
	writeParquet(t, p, salesRows(0, 200_000))
	if err := f.store.Put(ctx, "T/big.parquet", p); err != nil {
		t.Fatal(err)
	}
	o, err := f.store.Stat(ctx, "T/big.parquet")
	if err != nil {
		t.Fatal(err)
	}
	f.reqs.reset()
	r := readerAt{ctx, f.store, o.Key}
	pf, err := parquet.OpenFile(r, o.Size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true),
		parquet.SkipMagicBytes(true), parquet.OptimisticRead(true), parquet.ReadBufferSize(64<<10))
	if err != nil {
		t.Fatal(err)
	}
	if pf.NumRows() != 200_000 {
		t.Errorf("%d rows", pf.NumRows())
	}
	if got := f.reqs.count("GET", true); got != 1 {
		t.Errorf("%d ranged GETs for a %d-byte file: %s", got, o.Size, f.reqs)
	}
}

type readerAt struct {
	ctx context.Context
	s   *s3.Store
	key string
}

func (r readerAt) ReadAt(p []byte, off int64) (int, error) { return r.s.ReadAt(r.ctx, r.key, p, off) }

// Parquet put by another tool in key=value folders, with plain Puts and no
// manifest, is a partitioned table.
func TestLakeHivePartitionsFromPlainPuts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	dir := t.TempDir()
	for i, day := range []string{"2026-01-01", "2026-01-02", "2026-01-03"} {
		p := filepath.Join(dir, "day="+day, "part.parquet")
		writeParquet(t, p, salesRows(i*10, i+1))
		if err := f.store.Put(ctx, "Daily/day="+day+"/part.parquet", p); err != nil {
			t.Fatal(err)
		}
	}
	l := lake.New(f.store)
	ds := dataset(t, l, "Daily")
	if !slices.Equal(ds.Partitions, []string{"day"}) || ds.PartitionCount != 3 || ds.Rows != 6 || ds.Files != 3 {
		t.Errorf("catalog: %+v", ds)
	}
	if last := ds.Columns[len(ds.Columns)-1]; last != (lake.Column{Name: "day", Type: "partition"}) {
		t.Errorf("columns %+v", ds.Columns)
	}
	paths, n := readResolved(t, l, "Daily")
	if n != 6 {
		t.Errorf("%d rows", n)
	}
	for _, p := range paths {
		rel, _ := filepath.Rel(filepath.Join(f.cfg.CacheDir, f.bucket, "lake", "Daily"), p)
		if !strings.HasPrefix(filepath.ToSlash(rel), "day=2026-01-0") {
			t.Errorf("the copy %s lost its partition folder", p)
		}
	}
}

// Two processes (two Stores on one bucket) replacing different partitions
// of one table at once: the conditional writes make the loser of each race
// recompute over the winner, so every partition lands.
func TestLakeConcurrentPartitionWrites(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cfg := f.cfg
	cfg.CacheDir = t.TempDir()
	lakes := []*lake.Lake{lake.New(f.store), lake.New(mustStore(t, cfg))}
	var wg sync.WaitGroup
	for w, l := range lakes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 3 {
				part := fmt.Sprintf("day=2026-0%d-%02d/w.parquet", w+1, i+1)
				_, err := l.Write(ctx, "Daily", lake.ReplacePartitions, func(_ context.Context, dir string) error {
					writeParquet(t, filepath.Join(dir, part), salesRows(w*100+i, 1))
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	ds := dataset(t, lakes[0], "Daily")
	if ds.PartitionCount != 6 || ds.Rows != 6 {
		t.Errorf("after the writes: %+v", ds)
	}
}

// A raw dataset resolves to a local folder of its JSON files.
func TestLakeRawDataset(t *testing.T) {
	f := newFixture(t)
	putTree(t, f.store, "testdata/tree")
	l := lake.New(f.store)
	ds := dataset(t, l, "raw.events")
	if ds.Files != 2 || len(ds.Columns) != 2 {
		t.Errorf("catalog: %+v", ds)
	}
	name, glob, ok := l.RawGlob("EVENTS")
	if !ok || name != "events" {
		t.Fatalf("RawGlob = %s %s %v", name, glob, ok)
	}
	if want := filepath.Join(f.cfg.CacheDir, f.bucket, "lake", "raw", "events", "**", "*.json*"); glob != want {
		t.Errorf("glob %s, want %s", glob, want)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(filepath.Dir(glob)), "2026-01-02.jsonl")); err != nil {
		t.Error(err)
	}
}

// An upload killed half-way (the user cancels, the app dies) leaves the
// previous version whole, no multipart upload behind, and nothing readers
// pick up.
func TestLakeWriteKilledHalfWayKeepsThePreviousVersion(t *testing.T) {
	var puts atomicCounter
	var cancel context.CancelFunc
	f := newFixture(t, func(c *s3.Config) {
		c.PartSize = 5 << 20
		c.OnRequest = func(method, key string, ranged bool) {
			// Cancel once the second file's upload has begun.
			if method == "PUT" && strings.Contains(key, "/_v/") && puts.add() == 3 && cancel != nil {
				cancel()
			}
		}
	})
	l := lake.New(f.store)
	if _, err := l.Write(context.Background(), "Sales", lake.Overwrite, fill(t, 2, 10)); err != nil {
		t.Fatal(err)
	}
	_, before := readResolved(t, l, "Sales")
	puts.reset()

	ctx, stop := context.WithCancel(context.Background())
	cancel = stop
	defer stop()
	_, err := l.Write(ctx, "Sales", lake.Overwrite, func(_ context.Context, dir string) error {
		for i := range 3 { // three files of about 12 MiB: multipart uploads
			big := make([]sale, 400_000)
			for j := range big {
				big[j] = sale{ID: int64(j), Brand: fmt.Sprintf("brand-%d-%d", i, j), Units: int32(j)}
			}
			writeParquet(t, filepath.Join(dir, fmt.Sprintf("big-%d.parquet", i)), big)
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("the write canceled half-way returned %v", err)
	}
	if _, after := readResolved(t, l, "Sales"); after != before {
		t.Errorf("readers see %d rows after the killed write, want the previous %d", after, before)
	}
	if ds := dataset(t, l, "Sales"); len(ds.Problems) > 0 || ds.Rows != int64(before) {
		t.Errorf("catalog after the killed write: %+v", ds)
	}
	up, err := f.store.Client().ListMultipartUploads(context.Background(), &awss3.ListMultipartUploadsInput{Bucket: &f.bucket})
	if err != nil || len(up.Uploads) != 0 {
		t.Errorf("multipart uploads left behind: %+v, %v", up, err)
	}
}

type atomicCounter struct {
	mu sync.Mutex
	n  int
}

func (c *atomicCounter) add() int { c.mu.Lock(); defer c.mu.Unlock(); c.n++; return c.n }
func (c *atomicCounter) reset()   { c.mu.Lock(); c.n = 0; c.mu.Unlock() }
