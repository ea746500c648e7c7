// Command s3 measures the S3 lake against MinIO on loopback, side by side
// with a peer in the same run:
//
//  1. download throughput: Store.Fetch into an empty cache vs boto3's
//     transfer manager into an empty folder (peer.py), same objects, same
//     part size and request concurrency;
//  2. catalog requests: what lake.Catalog sends for a 100-table lake, the
//     first time and with its footers cached;
//  3. a cached S3 query (lakeview) vs the same query on a local lake.
//
// The endpoint and root keys come from the environment that
// `scripts/minio.sh start` writes (SMALLFRY_S3_ENDPOINT, _ROOT_USER,
// _ROOT_PASSWORD); PYTHON is the venv's python with boto3. Buckets it makes
// are removed at the end.
//
// Usage: . "$(scripts/minio.sh env)"; PYTHON=.venv/bin/python go run -tags duckdb_arrow ./bench/s3 [-only download,catalog,query]
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"smallfry/backend/s3"
)

// peer is the MinIO the benchmark runs against.
type peer struct {
	endpoint, region, user, password string
	scratch                          string // a temp folder for caches and local copies
}

var (
	only    = flag.String("only", "", "run only these figures (download,catalog,query)")
	profile = flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
)

func main() {
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
		atExit(pprof.StopCPUProfile)
	}
	p := peer{
		endpoint: os.Getenv("SMALLFRY_S3_ENDPOINT"),
		region:   os.Getenv("SMALLFRY_S3_REGION"),
		user:     os.Getenv("SMALLFRY_S3_ROOT_USER"),
		password: os.Getenv("SMALLFRY_S3_ROOT_PASSWORD"),
	}
	if p.endpoint == "" || p.user == "" || p.password == "" {
		fail(fmt.Errorf(`no MinIO: run scripts/minio.sh start and . "$(scripts/minio.sh env)"`))
	}
	py := os.Getenv("PYTHON")
	if py == "" {
		fail(fmt.Errorf("set PYTHON to the venv's python with boto3 (make bench does)"))
	}
	var err error
	if p.scratch, err = os.MkdirTemp("", "smallfry-s3bench-"); err != nil {
		fail(err)
	}
	atExit(func() { os.RemoveAll(p.scratch) })
	defer cleanUp()
	ctx := context.Background()
	figures := []struct {
		name string
		run  func(context.Context, peer) error
	}{
		{"download", func(ctx context.Context, p peer) error { return benchDownload(ctx, p, py) }},
		{"catalog", benchCatalog},
		{"query", benchQuery},
	}
	for i, f := range figures {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), f.name) {
			continue
		}
		if i > 0 && *only == "" {
			fmt.Println()
		}
		if err := f.run(ctx, p); err != nil {
			fail(fmt.Errorf("%s: %w", f.name, err))
		}
	}
}

func (p peer) credentials() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(p.user, p.password, "")
}

// store is a Store on bucket/prefix with a cache folder of its own (edit
// may set another).
func (p peer) store(bucket, prefix string, edit func(*s3.Config)) (*s3.Store, error) {
	cache, err := os.MkdirTemp(p.scratch, "cache-")
	if err != nil {
		return nil, err
	}
	cfg := s3.Config{Bucket: bucket, Prefix: prefix, Region: p.region, Endpoint: p.endpoint, Credentials: p.credentials(), CacheDir: cache}
	if edit != nil {
		edit(&cfg)
	}
	return s3.New(cfg)
}

// newBucket makes a bucket for one figure, removed with everything in it
// at exit.
func (p peer) newBucket(ctx context.Context, name string) (string, error) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	bucket := "smallfry-bench-" + name + "-" + hex.EncodeToString(b[:])
	st, err := p.store(bucket, "", nil)
	if err != nil {
		return "", err
	}
	c := st.Client()
	if _, err := c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		return "", fmt.Errorf("create bucket %s: %w", bucket, err)
	}
	atExit(func() { removeBucket(context.Background(), c, bucket) })
	return bucket, nil
}

func removeBucket(ctx context.Context, c *awss3.Client, bucket string) {
	pages := awss3.NewListObjectsV2Paginator(c, &awss3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			break
		}
		var ids []types.ObjectIdentifier
		for _, o := range page.Contents {
			ids = append(ids, types.ObjectIdentifier{Key: o.Key})
		}
		if len(ids) > 0 {
			_, _ = c.DeleteObjects(ctx, &awss3.DeleteObjectsInput{Bucket: aws.String(bucket), Delete: &types.Delete{Objects: ids}})
		}
	}
	if _, err := c.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
		fmt.Fprintf(os.Stderr, "bench s3: remove bucket %s: %v\n", bucket, err)
	}
}

func median[T int64 | float64 | time.Duration](v []T) T {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// cleanups run at the end, and on failure too: buckets, then the scratch folder.
var cleanups []func()

func atExit(f func()) { cleanups = append(cleanups, f) }

func cleanUp() {
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	cleanups = nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench s3:", err)
	cleanUp()
	os.Exit(1)
}
