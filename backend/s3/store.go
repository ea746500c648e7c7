// Package s3 is the lake's storage in an S3 bucket prefix (lake.Storage):
// ranged reads, conditional writes for commits, and a local cache for DuckDB.
package s3

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"smallfry/backend/lake"
)

// Defaults of the Config fields left zero.
const (
	defaultRegion      = "us-east-1"
	defaultPartSize    = 8 << 20
	defaultConcurrency = 4
	// dialTimeout bounds how long a request waits for a connection, so an
	// unreachable endpoint fails in seconds rather than hanging.
	dialTimeout = 3 * time.Second
)

// Config says which bucket prefix a Store is and how to reach it.
type Config struct {
	Bucket string
	// Prefix is the lake's folder in the bucket ("" is the whole bucket);
	// the Store's keys are relative to it.
	Prefix string
	Region string // "" is us-east-1
	// Endpoint is an S3-compatible server ("http://127.0.0.1:9000"), reached
	// with path-style addressing; "" is AWS.
	Endpoint string
	// Credentials signs requests; nil sends anonymous requests. When it is
	// an *aws.CredentialsCache, keys that S3 reports as expired are
	// invalidated and the request is tried once more.
	Credentials aws.CredentialsProvider
	// CacheDir holds the local copies DuckDB reads (<CacheDir>/<bucket>/
	// <prefix>/<key>, so Hive partition folders survive), their index and
	// staging folders. Required.
	CacheDir string
	// HTTPClient replaces the default client (one with a short dial timeout).
	HTTPClient *http.Client
	// OnRequest, when set, is called for every HTTP request sent (each
	// retry too), with the key relative to Prefix ("" for bucket-level
	// requests such as listings) and whether it is a ranged read. For
	// tests and benchmarks; it must be safe for concurrent use.
	OnRequest func(method, key string, ranged bool)
	// PartSize is the size of multipart upload parts and of the ranges a
	// large download is split in; 0 is 8 MiB. Files up to one part are
	// stored with a single PutObject.
	PartSize int64
	// Concurrency bounds the parts uploaded and the ranges downloaded at
	// once; 0 is 4.
	Concurrency int
	// Recheck is how long a local copy that was just fetched or checked is
	// trusted without asking S3 again; 0 asks every time.
	Recheck time.Duration
	// Now is the clock of fetch times; nil is time.Now.
	Now func() time.Time
}

// Store is a lake's storage in an S3 bucket prefix.
type Store struct {
	cfg      Config
	client   *s3.Client
	uploader *transfermanager.Client
	root     string // Prefix with a trailing slash, or ""
	endpoint string // for messages
	cache    string // CacheDir, absolute
	slots    chan struct{}

	mu           sync.Mutex
	keyLocks     map[string]*keyLock
	checked      map[string]time.Time // when a local copy last matched S3
	offlineUntil time.Time
	offlineErr   error

	unsynced    map[string]cacheEntry // fresh copies not yet synced and indexed
	unsyncedErr error
	syncing     sync.WaitGroup
}

var _ lake.Storage = (*Store)(nil)

// New returns the Store of cfg. It sends no request: a Store can be made
// offline, and serves its cached copies then.
func New(cfg Config) (*Store, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("open S3 lake: no bucket given")
	}
	if cfg.CacheDir == "" {
		return nil, fmt.Errorf("open S3 lake s3://%s: no cache folder given", cfg.Bucket)
	}
	cache, err := filepath.Abs(cfg.CacheDir)
	if err != nil {
		return nil, fmt.Errorf("open S3 lake s3://%s: %w", cfg.Bucket, err)
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return nil, fmt.Errorf("open S3 lake s3://%s: %w", cfg.Bucket, err)
	}
	if cfg.Region == "" {
		cfg.Region = defaultRegion
	}
	if cfg.PartSize <= 0 {
		cfg.PartSize = defaultPartSize
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = defaultConcurrency
	}
	s := &Store{
		cfg:      cfg,
		cache:    cache,
		slots:    make(chan struct{}, cfg.Concurrency),
		keyLocks: map[string]*keyLock{},
		checked:  map[string]time.Time{},
		unsynced: map[string]cacheEntry{},
		endpoint: cfg.Endpoint,
	}
	if p := strings.Trim(cfg.Prefix, "/"); p != "" {
		s.root = p + "/"
	}
	if s.endpoint == "" {
		s.endpoint = "https://s3." + cfg.Region + ".amazonaws.com"
	}
	opts := s3.Options{
		Region:      cfg.Region,
		Credentials: cfg.Credentials,
	}
	if opts.Credentials == nil {
		opts.Credentials = aws.AnonymousCredentials{}
	}
	if cfg.HTTPClient != nil {
		opts.HTTPClient = cfg.HTTPClient // (a nil *http.Client would be a non-nil interface)
	} else {
		opts.HTTPClient = awshttp.NewBuildableClient().WithDialerOptions(func(d *net.Dialer) { d.Timeout = dialTimeout })
	}
	if cfg.Endpoint != "" {
		opts.BaseEndpoint = aws.String(cfg.Endpoint)
		opts.UsePathStyle = true
	}
	if cfg.OnRequest != nil {
		opts.APIOptions = append(opts.APIOptions, s.countRequests)
	}
	s.client = s3.New(opts)
	s.uploader = transfermanager.New(s.client, func(o *transfermanager.Options) {
		o.PartSizeBytes = cfg.PartSize
		o.MultipartUploadThreshold = cfg.PartSize + 1
		o.Concurrency = cfg.Concurrency
		// The abort of a failed upload gets a context of its own, so that
		// one cancelled by the user still leaves no parts behind.
		o.FailTimeout = 30 * time.Second
	})
	s.sweepTemp()
	return s, nil
}

