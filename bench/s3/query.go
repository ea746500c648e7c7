package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"smallfry/backend/duckdb"
	"smallfry/backend/lake"
	"smallfry/backend/lakeview"
	"smallfry/backend/s3"
)

const (
	queryRows    = 5_000_000
	queryFiles   = 20
	queryRepeats = 15
)

// The figure's aggregate, over {table}: a full scan of four columns.
const aggregate = `SELECT region, count(*) AS n, sum(units) AS units, avg(price) AS avg_price, max(day) AS last_day
	FROM %s GROUP BY region ORDER BY region`

func benchQuery(ctx context.Context, p peer) error {
	gen := filepath.Join(p.scratch, "gen")
	if err := generateSales(ctx, gen); err != nil {
		return err
	}
	copyFiles := func(_ context.Context, dir string) error { return copyTree(gen, dir) }

	local, err := lake.Open(filepath.Join(p.scratch, "local-lake"))
	if err != nil {
		return err
	}
	if _, err := local.Write(ctx, "Sales", lake.Overwrite, copyFiles); err != nil {
		return err
	}
	bucket, err := p.newBucket(ctx, "query")
	if err != nil {
		return err
	}
	cache := filepath.Join(p.scratch, "query-cache")
	var reqs requestCounts
	// The Store as backend/smallfry configures it (account.go): a copy it
	// checked stays trusted for a minute.
	store, err := p.store(bucket, "lake", func(c *s3.Config) { c.CacheDir, c.OnRequest, c.Recheck = cache, reqs.hook, time.Minute })
	if err != nil {
		return err
	}
	remote := lake.New(store)
	remote.Recheck = 30 * time.Second // as account.go's lakeRecheck
	if _, err := remote.Write(ctx, "Sales", lake.Overwrite, copyFiles); err != nil {
		return err
	}

	// As backend/smallfry wires them: local tables by bare name through
	// Resolve; the S3 lake as the attached catalog s3. A second Store over
	// the same cache and a Lake without Recheck (0: every query lists the
	// table and reads its manifest), to show what that costs.
	var strictReqs requestCounts
	strict, err := p.store(bucket, "lake", func(c *s3.Config) { c.CacheDir, c.OnRequest = cache, strictReqs.hook })
	if err != nil {
		return err
	}
	tmp := filepath.Join(p.scratch, "duckdb-tmp")
	var localNaming, s3Naming, strictNaming naming
	localDB, err := duckdb.Open(ctx, duckdb.Config{TempDir: tmp, Resolve: localNaming.resolve(local.Resolve)})
	if err != nil {
		return err
	}
	defer localDB.Close()
	s3DB, err := s3Session(ctx, tmp, remote, store, filepath.Join(p.scratch, "lakeview"), &s3Naming)
	if err != nil {
		return err
	}
	defer s3DB.Close()
	strictDB, err := s3Session(ctx, tmp, lake.New(strict), strict, filepath.Join(p.scratch, "lakeview-strict"), &strictNaming)
	if err != nil {
		return err
	}
	defer strictDB.Close()
	localSQL, s3SQL := fmt.Sprintf(aggregate, "Sales"), fmt.Sprintf(aggregate, "s3.Sales")

	reqs.take()
	first, err := timeQuery(ctx, s3DB, s3SQL) // fetches every file into the cache
	if err != nil {
		return err
	}
	fetched := reqs.take()
	// Warm-ups: the same pages into memory; the second Store's first look.
	if _, err := timeQuery(ctx, localDB, localSQL); err != nil {
		return err
	}
	if _, err := timeQuery(ctx, strictDB, s3SQL); err != nil {
		return err
	}
	strictReqs.take()
	localNaming.take()
	s3Naming.take()
	strictNaming.take()
	type side struct {
		db    *duckdb.Session
		sql   string
		times []time.Duration
	}
	sides := []*side{{db: localDB, sql: localSQL}, {db: s3DB, sql: s3SQL}, {db: strictDB, sql: s3SQL}}
	for i := range queryRepeats {
		for j := range sides { // each round in another order, so no side always follows the same one
			sd := sides[(i+j)%len(sides)]
			d, err := timeQuery(ctx, sd.db, sd.sql)
			if err != nil {
				return err
			}
			sd.times = append(sd.times, d)
		}
	}
	per, perStrict := reqs.take(), strictReqs.take()
	l := median(sides[0].times)
	mib := float64(treeSize(gen)) / (1 << 20)
	fmt.Printf("3. aggregate over %d M rows in %d Parquet files (%.0f MiB), cached S3 vs local lake (%d runs each, interleaved)\n",
		queryRows/1_000_000, queryFiles, mib, queryRepeats)
	fmt.Printf("  %-41s %9s %8s %9s %10s  %s\n", "", "median ms", "min ms", "vs local", "naming ms", "requests a query")
	rows := []struct {
		name   string
		naming *naming
		reqs   string
	}{
		{"local lake, bare name (Resolve)", &localNaming, ""},
		{"S3 lake, s3.Sales (lakeview, as the app)", &s3Naming, per.perQuery(queryRepeats)},
		{"  same, listing and manifest read every query", &strictNaming, perStrict.perQuery(queryRepeats)},
	}
	for i, row := range rows {
		m := median(sides[i].times)
		vs := fmt.Sprintf("%.2fx", float64(m)/float64(l))
		if i == 0 {
			vs = ""
		}
		fmt.Printf("  %-41s %9.1f %8.1f %9s %10.1f  %s\n", row.name, ms(m), ms(slices.Min(sides[i].times)), vs, row.naming.mean(queryRepeats), row.reqs)
	}
	fmt.Printf("  (naming: the mean time a query spends learning which local files the name reads, before DuckDB scans them)\n")
	fmt.Printf("  goal s3/local <= 1.05 (medians, as the app)\n")
	fmt.Printf("  first S3 query, fetching the files: %.1f ms (%d ranged GETs, %d HEADs)\n", ms(first), fetched.footers, fetched.heads)
	return nil
}

