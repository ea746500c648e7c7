package s3_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"smallfry/backend"
	"smallfry/backend/lake"
	"smallfry/backend/s3"
)

func TestListFoldersStat(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	putTree(t, f.store, "testdata/tree")
	// An object beside the lake's prefix is not part of it.
	putBytes(t, admin(t, f.bucket), "elsewhere/x.bin", []byte("x"))
	putBytes(t, admin(t, f.bucket), "lake-not/x.bin", []byte("x"))

	lists := []struct {
		prefix string
		want   []string
	}{
		{"", []string{"README.txt", "Sales/day=2026-01-01/part-1.bin", "Sales/part-0.bin",
			"raw/clicks/a.jsonl", "raw/events/2026-01-01.jsonl", "raw/events/2026-01-02.jsonl"}},
		{"Sales/", []string{"Sales/day=2026-01-01/part-1.bin", "Sales/part-0.bin"}},
		{"raw/events/", []string{"raw/events/2026-01-01.jsonl", "raw/events/2026-01-02.jsonl"}},
		{"Nothing/", nil},
	}
	for _, tc := range lists {
		t.Run("list "+tc.prefix, func(t *testing.T) {
			objs, err := f.store.List(ctx, tc.prefix)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range objs {
				got = append(got, o.Key)
				if o.ETag == "" || o.ModTime.IsZero() {
					t.Errorf("%s: no ETag or time: %+v", o.Key, o)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("List(%q) = %q, want %q", tc.prefix, got, tc.want)
			}
		})
	}
	folders := []struct {
		prefix string
		want   []string
	}{
		{"", []string{"Sales", "raw"}},
		{"raw/", []string{"clicks", "events"}},
		{"Sales/", []string{"day=2026-01-01"}},
		{"README.txt/", nil},
	}
	for _, tc := range folders {
		t.Run("folders "+tc.prefix, func(t *testing.T) {
			got, err := f.store.Folders(ctx, tc.prefix)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Folders(%q) = %q, want %q", tc.prefix, got, tc.want)
			}
		})
	}

	o, err := f.store.Stat(ctx, "Sales/part-0.bin")
	if err != nil {
		t.Fatal(err)
	}
	if o.Size != 20 || o.Key != "Sales/part-0.bin" || o.ETag == "" {
		t.Errorf("Stat = %+v", o)
	}
	listed, _ := f.store.List(ctx, "Sales/part-0")
	if len(listed) != 1 || listed[0].ETag != o.ETag {
		t.Errorf("List and Stat disagree on the ETag: %+v vs %+v", listed, o)
	}
	for _, key := range []string{"Sales/missing.bin", "Sales", "Sales/"} {
		if _, err := f.store.Stat(ctx, key); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Stat(%q) = %v, want fs.ErrNotExist", key, err)
		}
	}
	if got, want := f.store.Location("Sales/part-0.bin"), "s3://"+f.bucket+"/lake/Sales/part-0.bin"; got != want {
		t.Errorf("Location = %s, want %s", got, want)
	}
}

func TestGetReadAt(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	data := []byte("0123456789abcdefghij")
	putBytes(t, f.store, "obj.bin", data)

	got, o, err := f.store.Get(ctx, "obj.bin")
	if err != nil || !bytes.Equal(got, data) || o.Size != 20 || o.ETag == "" {
		t.Fatalf("Get = %q, %+v, %v", got, o, err)
	}
	if _, _, err := f.store.Get(ctx, "nope.bin"); !errors.Is(err, fs.ErrNotExist) || backend.ErrorCode(err) != backend.ENOTFOUND {
		t.Errorf("Get of a missing object: %v (code %s)", err, backend.ErrorCode(err))
	}

	cases := []struct {
		name    string
		off     int64
		len     int
		want    string
		wantEOF bool
	}{
		{"start", 0, 4, "0123", false},
		{"middle", 10, 5, "abcde", false},
		{"to the end", 15, 5, "fghij", false},
		{"past the end", 15, 10, "fghij", true},
		{"at the end", 20, 4, "", true},
		{"beyond the end", 100, 4, "", true},
		{"nothing", 5, 0, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.reqs.reset()
			p := make([]byte, tc.len)
			n, err := f.store.ReadAt(ctx, "obj.bin", p, tc.off)
			if string(p[:n]) != tc.want {
				t.Errorf("read %q, want %q", p[:n], tc.want)
			}
			if (err == io.EOF) != tc.wantEOF || (err != nil && err != io.EOF) {
				t.Errorf("err = %v, want EOF %v", err, tc.wantEOF)
			}
			if tc.len > 0 && f.reqs.count("GET", true) != 1 {
				t.Errorf("requests: %s, want one ranged GET", f.reqs)
			}
		})
	}
	if _, err := f.store.ReadAt(ctx, "nope.bin", make([]byte, 4), 0); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadAt of a missing object: %v", err)
	}
}

