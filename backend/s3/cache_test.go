package s3_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"smallfry/backend/s3"
)

// clock is an injectable time that tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// leftovers lists the files under the cache's download folder.
func leftovers(t *testing.T, cache string) []string {
	var out []string
	filepath.WalkDir(filepath.Join(cache, ".tmp"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func TestLocalPathCachesByETag(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	f := newFixture(t, func(c *s3.Config) { c.Now = clk.now })
	ctx := context.Background()
	const key = "Daily/day=2026-01-01/part.parquet"
	putBytes(t, f.store, key, []byte("version one"))

	f.reqs.reset()
	p, err := f.store.LocalPath(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	// The Hive path survives, so DuckDB sees day as a column.
	if want := filepath.Join(f.cfg.CacheDir, f.bucket, "lake", "Daily", "day=2026-01-01", "part.parquet"); p != want {
		t.Errorf("LocalPath = %s, want %s", p, want)
	}
	if got := readFile(t, p); string(got) != "version one" {
		t.Errorf("copy holds %q", got)
	}
	if f.reqs.count("GET", true) != 1 || f.reqs.count("HEAD", false) != 0 {
		t.Errorf("first fetch: %s, want one ranged GET", f.reqs)
	}
	if at, ok := f.store.Cached(key); !ok || !at.Equal(clk.now()) {
		t.Errorf("Cached = %v %v, want %v", at, ok, clk.now())
	}

	t.Run("unchanged: one HEAD", func(t *testing.T) {
		clk.add(time.Hour)
		f.reqs.reset()
		if p2, err := f.store.LocalPath(ctx, key); err != nil || p2 != p {
			t.Fatalf("LocalPath = %s, %v", p2, err)
		}
		if f.reqs.String() != "HEAD "+key {
			t.Errorf("requests: %s, want only a HEAD", f.reqs)
		}
		if at, _ := f.store.Cached(key); !at.Equal(clk.now().Add(-time.Hour)) {
			t.Errorf("the fetch time moved to %v without a download", at)
		}
	})

	t.Run("changed: downloaded again", func(t *testing.T) {
		putBytes(t, f.store, key, []byte("version two, longer"))
		f.reqs.reset()
		if _, err := f.store.LocalPath(ctx, key); err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, p); string(got) != "version two, longer" {
			t.Errorf("copy holds %q", got)
		}
		if f.reqs.count("HEAD", false) != 1 || f.reqs.count("GET", true) != 1 {
			t.Errorf("requests: %s, want a HEAD and a GET", f.reqs)
		}
		if at, _ := f.store.Cached(key); !at.Equal(clk.now()) {
			t.Errorf("Cached = %v, want %v", at, clk.now())
		}
	})

	t.Run("offline: the cached copy", func(t *testing.T) {
		// Another Store (the app started again) sees the copies this one
		// recorded: all of them once it flushed, as the app does on exit.
		if err := f.store.Flush(); err != nil {
			t.Fatal(err)
		}
		cfg := f.cfg
		cfg.Endpoint = closedPort(t)
		offline := mustStore(t, cfg)
		start := time.Now()
		p2, err := offline.LocalPath(ctx, key)
		if err != nil || p2 != p {
			t.Fatalf("offline LocalPath = %s, %v", p2, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v offline", d)
		}
		if at, ok := offline.Cached(key); !ok || !at.Equal(clk.now()) {
			t.Errorf("offline Cached = %v %v", at, ok)
		}
		// What was never fetched is an error that says why.
		if _, err := offline.LocalPath(ctx, "Daily/other.parquet"); !s3.IsUnreachable(err) {
			t.Errorf("an uncached object offline: %v", err)
		}
	})

	t.Run("missing", func(t *testing.T) {
		if _, err := f.store.LocalPath(ctx, "Nope/x.parquet"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("LocalPath of a missing key: %v", err)
		}
	})
}

func TestLocalPathOfAFolder(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	putTree(t, f.store, "testdata/tree")
	dir, err := f.store.LocalPath(ctx, "raw/events")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(f.cfg.CacheDir, f.bucket, "lake", "raw", "events"); dir != want {
		t.Errorf("LocalPath = %s, want %s", dir, want)
	}
	names := func() []string {
		entries, _ := os.ReadDir(dir)
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	if got := names(); !slices.Equal(got, []string{"2026-01-01.jsonl", "2026-01-02.jsonl"}) {
		t.Errorf("copied %q", got)
	}
	want := readFile(t, "testdata/tree/raw/events/2026-01-01.jsonl")
	if got := readFile(t, filepath.Join(dir, "2026-01-01.jsonl")); !bytes.Equal(got, want) {
		t.Errorf("copy holds %q", got)
	}

	// A second look lists the folder and downloads nothing.
	f.reqs.reset()
	if _, err := f.store.LocalPath(ctx, "raw/events"); err != nil {
		t.Fatal(err)
	}
	if f.reqs.count("GET", true) != 0 || f.reqs.count("HEAD", false) != 0 {
		t.Errorf("requests: %s, want only the listing", f.reqs)
	}

	// A file removed from S3 goes from the copy too.
	if err := f.store.Delete(ctx, "raw/events/2026-01-02.jsonl"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.LocalPath(ctx, "raw/events/"); err != nil {
		t.Fatal(err)
	}
	if got := names(); !slices.Equal(got, []string{"2026-01-01.jsonl"}) {
		t.Errorf("after the delete: %q", got)
	}
}

func TestLargeDownloadInRanges(t *testing.T) {
	f := newFixture(t, func(c *s3.Config) { c.PartSize = 5 << 20; c.Concurrency = 3 })
	ctx := context.Background()
	data := randomBytes(12 << 20)
	putBytes(t, f.store, "big.bin", data)
	f.reqs.reset()
	p, err := f.store.LocalPath(ctx, "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readFile(t, p), data) {
		t.Error("the copy differs from the object")
	}
	if got := f.reqs.count("GET", true); got != 3 {
		t.Errorf("%d ranged GETs (%s), want 3 of 5 MiB", got, f.reqs)
	}
}

// cancelAfterRange cancels a context once the first ranged GET answered.
type cancelAfterRange struct {
	base   http.RoundTripper
	cancel context.CancelFunc
	once   sync.Once
}

func (c *cancelAfterRange) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(req)
	if req.Header.Get("Range") != "" {
		c.once.Do(c.cancel)
	}
	return resp, err
}

func TestCancelledDownloadLeavesNoFile(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFixture(t, func(c *s3.Config) {
		c.PartSize = 5 << 20
		c.Concurrency = 1
		c.HTTPClient = &http.Client{Transport: &cancelAfterRange{base: http.DefaultTransport, cancel: cancel}}
	})
	putBytes(t, f.store, "big.bin", randomBytes(12<<20))
	_, err := f.store.LocalPath(ctx, "big.bin")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("LocalPath = %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(f.cfg.CacheDir, f.bucket, "lake", "big.bin")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a partial file under the final name: %v", err)
	}
	if left := leftovers(t, f.cfg.CacheDir); len(left) != 0 {
		t.Errorf("temporary files left: %q", left)
	}
	if _, ok := f.store.Cached("big.bin"); ok {
		t.Error("Cached reports a copy")
	}
}

func TestFetch(t *testing.T) {
	f := newFixture(t, func(c *s3.Config) { c.PartSize = 5 << 20 })
	ctx := context.Background()
	sizes := map[string]int{"a.bin": 1 << 20, "b.bin": 6 << 20, "c.bin": 100, "d.bin": 0}
	var keys []string
	var total int64
	for k, n := range sizes {
		putBytes(t, f.store, k, randomBytes(n))
		keys = append(keys, k)
		total += int64(n)
	}
	slices.Sort(keys)

	var mu sync.Mutex
	var reports [][2]int64
	progress := func(done, tot int64) {
		mu.Lock()
		reports = append(reports, [2]int64{done, tot})
		mu.Unlock()
	}
	if err := f.store.Fetch(ctx, keys, progress); err != nil {
		t.Fatal(err)
	}
	if len(reports) == 0 || reports[len(reports)-1] != [2]int64{total, total} {
		t.Fatalf("progress %v, want it to end at %d of %d", reports, total, total)
	}
	for i := 1; i < len(reports); i++ {
		if reports[i][0] < reports[i-1][0] || reports[i][1] != total {
			t.Errorf("progress went %v then %v", reports[i-1], reports[i])
		}
	}
	for _, k := range keys {
		if _, ok := f.store.Cached(k); !ok {
			t.Errorf("%s is not cached", k)
		}
	}

	// Current copies cost a HEAD each and still report all bytes as done.
	f.reqs.reset()
	reports = nil
	if err := f.store.Fetch(ctx, keys, progress); err != nil {
		t.Fatal(err)
	}
	if f.reqs.count("HEAD", false) != len(keys) || f.reqs.count("GET", true)+f.reqs.count("GET", false) != 0 {
		t.Errorf("requests: %s, want %d HEADs", f.reqs, len(keys))
	}
	if reports[len(reports)-1] != [2]int64{total, total} {
		t.Errorf("progress ends at %v", reports[len(reports)-1])
	}
}

func TestFetchCancel(t *testing.T) {
	f := newFixture(t, func(c *s3.Config) { c.PartSize = 5 << 20; c.Concurrency = 1 })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	keys := []string{"one.bin", "two.bin", "three.bin"}
	for _, k := range keys {
		putBytes(t, f.store, k, randomBytes(11<<20))
	}
	err := f.store.Fetch(ctx, keys, func(done, total int64) {
		if done > 0 {
			cancel() // the user presses Cancel on the progress bar
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Fetch = %v, want context.Canceled", err)
	}
	var cached int
	for _, k := range keys {
		if _, ok := f.store.Cached(k); ok {
			cached++
		}
	}
	if cached == len(keys) {
		t.Error("every object was fetched despite the cancel")
	}
	if left := leftovers(t, f.cfg.CacheDir); len(left) != 0 {
		t.Errorf("temporary files left: %q", left)
	}
}
