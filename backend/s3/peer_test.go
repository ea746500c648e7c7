package s3_test

import (
	"context"
	"crypto/rand"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"smallfry/backend/s3"
	"smallfry/backend/s3/s3test"
)

func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }

// peer is the MinIO of the test run (see s3test), once needPeer found it.
var peer struct{ endpoint, password string }

func needPeer(t *testing.T) {
	t.Helper()
	s3test.Need(t)
	peer.endpoint = s3test.Endpoint()
	creds, _ := s3test.RootCredentials().Retrieve(context.Background())
	peer.password = creds.SecretAccessKey
}

func rootCreds() aws.CredentialsProvider { return s3test.RootCredentials() }

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

func mustStore(t *testing.T, cfg s3.Config) *s3.Store { return s3test.MustStore(t, cfg) }

func admin(t *testing.T, bucket string) *s3.Store { return s3test.Admin(t, bucket) }

func newBucket(t *testing.T) string { return s3test.NewBucket(t) }

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
