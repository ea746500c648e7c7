//go:build duckdb_arrow

package spark

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// The Spark server reads the MinIO of SMALLFRY_S3_* (scripts/peers.sh
// starts it with that endpoint) through S3A, with keys set per session.
func TestPartitionedParquetOnS3WithSessionKeys(t *testing.T) {
	need(t)
	endpoint, user, password := os.Getenv("SMALLFRY_S3_ENDPOINT"), os.Getenv("SMALLFRY_S3_ROOT_USER"), os.Getenv("SMALLFRY_S3_ROOT_PASSWORD")
	if endpoint == "" {
		const why = "no MinIO beside the Spark server: SMALLFRY_S3_ENDPOINT is not set (scripts/peers.sh start)"
		if os.Getenv("SMALLFRY_REQUIRE_PEERS") == "1" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
	ctx := context.Background()
	root := credentials.NewStaticCredentialsProvider(user, password, "")
	s3c := awss3.New(awss3.Options{Region: "us-east-1", BaseEndpoint: &endpoint, UsePathStyle: true, Credentials: root})
	var b [5]byte
	_, _ = rand.Read(b[:])
	bucket := "smallfry-spark-" + hex.EncodeToString(b[:])
	if _, err := s3c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: &bucket}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		list, _ := s3c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: &bucket})
		if list != nil {
			for _, o := range list.Contents {
				s3c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: &bucket, Key: o.Key})
			}
		}
		s3c.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: &bucket})
	})

	// A Hive-partitioned table as the lake holds them, written by DuckDB.
	dir := t.TempDir()
	conn := duck(t)
	if _, err := conn.ExecContext(ctx, `COPY (SELECT range AS id, range % 3 AS region, 'v' || range AS v FROM range(3000))
		TO '`+filepath.Join(dir, "sales")+`' (FORMAT parquet, PARTITION_BY (region))`); err != nil {
		t.Fatal(err)
	}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		rel, _ := filepath.Rel(dir, p)
		key := "lake/" + filepath.ToSlash(rel)
		_, err = s3c.PutObject(ctx, &awss3.PutObjectInput{Bucket: &bucket, Key: &key, Body: f})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	// The user's temporary keys, as STS gives them.
	stsc := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: &endpoint, Credentials: root})
	out, err := stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/smallfry"), RoleSessionName: aws.String("spark-test"), DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	k := out.Credentials

	c := dial(t, "")
	if err := c.SetConf(ctx, S3Conf(*k.AccessKeyId, *k.SecretAccessKey, *k.SessionToken)); err != nil {
		t.Fatal(err)
	}
	path := "s3a://" + bucket + "/lake/sales"
	n, err := copyInto(ctx, t, c, conn, "by_region", `SELECT region, count(*) AS n, sum(id) AS total
		FROM parquet.`+"`"+path+"`"+` WHERE region <> :skip GROUP BY region ORDER BY region`, map[string]any{"skip": 2})
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("regions: got %d, want 2 (region 2 filtered out)", n)
	}
	var regions, rows, total int64
	if err := conn.QueryRowContext(ctx, `SELECT count(*), sum(n), sum(total) FROM by_region`).Scan(&regions, &rows, &total); err != nil {
		t.Fatal(err)
	}
	// ids 0..2999 with id % 3 in {0, 1}: 2000 rows.
	var want int64
	for i := int64(0); i < 3000; i++ {
		if i%3 != 2 {
			want += i
		}
	}
	if regions != 2 || rows != 2000 || total != want {
		t.Fatalf("got %d regions, %d rows, total %d; want 2, 2000, %d", regions, rows, total, want)
	}

	// Another session without keys reads nothing: the keys are that
	// session's alone.
	other := dial(t, "")
	_, err = other.Execute(ctx, "SELECT count(*) FROM parquet.`"+path+"`", nil, ExecuteOptions{})
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("a session without keys read the table: %v", err)
	}
	if !strings.Contains(se.Message, "Credentials") && !strings.Contains(se.Message, "403") && !strings.Contains(se.Message, "Access") {
		t.Errorf("without keys: %s", se.Message)
	}
	t.Logf("without keys: %s", se.Message)
}
