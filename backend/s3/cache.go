package s3

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sync/errgroup"

	"smallfry/backend"
	"smallfry/backend/atomicfile"
	"smallfry/backend/lake"
)

// Layout of the cache folder:
//
//	<bucket>/<prefix>/<key>            the local copies, named as in S3 so that
//	                                   DuckDB reads key=value folders as columns
//	.index/<bucket>/<prefix>/<key>.json  what each copy is (cacheEntry)
//	.tmp/                              downloads in progress, renamed into place
//	.staging/                          writes being prepared (StagingDir)
//
// Bucket names cannot start with ".", so the housekeeping folders never
// clash with a bucket; the index lives apart so that no glob over a copied
// folder (raw/<dataset>/**/*.json*) picks it up.
const (
	indexDir   = ".index"
	tempDir    = ".tmp"
	stagingDir = ".staging"
	// leftoverAge is how old a download or staging folder must be before
	// New removes it as the debris of a process that was killed.
	leftoverAge = 24 * time.Hour
)

// cacheEntry is what a local copy is a copy of.
type cacheEntry struct {
	ETag      string    `json:"etag"`
	Size      int64     `json:"size"`
	ModTime   time.Time `json:"modTime"`
	FetchedAt time.Time `json:"fetchedAt"`
}

// LocalPath makes sure this machine has a current copy of the object key,
// or of every object under the folder key, and returns its path. A copy
// whose ETag still matches S3's (one HEAD request) is not downloaded again;
// when S3 cannot be reached the copy there is returned as it is (Cached
// says when it was fetched).
func (s *Store) LocalPath(ctx context.Context, key string) (string, error) {
	key = strings.TrimSuffix(key, "/")
	local, err := s.cachePath(key)
	if err != nil {
		return "", err
	}
	if _, ok := s.entry(key); ok {
		return s.ensure(ctx, key, nil, nil)
	}
	if info, err := os.Stat(local); err == nil && info.IsDir() {
		return s.syncFolder(ctx, key)
	}
	p, err := s.ensure(ctx, key, nil, nil)
	if errors.Is(err, fs.ErrNotExist) {
		return s.syncFolder(ctx, key) // not an object: perhaps a folder
	}
	return p, err
}

// Cached tells when the local copy of key was downloaded, if there is one.
func (s *Store) Cached(key string) (fetchedAt time.Time, ok bool) {
	e, ok := s.entry(key)
	return e.FetchedAt, ok
}