func TestPut(t *testing.T) {
	const mib = 1 << 20
	cases := []struct {
		name      string
		size      int
		wantParts int // 0: a single PutObject
	}{
		{"small", 1000, 0},
		{"empty", 0, 0},
		{"one part", 5 * mib, 0},
		{"multipart", 12 * mib, 3},
	}
	f := newFixture(t, func(c *s3.Config) { c.PartSize = 5 * mib; c.Concurrency = 2 })
	ctx := context.Background()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := randomBytes(tc.size)
			key := "put/" + strings.ReplaceAll(tc.name, " ", "-") + ".bin"
			f.reqs.reset()
			putBytes(t, f.store, key, data)
			puts, posts := f.reqs.count("PUT", false), f.reqs.count("POST", false)
			if tc.wantParts == 0 && (puts != 1 || posts != 0) {
				t.Errorf("requests: %s, want a single PUT", f.reqs)
			}
			if tc.wantParts > 0 && (puts != tc.wantParts || posts != 2) {
				t.Errorf("requests: %s, want create, %d parts, complete", f.reqs, tc.wantParts)
			}
			got, o, err := f.store.Get(ctx, key)
			if err != nil || !bytes.Equal(got, data) || o.Size != int64(tc.size) {
				t.Fatalf("read back %d bytes (%v), want %d", len(got), err, tc.size)
			}
		})
	}
}

// cancelAfterPart cancels a context once MinIO has taken the first part of
// a multipart upload, as a user pressing Cancel mid-upload does.
type cancelAfterPart struct {
	base   http.RoundTripper
	cancel context.CancelFunc
	parts  atomic.Int32
}

func (c *cancelAfterPart) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(req)
	if err == nil && req.Method == http.MethodPut && req.URL.Query().Has("partNumber") && c.parts.Add(1) == 1 {
		c.cancel()
	}
	return resp, err
}