func s3Session(ctx context.Context, tmp string, l *lake.Lake, st *s3.Store, dir string, n *naming) (*duckdb.Session, error) {
	cat := timedCatalog{Catalog: lakeview.New(l, st, dir), naming: n}
	return duckdb.Open(ctx, duckdb.Config{TempDir: tmp, Catalogs: map[string]duckdb.Catalog{"s3": cat}})
}

// naming adds up the time a session spends turning table names into
// files (Resolve, or a catalog's View), apart from DuckDB's scan.
type naming struct{ total atomic.Int64 }

func (n *naming) add(t0 time.Time) { n.total.Add(int64(time.Since(t0))) }

func (n *naming) take() time.Duration { return time.Duration(n.total.Swap(0)) }

// mean is the time per query of n queries, in ms.
func (n *naming) mean(queries int) float64 { return ms(n.take()) / float64(queries) }

func (n *naming) resolve(f func(string) (string, []any, bool, error)) func(string) (string, []any, bool, error) {
	return func(name string) (string, []any, bool, error) {
		defer n.add(time.Now())
		return f(name)
	}
}

type timedCatalog struct {
	duckdb.Catalog
	naming *naming
}

func (c timedCatalog) View(ctx context.Context, req duckdb.ViewRequest) (duckdb.View, bool, error) {
	defer c.naming.add(time.Now())
	return c.Catalog.View(ctx, req)
}

func timeQuery(ctx context.Context, db *duckdb.Session, sql string) (time.Duration, error) {
	t0 := time.Now()
	res, err := db.Run(ctx, duckdb.Cell{SQL: sql})
	d := time.Since(t0)
	if err != nil {
		return 0, err
	}
	if res.Rows != 8 {
		return 0, fmt.Errorf("%d rows, want 8", res.Rows)
	}
	return d, nil
}

// generateSales writes the figure's table into dir: queryFiles Parquet files
// of queryRows/queryFiles rows each, as DuckDB writes them.
func generateSales(ctx context.Context, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	db, err := duckdb.Open(ctx, duckdb.Config{TempDir: filepath.Join(dir, ".tmp")})
	if err != nil {
		return err
	}
	defer db.Close()
	per := queryRows / queryFiles
	for i := range queryFiles {
		q := fmt.Sprintf(`COPY (SELECT range AS id,
				['north','south','east','west','central','islands','mountains','coast'][range %% 8 + 1] AS region,
				CAST(hash(range) %% 1000 AS INTEGER) AS product, CAST(range %% 17 AS INTEGER) AS units,
				CAST(hash(range + 1) %% 100000 AS DOUBLE) / 100 AS price,
				DATE '2024-01-01' + CAST(range %% 366 AS INTEGER) AS day
			FROM range(%d, %d)) TO %s (FORMAT parquet)`, i*per, (i+1)*per,
			duckdb.QuoteString(filepath.Join(dir, fmt.Sprintf("part-%02d.parquet", i))))
		if _, err := db.Run(ctx, duckdb.Cell{SQL: q}); err != nil {
			return err
		}
	}
	return os.RemoveAll(filepath.Join(dir, ".tmp"))
}

func copyTree(from, to string) error {
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := copyFile(filepath.Join(from, e.Name()), filepath.Join(to, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func treeSize(dir string) int64 {
	var n int64
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			n += info.Size()
		}
	}
	return n
}