// Fetch brings current copies of several objects to this machine, at most
// Concurrency requests at a time, reporting bytes done of bytes needed (at
// most every 100 ms, and once at the end). Copies that are current cost a
// HEAD request each; when S3 cannot be reached, existing copies are kept.
// Cancelling ctx stops every download and leaves no partial file.
func (s *Store) Fetch(ctx context.Context, keys []string, progress func(done, total int64)) error {
	objs := make([]lake.Object, len(keys))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.cfg.Concurrency)
	for i, key := range keys {
		g.Go(func() error {
			if e, ok := s.entry(key); ok && s.recent(key) {
				objs[i] = lake.Object{Key: key, Size: e.Size, ETag: e.ETag}
				return nil
			}
			o, err := s.Stat(gctx, key)
			if e, ok := s.entry(key); err != nil && ok && unreachable(err) {
				o, err = lake.Object{Key: key, Size: e.Size, ETag: e.ETag}, nil // offline: keep the copy
			}
			objs[i] = o
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	var total int64
	for _, o := range objs {
		total += o.Size
	}
	var (
		done     atomic.Int64
		th       backend.Throttle
		reportMu sync.Mutex
	)
	report := func(n int64, final bool) {
		d := done.Add(n)
		if progress != nil && th.Allow(final) {
			reportMu.Lock()
			progress(d, total)
			reportMu.Unlock()
		}
	}
	g, gctx = errgroup.WithContext(ctx)
	// Twice as many objects as requests: one waiting for its copy to reach
	// the disk leaves its request slot to the next (s.slots bounds requests).
	g.SetLimit(2 * s.cfg.Concurrency)
	for i := range objs {
		g.Go(func() error {
			var got atomic.Int64
			_, err := s.ensure(gctx, objs[i].Key, &objs[i], func(n int64) { got.Add(n); report(n, false) })
			if err != nil {
				return err
			}
			report(objs[i].Size-got.Load(), false) // a copy that was current counts as done
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	report(0, true)
	return nil
}

// ensure makes the local copy of one object current. known, when given, is
// what a listing or a HEAD said the object is now.
func (s *Store) ensure(ctx context.Context, key string, known *lake.Object, onBytes func(int64)) (string, error) {
	local, err := s.cachePath(key)
	if err != nil {
		return "", err
	}
	unlock := s.lock(key)
	defer unlock()
	have, cached := s.entry(key)
	if cached && s.recent(key) {
		return local, nil
	}
	var cur lake.Object
	switch {
	case known != nil:
		cur = *known
	case cached:
		if cur, err = s.Stat(ctx, key); err != nil {
			if unreachable(err) {
				return local, nil // offline: the copy we have
			}
			return "", err
		}
	}
	if cached && cur.ETag != "" && cur.ETag == have.ETag {
		s.markChecked(key)
		return local, nil
	}
	if err := s.download(ctx, key, local, onBytes); err != nil {
		if cached && unreachable(err) {
			return local, nil
		}
		return "", err
	}
	return local, nil
}

// download copies an object into a temporary file, in ranges of PartSize
// fetched Concurrency at a time (all of the version the first range was),
// then renames it into place and records it in the index. A download that
// fails or is killed leaves nothing under the final name.
func (s *Store) download(ctx context.Context, key, local string, onBytes func(int64)) error {
	for attempt := 0; ; attempt++ {
		err := s.downloadOnce(ctx, key, local, onBytes)
		var be *backend.Error
		if attempt == 0 && errors.As(err, &be) && be.Code == backend.ECONFLICT {
			continue // the object was replaced while its ranges were read: start over
		}
		return err
	}
}

func (s *Store) downloadOnce(ctx context.Context, key, local string, onBytes func(int64)) (err error) {
	if onBytes == nil {
		onBytes = func(int64) {}
	}
	tmpDir := filepath.Join(s.cache, tempDir)
	if err := os.MkdirAll(tmpDir, 0o755); err != nil {
		return fmt.Errorf("download %s: %w", s.Location(key), err)
	}
	f, err := os.CreateTemp(tmpDir, "download-*")
	if err != nil {
		return fmt.Errorf("download %s: %w", s.Location(key), err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	first, err := s.getRange(ctx, key, f, 0, "", onBytes)
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	for off := s.cfg.PartSize; off < first.size; off += s.cfg.PartSize {
		g.Go(func() error {
			_, err := s.getRange(gctx, key, f, off, first.etag, onBytes)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("download %s: %w", s.Location(key), err)
	}
	if err := os.MkdirAll(filepath.Dir(local), 0o755); err != nil {
		return fmt.Errorf("download %s: %w", s.Location(key), err)
	}
	if err := os.Rename(f.Name(), local); err != nil {
		return fmt.Errorf("download %s: %w", s.Location(key), err)
	}
	e := cacheEntry{ETag: first.etag, Size: first.size, ModTime: first.modTime, FetchedAt: s.now().UTC()}
	s.persist(key, local, e)
	s.markChecked(key)
	return nil
}

// persist makes a fresh copy durable without making its reader wait: the
// copy counts as cached in this process at once, while in the background it
// is synced to disk and only then recorded in the index. A power cut or a
// crash before that leaves a copy the index does not name, which is
// fetched again: never one it names over blocks that were not written.
func (s *Store) persist(key, local string, e cacheEntry) {
	s.mu.Lock()
	s.unsynced[key] = e
	s.mu.Unlock()
	s.syncing.Add(1)
	go func() {
		defer s.syncing.Done()
		unlock := s.lock(key) // after the download that started this one returns
		defer unlock()
		err := syncFile(local)
		if err == nil {
			err = s.writeEntry(key, e)
		}
		s.mu.Lock()
		if cur, ok := s.unsynced[key]; ok && cur == e {
			delete(s.unsynced, key)
			if err != nil {
				s.unsyncedErr = fmt.Errorf("record the copy of %s: %w", s.Location(key), err)
			}
		}
		s.mu.Unlock()
	}()
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Flush waits until every copy fetched so far is on disk and in the index
// (the app calls it before it exits), and reports the first that could
// not be recorded.
func (s *Store) Flush() error {
	s.syncing.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.unsyncedErr
	s.unsyncedErr = nil
	return err
}

// part is what a ranged GET said about the whole object.
type part struct {
	etag    string
	size    int64
	modTime time.Time
}

// getRange writes the PartSize bytes at off into f (a slot of the Store's
// concurrency held meanwhile). With ifMatch, a replaced object fails with
// a conflict instead of mixing two versions. Bytes are reported as they
// arrive, and taken back if the attempt fails.
func (s *Store) getRange(ctx context.Context, key string, f *os.File, off int64, ifMatch string, onBytes func(int64)) (part, error) {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return part{}, s.explain(opFetch, key, ctx.Err())
	}
	defer func() { <-s.slots }()
	var p part
	err := s.call(ctx, opFetch, key, func(ctx context.Context) error {
		in := &s3.GetObjectInput{
			Bucket: aws.String(s.cfg.Bucket),
			Key:    aws.String(s.full(key)),
			Range:  aws.String(fmt.Sprintf("bytes=%d-%d", off, off+s.cfg.PartSize-1)),
		}
		if ifMatch != "" {
			in.IfMatch = aws.String(ifMatch)
		}
		out, err := s.client.GetObject(ctx, in)
		if errorCode(err) == "InvalidRange" && off == 0 {
			// An empty object has no byte 0: get it whole.
			in.Range = nil
			out, err = s.client.GetObject(ctx, in)
		}
		if err != nil {
			return err
		}
		defer out.Body.Close()
		p = part{etag: aws.ToString(out.ETag), modTime: aws.ToTime(out.LastModified), size: aws.ToInt64(out.ContentLength)}
		if cr := aws.ToString(out.ContentRange); cr != "" {
			if p.size, err = rangeTotal(cr); err != nil {
				return err
			}
		}
		w := &countingWriter{w: io.NewOffsetWriter(f, off), report: onBytes}
		_, err = io.Copy(w, out.Body)
		if err != nil {
			onBytes(-w.n)
		}
		return err
	})
	return p, err
}

// rangeTotal reads the object size of a Content-Range ("bytes 0-99/1234").
func rangeTotal(cr string) (int64, error) {
	_, total, ok := strings.Cut(cr, "/")
	n, err := strconv.ParseInt(total, 10, 64)
	if !ok || err != nil {
		return 0, fmt.Errorf("unexpected Content-Range %q", cr)
	}
	return n, nil
}

type countingWriter struct {
	w      io.Writer
	n      int64
	report func(int64)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.report(int64(n))
	return n, err
}

// syncFolder makes the local copy of a folder match S3's listing: current
// copies of every object, none of the objects that are gone.
func (s *Store) syncFolder(ctx context.Context, key string) (string, error) {
	dir, err := s.cachePath(key)
	if err != nil {
		return "", err
	}
	objs, err := s.List(ctx, key+"/")
	if err != nil {
		if info, serr := os.Stat(dir); serr == nil && info.IsDir() && unreachable(err) {
			return dir, nil // offline: the copy we have
		}
		return "", err
	}
	if len(objs) == 0 {
		return "", &backend.Error{Code: backend.ENOTFOUND, Message: fmt.Sprintf("copy %s: there is no object or folder of that name", s.Location(key)), Err: fs.ErrNotExist}
	}
	keys := make([]string, len(objs))
	live := map[string]bool{}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.cfg.Concurrency)
	for i := range objs {
		keys[i] = objs[i].Key
		live[objs[i].Key] = true
		g.Go(func() error {
			_, err := s.ensure(gctx, objs[i].Key, &objs[i], nil)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return "", err
	}
	// Objects removed from S3 must not stay visible to DuckDB's glob.
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		k := key + "/" + filepath.ToSlash(rel)
		if !live[k] {
			os.Remove(p)
			os.Remove(s.entryPath(k))
		}
		return nil
	})
	return dir, nil
}

// cachePath is where the copy of key lives: <cache>/<bucket>/<prefix>/<key>.
func (s *Store) cachePath(key string) (string, error) {
	full := s.full(key)
	for _, seg := range strings.Split(full, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", fmt.Errorf("copy %s: a key with an empty, . or .. segment has no place on this machine", s.Location(key))
		}
	}
	return filepath.Join(s.cache, s.cfg.Bucket, filepath.FromSlash(full)), nil
}

func (s *Store) entryPath(key string) string {
	return filepath.Join(s.cache, indexDir, s.cfg.Bucket, filepath.FromSlash(s.full(key))+".json")
}

// entry is the index entry of key's copy, if the copy is there as recorded.
func (s *Store) entry(key string) (cacheEntry, bool) {
	local, err := s.cachePath(key)
	if err != nil {
		return cacheEntry{}, false
	}
	s.mu.Lock()
	fresh, ok := s.unsynced[key]
	s.mu.Unlock()
	if ok {
		return fresh, true
	}
	data, err := os.ReadFile(s.entryPath(key))
	if err != nil {
		return cacheEntry{}, false
	}
	var e cacheEntry
	if json.Unmarshal(data, &e) != nil {
		return cacheEntry{}, false
	}
	info, err := os.Stat(local)
	if err != nil || !info.Mode().IsRegular() || info.Size() != e.Size {
		return cacheEntry{}, false
	}
	return e, true
}

func (s *Store) writeEntry(key string, e cacheEntry) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	p := s.entryPath(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(p, data, 0o644)
}

func (s *Store) markChecked(key string) {
	if s.cfg.Recheck > 0 {
		s.mu.Lock()
		s.checked[key] = s.now()
		s.mu.Unlock()
	}
}

// recent tells a copy that matched S3 less than Recheck ago.
func (s *Store) recent(key string) bool {
	if s.cfg.Recheck <= 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.checked[key]
	return ok && s.now().Sub(at) < s.cfg.Recheck
}

// keyLock serialises the downloads of one key, so concurrent callers
// download it once.
type keyLock struct {
	mu    sync.Mutex
	users int
}

func (s *Store) lock(key string) (unlock func()) {
	s.mu.Lock()
	l := s.keyLocks[key]
	if l == nil {
		l = &keyLock{}
		s.keyLocks[key] = l
	}
	l.users++
	s.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		s.mu.Lock()
		if l.users--; l.users == 0 {
			delete(s.keyLocks, key)
		}
		s.mu.Unlock()
	}
}

// sweepTemp removes downloads and staging folders that killed processes
// left behind.
func (s *Store) sweepTemp() {
	for _, dir := range []string{tempDir, stagingDir} {
		entries, _ := os.ReadDir(filepath.Join(s.cache, dir))
		for _, e := range entries {
			if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > leftoverAge {
				os.RemoveAll(filepath.Join(s.cache, dir, e.Name()))
			}
		}
	}
}

// CopyOf is the local copy of key when it is there and has the ETag a
// manifest or listing just gave (S3's ETags are quoted; either spelling
// matches), with no request to S3: objects under a version folder never
// change, so their manifest's ETag is enough to trust the copy.
func (s *Store) CopyOf(key, etag string) (string, bool) {
	if etag == "" {
		return "", false
	}
	e, ok := s.entry(key)
	if !ok || strings.Trim(e.ETag, `"`) != strings.Trim(etag, `"`) {
		return "", false
	}
	local, err := s.cachePath(key)
	return local, err == nil
}
