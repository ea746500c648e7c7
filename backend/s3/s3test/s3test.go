// Package s3test gives tests a real MinIO: the one `scripts/minio.sh start`
// started for the test run (its env file sourced by the Makefile), or else
// one it starts itself from the cached binary for one package's tests.
package s3test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
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

// Main runs a package's tests with MinIO found or started: call it from
// TestMain as os.Exit(s3test.Main(m)).
func Main(m *testing.M) int {
	stop := findPeer()
	defer stop()
	return m.Run()
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
	_, here, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(here), "..", "..", "..", "scripts", "minio.sh")
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

// Need skips a test without MinIO, or fails it when the run says the
// peers must be there (SMALLFRY_REQUIRE_PEERS=1, as CI does).
func Need(t *testing.T) {
	t.Helper()
	if peer.endpoint != "" {
		return
	}
	if os.Getenv("SMALLFRY_REQUIRE_PEERS") == "1" {
		t.Fatal(peer.skip)
	}
	t.Skip(peer.skip)
}

// Endpoint is MinIO's address (http://127.0.0.1:PORT).
func Endpoint() string { return peer.endpoint }

// RootCredentials are MinIO's root keys.
func RootCredentials() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(peer.user, peer.password, "")
}

// MustStore opens a Store or fails the test.
func MustStore(t *testing.T, cfg s3.Config) *s3.Store {
	t.Helper()
	st, err := s3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// Admin is a Store on the whole bucket, for setting up and checking.
func Admin(t *testing.T, bucket string) *s3.Store {
	return MustStore(t, s3.Config{Bucket: bucket, Endpoint: peer.endpoint, Credentials: RootCredentials(), CacheDir: t.TempDir()})
}

// NewBucket makes a bucket removed after the test.
func NewBucket(t *testing.T) string {
	t.Helper()
	var b [5]byte
	_, _ = rand.Read(b[:])
	bucket := "smallfry-test-" + hex.EncodeToString(b[:])
	c := Admin(t, bucket).Client()
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