func TestFailedMultipartUploadIsAborted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr := &cancelAfterPart{base: http.DefaultTransport, cancel: cancel}
	f := newFixture(t, func(c *s3.Config) {
		c.PartSize = 5 << 20
		c.Concurrency = 1
		c.HTTPClient = &http.Client{Transport: tr}
	})
	p := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(p, randomBytes(16<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	err := f.store.Put(ctx, "big.bin", p)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Put = %v, want context.Canceled", err)
	}
	if tr.parts.Load() == 0 {
		t.Fatal("no part was uploaded before the cancel")
	}
	if abort := f.reqs.count("DELETE", false); abort != 1 {
		t.Errorf("requests: %s, want one abort (DELETE)", f.reqs)
	}
	out, err := admin(t, f.bucket).Client().ListMultipartUploads(context.Background(), &awss3.ListMultipartUploadsInput{Bucket: aws.String(f.bucket)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Uploads) != 0 {
		t.Errorf("%d incomplete uploads remain: %+v", len(out.Uploads), out.Uploads)
	}
	if _, err := f.store.Stat(context.Background(), "big.bin"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the object exists after a cancelled upload: %v", err)
	}
}

func TestSwap(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const key = "Sales/_smallfry.json"
	if err := f.store.Swap(ctx, key, []byte("v1"), ""); err != nil {
		t.Fatalf("create: %v", err)
	}
	_, v1, _ := f.store.Get(ctx, key)
	if err := f.store.Swap(ctx, key, []byte("v2"), v1.ETag); err != nil {
		t.Fatalf("replace: %v", err)
	}
	_, v2, _ := f.store.Get(ctx, key)
	putBytes(t, f.store, "gone.json", []byte("x"))
	gone, _ := f.store.Stat(ctx, "gone.json")
	_ = f.store.Delete(ctx, "gone.json")

	conflicts := []struct {
		name, key, match string
	}{
		{"create over an existing object", key, ""},
		{"replace with a stale ETag", key, v1.ETag},
		{"replace with a made-up ETag", key, `"0123456789abcdef0123456789abcdef"`},
		{"replace an object that was removed", "gone.json", gone.ETag},
	}
	for _, tc := range conflicts {
		t.Run(tc.name, func(t *testing.T) {
			err := f.store.Swap(ctx, tc.key, []byte("lost"), tc.match)
			mustErr(t, err, lake.ErrConflict)
			if backend.ErrorCode(err) != backend.ECONFLICT {
				t.Errorf("code %s, want %s", backend.ErrorCode(err), backend.ECONFLICT)
			}
		})
	}
	if data, o, _ := f.store.Get(ctx, key); string(data) != "v2" || o.ETag != v2.ETag {
		t.Errorf("after the conflicts: %q %s, want v2 %s", data, o.ETag, v2.ETag)
	}

	// Of writers racing on one ETag, exactly one wins.
	var wins, losses atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := f.store.Swap(ctx, key, fmt.Appendf(nil, "writer %d", i), v2.ETag)
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, lake.ErrConflict):
				losses.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 || losses.Load() != 7 {
		t.Errorf("%d writers won and %d lost, want 1 and 7", wins.Load(), losses.Load())
	}
}

func TestDelete(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const n = 1003
	p := filepath.Join(t.TempDir(), "o")
	os.WriteFile(p, []byte("x"), 0o644)
	keys := make([]string, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range keys {
		keys[i] = fmt.Sprintf("many/%04d", i)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := f.store.Put(ctx, keys[i], p); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	f.reqs.reset()
	if err := f.store.Delete(ctx, append(keys, "many/missing")...); err != nil {
		t.Fatal(err)
	}
	if got := f.reqs.count("POST", false); got != 2 {
		t.Errorf("%d DeleteObjects requests for %d keys, want 2", got, n+1)
	}
	if left, _ := f.store.List(ctx, "many/"); len(left) != 0 {
		t.Errorf("%d objects left", len(left))
	}
	if err := f.store.Delete(ctx); err != nil {
		t.Errorf("Delete of nothing: %v", err)
	}
}

func TestErrorsSayWhatToDo(t *testing.T) {
	needPeer(t)
	f := newFixture(t)
	ctx := context.Background()
	putBytes(t, f.store, "private.bin", []byte("secret"))
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, []byte("x"), 0o644)
	withCfg := func(edit func(*s3.Config)) *s3.Store {
		cfg := f.cfg
		cfg.CacheDir = t.TempDir()
		edit(&cfg)
		return mustStore(t, cfg)
	}
	anonymous := withCfg(func(c *s3.Config) { c.Credentials = nil })
	wrongKeys := withCfg(func(c *s3.Config) {
		c.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "nobody", SecretAccessKey: "wrong-secret-key"}, nil
		})
	})
	noBucket := withCfg(func(c *s3.Config) { c.Bucket = "smallfry-no-such-bucket" })

	cases := []struct {
		name string
		do   func() error
		want string
		code string
		is   error
	}{
		{"read without permission", func() error { _, _, err := anonymous.Get(ctx, "private.bin"); return err },
			"your role cannot read s3://" + f.bucket + "/lake/private.bin", backend.EINVALID, nil},
		{"write without permission", func() error { return anonymous.Put(ctx, "new.bin", file) },
			"your role cannot write s3://" + f.bucket + "/lake/new.bin", backend.EINVALID, nil},
		{"commit without permission", func() error { return anonymous.Swap(ctx, "m.json", []byte("{}"), "") },
			"your role cannot write", backend.EINVALID, nil},
		{"unknown access key", func() error { _, err := wrongKeys.List(ctx, ""); return err },
			"does not know the access key (InvalidAccessKeyId): sign in again", backend.EINVALID, nil},
		{"missing bucket", func() error { _, err := noBucket.List(ctx, ""); return err },
			"list s3://smallfry-no-such-bucket/lake/: the bucket smallfry-no-such-bucket does not exist", backend.ENOTFOUND, nil},
		{"missing object", func() error { _, _, err := f.store.Get(ctx, "nope.json"); return err },
			"get s3://" + f.bucket + "/lake/nope.json: the object does not exist", backend.ENOTFOUND, fs.ErrNotExist},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			t.Log(err)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if backend.ErrorCode(err) != tc.code {
				t.Errorf("code %s, want %s", backend.ErrorCode(err), tc.code)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("%v does not wrap %v", err, tc.is)
			}
			if strings.Contains(err.Error(), peer.password) {
				t.Error("the error names the secret key")
			}
		})
	}
}

