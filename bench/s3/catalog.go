package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/parquet-go/parquet-go"
	"golang.org/x/sync/errgroup"

	"smallfry/backend/lake"
	"smallfry/backend/s3"
)

const catalogTables = 100

type catalogRow struct {
	ID    int64   `parquet:"id"`
	Brand string  `parquet:"brand"`
	Units int32   `parquet:"units"`
	Price float64 `parquet:"price"`
}

// catalogTable is one table of the figure's lake: written by lake.Write
// (with a manifest) or by plain Puts (as another tool would), with its
// files in Hive partition folders or not.
type catalogTable struct {
	name        string
	manifest    bool
	partitions  []string // "region=east", "year=2024/month=1"; nil when unpartitioned
	filesPerDir int
}

func catalogLayout() []catalogTable {
	var out []catalogTable
	for i := range catalogTables {
		t := catalogTable{name: fmt.Sprintf("T%03d", i), manifest: true, filesPerDir: 1}
		switch i % 10 {
		case 0, 1, 2, 3, 4, 5:
			t.filesPerDir = 1 + i%2
		case 6, 7:
			t.partitions = []string{"region=east", "region=north", "region=south", "region=west"}
		case 8:
			t.manifest, t.filesPerDir = false, 2
		case 9:
			t.manifest = false
			t.partitions = []string{"year=2024/month=1", "year=2024/month=2", "year=2024/month=3"}
		}
		out = append(out, t)
	}
	return out
}

func (t catalogTable) files() []string {
	dirs := t.partitions
	if dirs == nil {
		dirs = []string{""}
	}
	var out []string
	for _, d := range dirs {
		for j := range t.filesPerDir {
			out = append(out, filepath.Join(d, fmt.Sprintf("part-%d.parquet", j)))
		}
	}
	return out
}

// counts are a Store's requests by what they are for.
type counts struct{ footers, manifests, lists, heads, rest int }

func (c counts) total() int { return c.footers + c.manifests + c.lists + c.heads + c.rest }

// perQuery says what n queries sent, per query.
func (c counts) perQuery(n int) string {
	return fmt.Sprintf("%d: %d list, %d manifest GET, %d HEAD, %d other", c.total()/n, c.lists/n, c.manifests/n, c.heads/n, (c.footers+c.rest)/n)
}

// requestCounts counts a Store's requests (Config.OnRequest).
type requestCounts struct {
	mu sync.Mutex
	c  counts
}

func (r *requestCounts) hook(method, key string, ranged bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case method == "GET" && ranged:
		r.c.footers++ // a footer, or a part of a download
	case method == "GET" && strings.HasSuffix(key, "/_smallfry.json"):
		r.c.manifests++
	case method == "GET" && key == "":
		r.c.lists++ // ListObjectsV2 is a GET on the bucket
	case method == "HEAD":
		r.c.heads++
	default:
		r.c.rest++
	}
}

// take returns the counts so far and starts again from zero.
func (r *requestCounts) take() counts {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.c
	r.c = counts{}
	return c
}

func benchCatalog(ctx context.Context, p peer) error {
	bucket, err := p.newBucket(ctx, "catalog")
	if err != nil {
		return err
	}
	writer, err := p.store(bucket, "lake", nil)
	if err != nil {
		return err
	}
	layout := catalogLayout()
	files, withManifest, partitioned := 0, 0, 0
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrency)
	for i, t := range layout {
		files += len(t.files())
		if t.manifest {
			withManifest++
		}
		if t.partitions != nil {
			partitioned++
		}
		g.Go(func() error { return writeCatalogTable(gctx, p, writer, t, i) })
	}
	if err := g.Wait(); err != nil {
		return err
	}

	var reqs requestCounts
	reader, err := p.store(bucket, "lake", func(c *s3.Config) { c.OnRequest = reqs.hook })
	if err != nil {
		return err
	}
	l := lake.New(reader)
	fmt.Printf("2. catalog of a %d-table S3 lake (%d Parquet files; %d tables with a manifest, %d plain; %d hive-partitioned)\n",
		len(layout), files, withManifest, len(layout)-withManifest, partitioned)
	fmt.Printf("  %-15s %11s %10s %14s %6s %6s %6s %8s\n", "lake.Catalog", "footer GETs", "per file", "manifest GETs", "lists", "HEADs", "other", "ms")
	for _, pass := range []string{"first", "footers cached"} {
		t0 := time.Now()
		all, err := l.Catalog(ctx)
		took := time.Since(t0)
		if err != nil {
			return err
		}
		if err := checkCatalog(all, layout); err != nil {
			return err
		}
		c := reqs.take()
		fmt.Printf("  %-15s %11d %10.2f %14d %6d %6d %6d %8.1f\n", pass, c.footers, float64(c.footers)/float64(files),
			c.manifests, c.lists, c.heads, c.rest, ms(took))
	}
	fmt.Println("  goal: 1 footer GET per file the first time, 0 with footers cached")
	fmt.Printf("  (manifest GETs include the %d plain tables' 404s; lists: the top folder, plus each table's folder)\n", len(layout)-withManifest)
	return nil
}

// writeCatalogTable writes table t (its i-th) through lake.Write, or with
// plain Puts of its files when it has no manifest.
func writeCatalogTable(ctx context.Context, p peer, st *s3.Store, t catalogTable, i int) error {
	fill := func(_ context.Context, dir string) error {
		for j, f := range t.files() {
			if err := writeCatalogFile(filepath.Join(dir, f), int64(i*100000+j*1000), 500+(i*7+j)%500); err != nil {
				return err
			}
		}
		return nil
	}
	if t.manifest {
		_, err := lake.New(st).Write(ctx, t.name, lake.Overwrite, fill)
		return err
	}
	dir, err := os.MkdirTemp(p.scratch, "plain-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := fill(ctx, dir); err != nil {
		return err
	}
	for _, f := range t.files() {
		if err := st.Put(ctx, t.name+"/"+filepath.ToSlash(f), filepath.Join(dir, f)); err != nil {
			return err
		}
	}
	return nil
}

func writeCatalogFile(path string, id0 int64, n int) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	rows := make([]catalogRow, n)
	for k := range rows {
		rows[k] = catalogRow{ID: id0 + int64(k), Brand: fmt.Sprintf("brand-%d", k%7), Units: int32(k % 13), Price: float64(k) * 0.25}
	}
	return parquet.WriteFile(path, rows)
}

// checkCatalog makes sure the catalog saw every table whole.
func checkCatalog(all []lake.Dataset, layout []catalogTable) error {
	byName := map[string]lake.Dataset{}
	for _, d := range all {
		byName[d.Name] = d
	}
	for _, t := range layout {
		d, ok := byName[t.name]
		switch {
		case !ok:
			return fmt.Errorf("%s is not in the catalog", t.name)
		case len(d.Problems) > 0:
			return fmt.Errorf("%s: %s", t.name, strings.Join(d.Problems, "; "))
		case d.Files != len(t.files()) || d.Rows <= 0:
			return fmt.Errorf("%s: %d files, %d rows; want %d files", t.name, d.Files, d.Rows, len(t.files()))
		}
	}
	return nil
}
