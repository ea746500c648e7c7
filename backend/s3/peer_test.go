package s3_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"smallfry/backend/s3"
)

// The tests run against a real MinIO. Its address and root credentials
// come from the environment that `scripts/minio.sh start` writes
// (build/peers/minio/env, sourced by the Makefile); without it, a MinIO
// binary already in the tool cache is started for this test run alone.
var peer struct {
	endpoint, user, password string
	skip                     string // why there is no MinIO
}

func TestMain(m *testing.M) {
	stop := findPeer()
	code := m.Run()
	stop()
	os.Exit(code)
}

func findPeer() (stop func()) {
	stop = func() {}
	peer.endpoint = os.Getenv("SMALLFRY_S3_ENDPOINT")
	peer.user = os.Getenv("SMALLFRY_S3_ROOT_USER")
	peer.password = os.Getenv("SMALLFRY_S3_ROOT_PASSWORD")
	if peer.endpoint != "" {
		return stop
	}
	cache := os.Getenv("SMALLFRY_CACHE")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "smallfry")
	}
	if _, err := os.Stat(filepath.Join(cache, "bin", "minio")); err != nil {
		peer.skip = "no MinIO: run `scripts/minio.sh start` and source build/peers/minio/env (SMALLFRY_S3_ENDPOINT is not set)"
		return stop
	}
	state, err := os.MkdirTemp("", "smallfry-minio-")
	if err != nil {
		peer.skip = err.Error()
		return stop
	}
	script, _ := filepath.Abs("../../scripts/minio.sh")
	run := func(arg string) ([]byte, error) {
		cmd := exec.Command("bash", script, arg)
		cmd.Env = append(os.Environ(), "MINIO_STATE_DIR="+state)
		return cmd.CombinedOutput()
	}
	stop = func() {
		run("stop")
		os.RemoveAll(state)
	}
	if out, err := run("start"); err != nil {
		peer.skip = fmt.Sprintf("scripts/minio.sh start: %v\n%s", err, out)
		return stop
	}
	f, err := os.Open(filepath.Join(state, "env"))
	if err != nil {
		peer.skip = err.Error()
		return stop
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, _ := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "=")
		switch name {
		case "SMALLFRY_S3_ENDPOINT":
			peer.endpoint = value
		case "SMALLFRY_S3_ROOT_USER":
			peer.user = value
		case "SMALLFRY_S3_ROOT_PASSWORD":
			peer.password = value
		}
	}
	return stop
}

// needPeer skips a test without MinIO, or fails it when the run says the
// peers must be there (SMALLFRY_REQUIRE_PEERS=1, as CI does).
func needPeer(t *testing.T) {
	t.Helper()
	if peer.endpoint != "" {
		return
	}
	if os.Getenv("SMALLFRY_REQUIRE_PEERS") == "1" {
		t.Fatal(peer.skip)
	}
	t.Skip(peer.skip)
}

func rootCreds() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(peer.user, peer.password, "")
}

// requests counts the requests a Store sends.
type requests struct {
	mu  sync.Mutex
	all []string // "GET key ranged"
}

func (r *requests) hook(method, key string, ranged bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := method + " " + key
	if ranged {
		s += " ranged"
	}
	r.all = append(r.all, s)
}

// count counts the requests of method (and ranged, when method is GET).
func (r *requests) count(method string, ranged bool) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, s := range r.all {
		if strings.HasPrefix(s, method+" ") && (method != "GET" || strings.HasSuffix(s, " ranged") == ranged) {
			n++
		}
	}
	return n
}

// exactly counts the requests that are req ("GET Sales/_smallfry.json").
func (r *requests) exactly(req string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, s := range r.all {
		if s == req {
			n++
		}
	}
	return n
}

func (r *requests) reset() {
	r.mu.Lock()
	r.all = nil
	r.mu.Unlock()
}

func (r *requests) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.all, "; ")
}

// fixture is a Store on a bucket of its own (removed after the test), with
// its requests counted.
type fixture struct {
	store  *s3.Store
	cfg    s3.Config
	reqs   *requests
	bucket string
}

// newFixture makes a bucket for t and a Store on its "lake" prefix; edit
// changes the Store's configuration.
func newFixture(t *testing.T, edit ...func(*s3.Config)) *fixture {
	t.Helper()
	needPeer(t)
	bucket := newBucket(t)
	f := &fixture{reqs: &requests{}, bucket: bucket}
	f.cfg = s3.Config{
		Bucket: bucket, Prefix: "lake", Endpoint: peer.endpoint,
		Credentials: rootCreds(), CacheDir: t.TempDir(), OnRequest: f.reqs.hook,
	}
	for _, e := range edit {
		e(&f.cfg)
	}
	f.store = mustStore(t, f.cfg)
	return f
}

func mustStore(t *testing.T, cfg s3.Config) *s3.Store {
	t.Helper()
	st, err := s3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// admin is a Store on the whole bucket, for setting up and checking.
func admin(t *testing.T, bucket string) *s3.Store {
	return mustStore(t, s3.Config{Bucket: bucket, Endpoint: peer.endpoint, Credentials: rootCreds(), CacheDir: t.TempDir()})
}

func newBucket(t *testing.T) string {
	t.Helper()
	var b [5]byte
	_, _ = rand.Read(b[:])
	bucket := "smallfry-test-" + hex.EncodeToString(b[:])
	c := admin(t, bucket).Client()
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("create bucket %s: %v", bucket, err)
	}
	t.Cleanup(func() { removeBucket(t, c, bucket) })
	return bucket
}

func removeBucket(t *testing.T, c *awss3.Client, bucket string) {
	ctx := context.Background()
	uploads, _ := c.ListMultipartUploads(ctx, &awss3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if uploads != nil {
		for _, u := range uploads.Uploads {
			c.AbortMultipartUpload(ctx, &awss3.AbortMultipartUploadInput{Bucket: aws.String(bucket), Key: u.Key, UploadId: u.UploadId})
		}
	}
	p := awss3.NewListObjectsV2Paginator(c, &awss3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			break
		}
		var ids []types.ObjectIdentifier
		for _, o := range page.Contents {
			ids = append(ids, types.ObjectIdentifier{Key: o.Key})
		}
		if len(ids) > 0 {
			c.DeleteObjects(ctx, &awss3.DeleteObjectsInput{Bucket: aws.String(bucket), Delete: &types.Delete{Objects: ids}})
		}
	}
	if _, err := c.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Logf("remove bucket %s: %v", bucket, err)
	}
}

// putTree stores every file under dir, keyed by its path relative to dir.
func putTree(t *testing.T, st *s3.Store, dir string) []string {
	t.Helper()
	var keys []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		key := filepath.ToSlash(rel)
		keys = append(keys, key)
		return st.Put(context.Background(), key, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// putBytes stores data under key through a temporary file.
func putBytes(t *testing.T, st *s3.Store, key string, data []byte) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "obj")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := st.Put(context.Background(), key, p); err != nil {
		t.Fatal(err)
	}
}

// closedPort is an address where nothing listens.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func mustErr(t *testing.T, err error, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("got %v, want an error wrapping %v", err, target)
	}
}