func TestUnreachableEndpointFailsQuickly(t *testing.T) {
	endpoint := closedPort(t)
	st := mustStore(t, s3.Config{Bucket: "b", Endpoint: endpoint, CacheDir: t.TempDir()})
	start := time.Now()
	_, err := st.List(context.Background(), "")
	if err == nil || !strings.Contains(err.Error(), "cannot reach S3 at "+endpoint) || !s3.IsUnreachable(err) {
		t.Fatalf("got %v, want cannot reach S3 at %s", err, endpoint)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to give up", d)
	}
	t.Logf("%v after %v", err, time.Since(start))
	// Once found unreachable, the next requests fail at once.
	start = time.Now()
	for range 20 {
		if _, err := st.Stat(context.Background(), "x"); !s3.IsUnreachable(err) {
			t.Fatalf("got %v, want unreachable", err)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("20 requests while offline took %v", d)
	}
}

// expiringCreds hands out the root keys, counting how often it is asked.
type expiringCreds struct{ retrieved atomic.Int32 }

func (e *expiringCreds) Retrieve(ctx context.Context) (aws.Credentials, error) {
	e.retrieved.Add(1)
	c, err := rootCreds().Retrieve(ctx)
	c.CanExpire, c.Expires = true, time.Now().Add(time.Hour)
	return c, err
}

// A request signed with keys S3 says expired is tried once more with
// fresh keys. A proxy in front of MinIO answers the first request with
// ExpiredToken, as S3 does when STS keys expire in flight.
func TestExpiredCredentialsAreRefreshedOnce(t *testing.T) {
	needPeer(t)
	target, _ := url.Parse(peer.endpoint)
	var expired atomic.Int32
	expired.Store(1)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if expired.Add(-1) >= 0 {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message></Error>`)
			return
		}
		httputil.NewSingleHostReverseProxy(target).ServeHTTP(w, r)
	}))
	defer proxy.Close()
	f := newFixture(t)
	putBytes(t, f.store, "k.txt", []byte("hello"))
	creds := &expiringCreds{}
	cfg := f.cfg
	cfg.Endpoint = proxy.URL
	cfg.Credentials = aws.NewCredentialsCache(creds)
	st := mustStore(t, cfg)
	data, _, err := st.Get(context.Background(), "k.txt")
	if err != nil || string(data) != "hello" {
		t.Fatalf("Get = %q, %v", data, err)
	}
	if got := creds.retrieved.Load(); got != 2 {
		t.Errorf("credentials retrieved %d times, want 2 (once more after ExpiredToken)", got)
	}
	// Keys that stay expired give a clear error, not a loop.
	expired.Store(2)
	_, _, err = st.Get(context.Background(), "k.txt")
	if err == nil || !strings.Contains(err.Error(), "credentials expired") {
		t.Errorf("got %v, want the credentials expired", err)
	}
}