// Client is the S3 client the Store uses, for tests and tools that need
// calls the Storage interface does not have (creating buckets, policies).
func (s *Store) Client() *s3.Client { return s.client }

// Bucket is the Store's bucket.
func (s *Store) Bucket() string { return s.cfg.Bucket }

func (s *Store) full(key string) string { return s.root + key }

// Location is the object's s3:// URL.
func (s *Store) Location(key string) string { return "s3://" + s.cfg.Bucket + "/" + s.full(key) }

// hidden tells keys with a segment that starts with "." (housekeeping).
func hidden(rel string) bool {
	for _, seg := range strings.Split(rel, "/") {
		if strings.HasPrefix(seg, ".") {
			return true
		}
	}
	return false
}

// List lists the objects under prefix, page by page.
func (s *Store) List(ctx context.Context, prefix string) ([]lake.Object, error) {
	var out []lake.Object
	err := s.call(ctx, opList, prefix, func(ctx context.Context) error {
		out = out[:0]
		p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
			Bucket: aws.String(s.cfg.Bucket),
			Prefix: aws.String(s.full(prefix)),
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, o := range page.Contents {
				rel := strings.TrimPrefix(aws.ToString(o.Key), s.root)
				if rel == "" || strings.HasSuffix(rel, "/") || hidden(rel) {
					continue // folder markers some tools make, housekeeping
				}
				out = append(out, lake.Object{Key: rel, Size: aws.ToInt64(o.Size), ModTime: aws.ToTime(o.LastModified), ETag: aws.ToString(o.ETag)})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Folders lists the folders directly under prefix ("" or "raw/").
func (s *Store) Folders(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	err := s.call(ctx, opList, prefix, func(ctx context.Context) error {
		out = out[:0]
		base := s.full(prefix)
		p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
			Bucket:    aws.String(s.cfg.Bucket),
			Prefix:    aws.String(base),
			Delimiter: aws.String("/"),
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, cp := range page.CommonPrefixes {
				name := strings.TrimSuffix(strings.TrimPrefix(aws.ToString(cp.Prefix), base), "/")
				if name != "" && !strings.HasPrefix(name, ".") {
					out = append(out, name)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(out)
	return out, nil
}

// Stat asks S3 for one object's size and ETag (a HEAD request).
func (s *Store) Stat(ctx context.Context, key string) (lake.Object, error) {
	var o lake.Object
	err := s.call(ctx, opStat, key, func(ctx context.Context) error {
		out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(s.full(key))})
		if err != nil {
			return err
		}
		o = lake.Object{Key: key, Size: aws.ToInt64(out.ContentLength), ModTime: aws.ToTime(out.LastModified), ETag: aws.ToString(out.ETag)}
		return nil
	})
	return o, err
}

// Get reads a whole (small) object.
func (s *Store) Get(ctx context.Context, key string) ([]byte, lake.Object, error) {
	var data []byte
	var o lake.Object
	err := s.call(ctx, opGet, key, func(ctx context.Context) error {
		out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(s.full(key))})
		if err != nil {
			return err
		}
		defer out.Body.Close()
		if data, err = io.ReadAll(out.Body); err != nil {
			return err
		}
		o = lake.Object{Key: key, Size: int64(len(data)), ModTime: aws.ToTime(out.LastModified), ETag: aws.ToString(out.ETag)}
		return nil
	})
	if err != nil {
		return nil, lake.Object{}, err
	}
	return data, o, nil
}

// ReadAt reads len(p) bytes from off with one ranged GET. Like an
// io.ReaderAt, it returns io.EOF when the object ends before p is full.
func (s *Store) ReadAt(ctx context.Context, key string, p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("read %s: negative offset %d", s.Location(key), off)
	}
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	var eof bool
	err := s.call(ctx, opRead, key, func(ctx context.Context) error {
		n, eof = 0, false
		out, err := s.client.GetObject(ctx, &s3.GetObjectInput{
			Bucket: aws.String(s.cfg.Bucket),
			Key:    aws.String(s.full(key)),
			Range:  aws.String(fmt.Sprintf("bytes=%d-%d", off, off+int64(len(p))-1)),
		})
		if errorCode(err) == "InvalidRange" { // off is at or past the end
			eof = true
			return nil
		}
		if err != nil {
			return err
		}
		defer out.Body.Close()
		n, err = io.ReadFull(out.Body, p)
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			eof = true
			return nil
		}
		return err
	})
	if err != nil {
		return n, err
	}
	if eof {
		return n, io.EOF
	}
	return n, nil
}

// StagingDir makes an empty folder in the cache, on the same file system
// as the local copies, for a write to fill before its objects are Put.
func (s *Store) StagingDir(ctx context.Context) (string, error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	dir := filepath.Join(s.cache, stagingDir, time.Now().UTC().Format("20060102T150405")+"-"+hex.EncodeToString(b[:]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("make staging folder for %s: %w", s.Location(""), err)
	}
	return dir, nil
}

func (s *Store) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}
