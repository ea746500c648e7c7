package lake

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// fillRows writes n files of rows sales, each row carrying the version id.
func fillRows(t *testing.T, version int64, files, rows int) func(context.Context, string) error {
	return func(_ context.Context, dir string) error {
		for f := range files {
			batch := make([]sale, rows)
			for i := range batch {
				batch[i] = sale{ID: version, Brand: "v", Units: int32(f)}
			}
			if err := parquet.WriteFile(filepath.Join(dir, fmt.Sprintf("part-%d.parquet", f)), batch); err != nil {
				return err
			}
		}
		return nil
	}
}

// readTable reads every row of a table the way DuckDB does: resolve the
// files, then open each.
func readTable(l *Lake, table string) (versions map[int64]int, err error) {
	_, args, ok, err := l.Resolve(table)
	if err != nil || !ok {
		return nil, fmt.Errorf("resolve: %v %v", ok, err)
	}
	versions = map[int64]int{}
	for _, p := range args[0].([]string) {
		rows, err := parquet.ReadFile[sale](p)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			versions[r.ID]++
		}
	}
	return versions, nil
}

// While one writer replaces a table again and again, readers always see
// exactly one whole version.
func TestReadersNeverSeeAMix(t *testing.T) {
	l := sampleLake(t)
	ctx := context.Background()
	const files, rows = 4, 50
	if _, err := l.Write(ctx, "Sales", Overwrite, fillRows(t, 0, files, rows)); err != nil {
		t.Fatal(err)
	}
	var done atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer done.Store(true)
		for v := int64(1); v <= 30; v++ {
			if _, err := l.Write(ctx, "Sales", Overwrite, fillRows(t, v, files, rows)); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	reads := 0
	for !done.Load() || reads == 0 {
		got, err := readTable(l, "Sales")
		if err != nil {
			t.Fatalf("read %d: %v", reads, err)
		}
		if len(got) != 1 {
			t.Fatalf("read %d saw a mix of versions: %v", reads, got)
		}
		for v, n := range got {
			if n != files*rows {
				t.Fatalf("read %d saw %d rows of version %d, want %d", reads, n, v, files*rows)
			}
		}
		reads++
	}
	wg.Wait()
	if got, _ := readTable(l, "Sales"); got[30] != files*rows {
		t.Errorf("after the writes: %v, want version 30", got)
	}
	t.Logf("%d consistent reads during 30 commits", reads)
}

// Two writers replacing different partitions at once both land: the one
// that commits second recomputes its manifest over the first's.
func TestConcurrentPartitionWrites(t *testing.T) {
	l := sampleLake(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				day := fmt.Sprintf("day=2025-0%d-%02d/w.parquet", w+1, i+1)
				_, err := l.Write(ctx, "daily", ReplacePartitions, func(_ context.Context, dir string) error {
					writeParquet(t, filepath.Join(dir, day), []sale{{int64(w), "x", 1}})
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	got := liveFiles(t, l, "daily")
	for w := range 2 {
		for i := range 5 {
			if want := fmt.Sprintf("day=2025-0%d-%02d/w.parquet", w+1, i+1); !strings.Contains(got, want) {
				t.Errorf("lost %s: %s", want, got)
			}
		}
	}
	if !strings.Contains(got, "day=2024-01-01/x.parquet") || !strings.Contains(got, "day=2024-01-02/x.parquet") {
		t.Errorf("lost the partitions no one wrote: %s", got)
	}
}

// brokenStore fails Put after some objects, as an upload cut half-way does.
type brokenStore struct {
	Storage
	puts, failAt int
}

func (b *brokenStore) Put(ctx context.Context, key, file string) error {
	b.puts++
	if b.puts == b.failAt {
		return errors.New("connection reset by peer")
	}
	return b.Storage.Put(ctx, key, file)
}

func TestBrokenUploadLeavesThePreviousVersion(t *testing.T) {
	l := sampleLake(t)
	ctx := context.Background()
	before := liveFiles(t, l, "Sales")
	rows, _ := readTable(l, "Sales")
	broken := New(&brokenStore{Storage: l.store, failAt: 3})
	_, err := broken.Write(ctx, "Sales", Overwrite, fillRows(t, 7, 4, 10))
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("Write = %v, want the upload error", err)
	}
	if got := liveFiles(t, l, "Sales"); got != before {
		t.Errorf("live files %s, want %s", got, before)
	}
	if after, _ := readTable(l, "Sales"); fmt.Sprint(after) != fmt.Sprint(rows) {
		t.Errorf("rows after a broken upload %v, want %v", after, rows)
	}
	if got := listFiles(t, filepath.Join(l.Root(), "Sales")); strings.Contains(got, "_v/") {
		t.Errorf("the broken upload left objects behind: %s", got)
	}
}

// Objects of a writer that died before committing are never read, and the
// next write removes them once they are old.
func TestDebrisOfAKilledWriter(t *testing.T) {
	l := sampleLake(t)
	ctx := context.Background()
	if _, err := l.Write(ctx, "Sales", Overwrite, fillRows(t, 1, 1, 5)); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(l.Root(), "Sales", "_v", "dead-old", "part-0.parquet")
	young := filepath.Join(l.Root(), "Sales", "_v", "dead-young", "part-0.parquet")
	writeParquet(t, old, []sale{{99, "debris", 1}})
	writeParquet(t, young, []sale{{98, "in flight", 1}})
	past := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(old, past, past); err != nil {
		t.Fatal(err)
	}
	if got, _ := readTable(l, "Sales"); got[99] != 0 || got[98] != 0 || got[1] != 5 {
		t.Fatalf("readers picked up debris: %v", got)
	}
	if _, err := l.Write(ctx, "Sales", Overwrite, fillRows(t, 2, 1, 5)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("old debris still there: %v", err)
	}
	if _, err := os.Stat(young); err != nil {
		t.Errorf("a young object (maybe an in-flight write's) was removed: %v", err)
	}
}

func TestBrokenManifest(t *testing.T) {
	for _, tc := range []struct{ name, content, want string }{
		{"not json", "{", "is not valid JSON"},
		{"newer format", `{"format": 2, "files": []}`, "has format 2"},
		{"escaping path", `{"format": 1, "files": [{"path": "../../etc/passwd"}]}`, "names a file outside its table"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := sampleLake(t)
			writeFile(t, filepath.Join(l.Root(), "Sales", manifestName), tc.content)
			_, _, _, err := l.Resolve("sales")
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), filepath.Join(l.Root(), "Sales", manifestName)) {
				t.Errorf("Resolve = %v, want %q naming the manifest", err, tc.want)
			}
			cat, err := l.Catalog(context.Background())
			if err != nil {
				t.Fatalf("one broken table failed the whole catalog: %v", err)
			}
			for _, d := range cat {
				if d.Name == "Sales" && (len(d.Problems) != 1 || !strings.Contains(d.Problems[0], tc.want)) {
					t.Errorf("Sales problems = %v", d.Problems)
				}
				if d.Name == "daily" && d.Rows != 3 {
					t.Errorf("daily rows = %d, want 3", d.Rows)
				}
			}
			// A write over a broken manifest is refused, and changes nothing.
			if _, err := l.Write(context.Background(), "Sales", Overwrite, fillRows(t, 1, 1, 1)); err == nil {
				t.Error("a write over a broken manifest succeeded")
			}
		})
	}
}

