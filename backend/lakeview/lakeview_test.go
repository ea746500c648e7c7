package lakeview_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"smallfry/backend/duckdb"
	"smallfry/backend/lake"
	"smallfry/backend/lakeview"
	"smallfry/backend/s3"
	"smallfry/backend/s3/s3test"
)

func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }

// gets counts the whole-object and ranged GETs a Store sends, by key.
type gets struct {
	mu   sync.Mutex
	keys []string
}

func (g *gets) hook(method, key string, ranged bool) {
	if method != "GET" || key == "" {
		return
	}
	g.mu.Lock()
	g.keys = append(g.keys, key)
	g.mu.Unlock()
}

func (g *gets) data() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for _, k := range g.keys {
		if strings.HasSuffix(k, ".parquet") {
			out = append(out, k)
		}
	}
	return out
}

func (g *gets) reset() { g.mu.Lock(); g.keys = nil; g.mu.Unlock() }

type fixture struct {
	ctx     context.Context
	bucket  string
	cache   string // the Store's cache
	viewDir string
	gets    *gets
	store   *s3.Store
	lake    *lake.Lake
	db      *duckdb.Session
}

// newFixture is a bucket with a year-long daily table Events (one file a
// day, written with plain Puts as another tool would) and a session with
// the S3 lake attached as s3.
func newFixture(t *testing.T, days int) *fixture {
	t.Helper()
	f := &fixture{ctx: context.Background(), bucket: s3test.NewBucket(t), cache: t.TempDir(), viewDir: t.TempDir(), gets: &gets{}}
	f.store = f.open(t, s3test.Endpoint())
	maker, err := duckdb.Open(f.ctx, duckdb.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer maker.Close()
	src := t.TempDir()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range days {
		day := start.AddDate(0, 0, i).Format("2006-01-02")
		file := filepath.Join(src, "part.parquet")
		q := fmt.Sprintf("COPY (SELECT range AS id, %d AS day_index FROM range(100)) TO %s (FORMAT parquet)", i, duckdb.QuoteString(file))
		if _, err := maker.Run(f.ctx, duckdb.Cell{SQL: q}); err != nil {
			t.Fatal(err)
		}
		if err := f.store.Put(f.ctx, "Events/day="+day+"/part.parquet", file); err != nil {
			t.Fatal(err)
		}
	}
	f.db = f.session(t, f.store)
	f.gets.reset()
	return f
}

func (f *fixture) open(t *testing.T, endpoint string) *s3.Store {
	return s3test.MustStore(t, s3.Config{Bucket: f.bucket, Prefix: "lake", Endpoint: endpoint, Credentials: s3test.RootCredentials(), CacheDir: f.cache, OnRequest: f.gets.hook})
}

func (f *fixture) session(t *testing.T, st *s3.Store) *duckdb.Session {
	t.Helper()
	f.lake = lake.New(st)
	db, err := duckdb.Open(f.ctx, duckdb.Config{Catalogs: map[string]duckdb.Catalog{"s3": lakeview.New(f.lake, st, f.viewDir)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func scalar(t *testing.T, db *duckdb.Session, q string, params map[string]any) (string, *duckdb.Result) {
	t.Helper()
	res, err := db.Run(context.Background(), duckdb.Cell{SQL: q, Params: params})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	w, err := db.Window(context.Background(), duckdb.WindowRequest{Table: res.Table, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Release()
	if len(w.Records) == 0 || w.Records[0].NumRows() == 0 {
		t.Fatalf("%s: no rows", q)
	}
	return w.Records[0].Column(0).ValueStr(0), res
}

func TestPartitionFilterFetchesOnlyItsPartition(t *testing.T) {
	f := newFixture(t, 30)
	got, res := scalar(t, f.db, "SELECT count(*) FROM s3.events WHERE day = $day", map[string]any{"day": "2026-01-17"})
	if got != "100" {
		t.Errorf("count = %s, want 100", got)
	}
	if data := f.gets.data(); len(data) != 1 || !strings.Contains(data[0], "day=2026-01-17") {
		t.Errorf("one day of a 30-day table downloaded %d objects: %v", len(data), data)
	}
	if len(res.ObjectsRead) != 1 || !strings.HasPrefix(res.ObjectsRead[0], "s3://"+f.bucket+"/lake/Events/day=2026-01-17/part.parquet#") {
		t.Errorf("lineage = %v", res.ObjectsRead)
	}
	if len(res.TablesRead) != 1 || res.TablesRead[0] != "s3.Events" {
		t.Errorf("tables read = %v", res.TablesRead)
	}

	f.gets.reset()
	got, _ = scalar(t, f.db, "SELECT count(*) FROM s3.Events WHERE day BETWEEN '2026-01-10' AND '2026-01-12'", nil)
	if got != "300" {
		t.Errorf("count = %s, want 300", got)
	}
	if data := f.gets.data(); len(data) != 3 {
		t.Errorf("three days downloaded %d objects: %v", len(data), data)
	}

	// A filter the hint cannot use (an OR) still answers from the whole table.
	f.gets.reset()
	got, _ = scalar(t, f.db, "SELECT count(*) FROM s3.Events WHERE day = '2026-01-01' OR day_index >= 28", nil)
	if got != "300" {
		t.Errorf("count = %s, want 300", got)
	}
	got, _ = scalar(t, f.db, "SELECT sum(day_index) FROM s3.Events", nil)
	if got != "43500" { // 100 × (0+…+29)
		t.Errorf("sum = %s, want 43500", got)
	}
	// Everything is cached now: no more data downloads.
	f.gets.reset()
	scalar(t, f.db, "SELECT count(*) FROM s3.Events", nil)
	if data := f.gets.data(); len(data) != 0 {
		t.Errorf("a cached table downloaded again: %v", data)
	}
}

func TestOfflineCachedTablesStillAnswer(t *testing.T) {
	f := newFixture(t, 3)
	if got, _ := scalar(t, f.db, "SELECT count(*) FROM s3.Events", nil); got != "300" {
		t.Fatalf("count = %s", got)
	}
	// Another table is in S3 but was never queried here.
	file := filepath.Join(t.TempDir(), "x.parquet")
	if _, err := f.db.Run(f.ctx, duckdb.Cell{SQL: "COPY (SELECT 1 AS x) TO " + duckdb.QuoteString(file) + " (FORMAT parquet)"}); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Put(f.ctx, "Other/part.parquet", file); err != nil {
		t.Fatal(err)
	}

	// S3 goes away: a Store on a closed port, over the same cache (the app
	// flushes its copies' index on exit).
	if err := f.store.Flush(); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	offline := f.session(t, f.open(t, closed))
	if got, _ := scalar(t, offline, "SELECT count(*) FROM s3.Events WHERE day = '2026-01-02'", nil); got != "100" {
		t.Errorf("offline count = %s, want 100", got)
	}
	start := time.Now()
	_, err = offline.Run(f.ctx, duckdb.Cell{SQL: "SELECT * FROM s3.Other"})
	if err == nil || !strings.Contains(err.Error(), "cannot reach S3") || !strings.Contains(err.Error(), "no copy of it is cached") {
		t.Errorf("uncached table offline: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the uncached table took %v to fail", d)
	}
	view := lakeview.New(f.lake, f.store, f.viewDir)
	at, whole, ok := view.CachedAt("Events")
	if !ok || !whole || time.Since(at) > time.Minute {
		t.Errorf("CachedAt = %v, %v, %v", at, whole, ok)
	}
	if ds := view.CachedDatasets(); len(ds) != 1 || ds[0].Name != "Events" || ds[0].Files != 3 || ds[0].PartitionCount != 3 || ds[0].Partitions[0] != "day" {
		t.Errorf("cached datasets = %+v", ds)
	}
}

func TestWrittenTableIsQueryableAndBrokenObjectsSaySo(t *testing.T) {
	f := newFixture(t, 1)
	commit, err := f.lake.Write(f.ctx, "Totals", lake.Overwrite, func(ctx context.Context, dir string) error {
		_, err := f.db.Run(ctx, duckdb.Cell{SQL: "COPY (SELECT 42 AS answer) TO " + duckdb.QuoteString(filepath.Join(dir, "part-0.parquet")) + " (FORMAT parquet)"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(commit.Objects) != 1 || !strings.Contains(commit.Objects[0], "/Totals/_v/") || strings.HasSuffix(commit.Objects[0], "#") {
		t.Errorf("commit objects = %v, want one with its ETag", commit.Objects)
	}
	if got, res := scalar(t, f.db, "SELECT answer FROM s3.Totals", nil); got != "42" || len(res.ObjectsRead) != 1 || res.ObjectsRead[0] != commit.Objects[0] {
		t.Errorf("answer = %s, lineage %v, want %v", got, res.ObjectsRead, commit.Objects)
	}

	bad := filepath.Join(t.TempDir(), "bad.parquet")
	os.WriteFile(bad, []byte("PAR1 this is not parquet at all PAR1"), 0o644)
	if err := f.store.Put(f.ctx, "Broken/part.parquet", bad); err != nil {
		t.Fatal(err)
	}
	_, err = f.db.Run(f.ctx, duckdb.Cell{SQL: "SELECT * FROM s3.Broken"})
	if err == nil || !strings.Contains(err.Error(), "part.parquet") {
		t.Errorf("a corrupt object: %v", err)
	}
}

func TestEstimateBeforeRunning(t *testing.T) {
	f := newFixture(t, 30)
	one := func(sql string, params map[string]any) duckdb.Scan {
		t.Helper()
		scans, err := f.db.Estimate(f.ctx, sql, params)
		if err != nil || len(scans) != 1 {
			t.Fatalf("Estimate(%q) = %+v, %v", sql, scans, err)
		}
		return scans[0]
	}
	whole := one("SELECT count(*) FROM s3.events", nil)
	if whole.Files != 30 || whole.FilesTotal != 30 || whole.Bytes != whole.BytesTotal || whole.Bytes <= 0 || whole.ToDownload != whole.Bytes || whole.Table != "s3.Events" {
		t.Fatalf("the whole table: %+v", whole)
	}
	if data := f.gets.data(); len(data) != 0 {
		t.Errorf("estimating downloaded %v", data)
	}
	day := one("SELECT count(*) FROM s3.Events WHERE day = $day", map[string]any{"day": "2026-01-17"})
	if day.Files != 1 || day.Bytes*30 > whole.Bytes*2 || day.BytesTotal != whole.BytesTotal {
		t.Errorf("one partition: %+v (whole %+v)", day, whole)
	}
	// Once a day is cached, it is no longer to download.
	scalar(t, f.db, "SELECT count(*) FROM s3.Events WHERE day = '2026-01-17'", nil)
	if again := one("SELECT * FROM s3.Events WHERE day = '2026-01-17'", nil); again.ToDownload != 0 || again.Bytes != day.Bytes {
		t.Errorf("a cached partition: %+v", again)
	}
	if range3 := one("SELECT * FROM s3.Events WHERE day BETWEEN '2026-01-10' AND '2026-01-12'", nil); range3.Files != 3 {
		t.Errorf("three days: %+v", range3)
	}
	// Two statements, a local table and a missing S3 one: only what is known.
	scans, err := f.db.Estimate(f.ctx, "SELECT 1; SELECT * FROM s3.Events e JOIN s3.Events f USING (id); SELECT * FROM s3.nope", nil)
	if err != nil || len(scans) != 1 || scans[0].Files != 30 {
		t.Errorf("several statements: %+v, %v", scans, err)
	}
}

// A file of the S3 lake that DuckDB cannot read is named by its s3:// URL
// in the error, not by the local copy DuckDB read.
func TestUnreadableFileNamedByItsLocation(t *testing.T) {
	f := newFixture(t, 1)
	bad := filepath.Join(t.TempDir(), "part.parquet")
	if err := os.WriteFile(bad, []byte("id,day\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Put(f.ctx, "Broken/part.parquet", bad); err != nil {
		t.Fatal(err)
	}
	_, err := f.db.Run(f.ctx, duckdb.Cell{SQL: "SELECT * FROM s3.Broken"})
	if err == nil {
		t.Fatal("a CSV file read as Parquet")
	}
	want := "s3://" + f.bucket + "/lake/Broken/part.parquet"
	if msg := err.Error(); !strings.Contains(msg, want) || strings.Contains(msg, f.cache) || strings.Contains(msg, f.viewDir) {
		t.Errorf("error %q, want it to name %s and no local copy", msg, want)
	}
}