func TestSwapLocks(t *testing.T) {
	l := sampleLake(t)
	ctx := context.Background()
	lock := filepath.Join(l.Root(), "Sales", manifestName+".lock")
	writeFile(t, lock, "")
	past := time.Now().Add(-time.Minute)
	if err := os.Chtimes(lock, past, past); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Write(ctx, "Sales", Overwrite, fillRows(t, 1, 1, 1)); err != nil {
		t.Fatalf("a crashed writer's lock blocked the write: %v", err)
	}
	// A live lock makes a writer wait; a canceled one gives up.
	writeFile(t, lock, "")
	cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	_, err := l.Write(cctx, "Sales", Overwrite, fillRows(t, 2, 1, 1))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Write under a held lock = %v, want the deadline", err)
	}
	if got, _ := readTable(l, "Sales"); got[1] != 1 {
		t.Errorf("after the refused write: %v, want version 1", got)
	}
	// Swap itself refuses a stale ETag.
	obj, err := l.store.Stat(ctx, "Sales/"+manifestName)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(lock)
	if err := l.store.Swap(ctx, "Sales/"+manifestName, []byte("{}"), obj.ETag+"x"); !errors.Is(err, ErrConflict) {
		t.Errorf("Swap with a stale ETag = %v, want ErrConflict", err)
	}
	if err := l.store.Swap(ctx, "Sales/"+manifestName, []byte("{}"), ""); !errors.Is(err, ErrConflict) {
		t.Errorf("Swap creating over an existing object = %v, want ErrConflict", err)
	}
}

// A file dropped beside a committed version is not read, and the catalog
// says so, naming it.
func TestStrayFileIsReported(t *testing.T) {
	l := sampleLake(t)
	ctx := context.Background()
	if _, err := l.Write(ctx, "Sales", Overwrite, fillRows(t, 1, 1, 5)); err != nil {
		t.Fatal(err)
	}
	stray := filepath.Join(l.Root(), "Sales", "dropped.parquet")
	writeParquet(t, stray, []sale{{42, "stray", 1}})
	if got, _ := readTable(l, "Sales"); got[42] != 0 {
		t.Errorf("the stray file was read: %v", got)
	}
	cat, err := l.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range cat {
		if d.Name == "Sales" && (len(d.Problems) == 0 || !strings.Contains(strings.Join(d.Problems, " "), stray)) {
			t.Errorf("Sales problems = %v, want one naming %s", d.Problems, stray)
		}
	}
}

// countingStore counts the reads Files makes of the storage.
type countingStore struct {
	Storage
	reads int
}

func (c *countingStore) Get(ctx context.Context, key string) ([]byte, Object, error) {
	c.reads++
	return c.Storage.Get(ctx, key)
}

func (c *countingStore) Folders(ctx context.Context, prefix string) ([]string, error) {
	c.reads++
	return c.Storage.Folders(ctx, prefix)
}

func TestFilesRecheck(t *testing.T) {
	base := sampleLake(t)
	ctx := context.Background()
	cs := &countingStore{Storage: base.store}
	l := New(cs)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	l.Now = func() time.Time { return now }
	l.Recheck = 30 * time.Second

	first, ok, err := l.Files(ctx, "sales")
	if err != nil || !ok || first.Name != "Sales" {
		t.Fatalf("Files = %+v, %v, %v", first, ok, err)
	}
	reads := cs.reads
	if again, _, _ := l.Files(ctx, "SALES"); cs.reads != reads || len(again.Files) != len(first.Files) {
		t.Errorf("a second Files within Recheck read the storage %d times", cs.reads-reads)
	}
	// This Lake's own commit is seen at once.
	if _, err := l.Write(ctx, "Sales", Overwrite, fillRows(t, 9, 2, 3)); err != nil {
		t.Fatal(err)
	}
	after, _, _ := l.Files(ctx, "Sales")
	if len(after.Files) != 2 || after.Files[0].Key == first.Files[0].Key {
		t.Errorf("after our commit Files = %+v", after)
	}
	// Another writer's commit is seen once Recheck has passed.
	if _, err := base.Write(ctx, "Sales", Overwrite, fillRows(t, 10, 3, 3)); err != nil {
		t.Fatal(err)
	}
	if stale, _, _ := l.Files(ctx, "Sales"); len(stale.Files) != 2 {
		t.Errorf("within Recheck Files = %d files, want the 2 it read", len(stale.Files))
	}
	now = now.Add(31 * time.Second)
	if fresh, _, _ := l.Files(ctx, "Sales"); len(fresh.Files) != 3 {
		t.Errorf("after Recheck Files = %d files, want the other writer's 3", len(fresh.Files))
	}
}
