package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"smallfry/backend/cluster"
	"smallfry/backend/duckdb"
	"smallfry/backend/lake"
	"smallfry/backend/lakeview"
	"smallfry/backend/s3"
)

// The offload comparison: the same aggregate over a Hive-partitioned table
// of the S3 lake (MinIO), run locally by DuckDB (cold: its files downloaded
// first; warm: cached) vs on the cluster through a cluster cell (Spark reads
// S3 itself, only the aggregate comes back). Where cold local time equals
// the cluster's is where cluster.offloadBytes should sit.

var (
	offloadRows = flag.Int64("offload-rows", 10_000_000, "rows of the S3 table for the offload comparison (0 skips it)")
	offloadRuns = flag.Int("offload-runs", 3, "timed runs of each offload side")
)

const aggregate = "SELECT day, count(*) AS n, sum(amount) AS total, avg(price) AS price FROM s3.Events GROUP BY day ORDER BY day"

func offload(ctx context.Context, url, token string) {
	endpoint, user, password := os.Getenv("SMALLFRY_S3_ENDPOINT"), os.Getenv("SMALLFRY_S3_ROOT_USER"), os.Getenv("SMALLFRY_S3_ROOT_PASSWORD")
	if *offloadRows <= 0 || endpoint == "" {
		fmt.Println("offload: skipped (no MinIO: source build/peers/env after scripts/peers.sh start)")
		return
	}
	root := credentials.NewStaticCredentialsProvider(user, password, "")
	var b [4]byte
	_, _ = rand.Read(b[:])
	bucket := "smallfry-bench-" + hex.EncodeToString(b[:])
	admin := awss3.New(awss3.Options{Region: "us-east-1", BaseEndpoint: &endpoint, UsePathStyle: true, Credentials: root})
	if _, err := admin.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		fail(err)
	}
	defer removeBucket(ctx, admin, bucket)
	tmp, err := os.MkdirTemp("", "smallfry-bench-offload-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(tmp)
	open := func(cache string) (*lake.Lake, *duckdb.Session) {
		st, err := s3.New(s3.Config{Bucket: bucket, Prefix: "lake", Endpoint: endpoint, Credentials: root, CacheDir: cache})
		if err != nil {
			fail(err)
		}
		lk := lake.New(st)
		db, err := duckdb.Open(ctx, duckdb.Config{Catalogs: map[string]duckdb.Catalog{"s3": lakeview.New(lk, st, filepath.Join(cache, "views"))}})
		if err != nil {
			fail(err)
		}
		return lk, db
	}
	// The table: 30 days, written once through the lake's commit protocol.
	lk, maker := open(filepath.Join(tmp, "maker"))
	if _, err := lk.Write(ctx, "Events", lake.Overwrite, func(ctx context.Context, dir string) error {
		q := fmt.Sprintf("COPY (SELECT range AS id, CAST(range %% 30 AS INTEGER) AS day, range * 7 %% 1000 AS amount, random() * 100 AS price, md5(CAST(range AS VARCHAR)) AS note FROM range(%d)) TO %s (FORMAT parquet, PARTITION_BY (day))", *offloadRows, duckdb.QuoteString(dir))
		_, err := maker.Run(ctx, duckdb.Cell{SQL: q})
		return err
	}); err != nil {
		fail(err)
	}
	maker.Close()
	tf, _, err := lk.Files(ctx, "Events")
	if err != nil {
		fail(err)
	}
	var size int64
	for _, f := range tf.Files {
		size += f.Size
	}

	var cold, warm, onCluster, again []time.Duration
	for i := 0; i < *offloadRuns; i++ {
		// Cold: a new cache, so every file is downloaded first.
		_, db := open(filepath.Join(tmp, fmt.Sprintf("cache-%d", i)))
		t0 := time.Now()
		if _, err := db.Run(ctx, duckdb.Cell{SQL: aggregate, Result: "local"}); err != nil {
			fail(err)
		}
		cold = append(cold, time.Since(t0))
		t0 = time.Now()
		if _, err := db.Run(ctx, duckdb.Cell{SQL: aggregate, Result: "local"}); err != nil {
			fail(err)
		}
		warm = append(warm, time.Since(t0))

		// The cluster, reading the same objects with the same keys.
		conn := cluster.NewConn(cluster.Settings{Name: "bench", URL: url,
			Token:  func(context.Context) (string, error) { return token, nil },
			S3Keys: func(context.Context) (string, string, string, error) { return user, password, "", nil }})
		e := &cluster.Engine{Conn: conn, DB: db, Lake: lk}
		t0 = time.Now()
		res, err := e.Run(ctx, duckdb.Cell{SQL: aggregate, Result: "remote"})
		if err != nil {
			fail(err)
		}
		onCluster = append(onCluster, time.Since(t0))
		if res.Rows != 30 {
			fail(fmt.Errorf("the cluster's aggregate has %d rows, want 30", res.Rows))
		}
		// The same cell again in the same Spark session (views made).
		t0 = time.Now()
		if _, err := e.Run(ctx, duckdb.Cell{SQL: aggregate, Result: "remote"}); err != nil {
			fail(err)
		}
		again = append(again, time.Since(t0))
		conn.Close(ctx)
		db.Close()
	}
	mc, mw, mk, ma := median(cold), median(warm), median(onCluster), median(again)
	fmt.Printf("\nthe same aggregate over s3.Events (%d rows, %d files, %.0f MB of Parquet in MinIO), %d runs each, medians:\n", *offloadRows, len(tf.Files), float64(size)/(1<<20), *offloadRuns)
	fmt.Printf("  local, cold (download, then DuckDB)   %7.0f ms  (%s)\n", ms(mc), list(cold))
	fmt.Printf("  local, warm (cached files)            %7.0f ms  (%s)\n", ms(mw), list(warm))
	fmt.Printf("  cluster cell, new session (dial, view) %7.0f ms  (%s)\n", ms(mk), list(onCluster))
	fmt.Printf("  cluster cell, same session again      %7.0f ms  (%s)\n", ms(ma), list(again))
	fmt.Printf("  ratios: cold/cluster %.2f×, warm/cluster %.2f× (cluster again: cold %.2f×, warm %.2f×)\n",
		float64(mc)/float64(mk), float64(mw)/float64(mk), float64(mc)/float64(ma), float64(mw)/float64(ma))
	// The cold local time grows with the bytes downloaded; the cluster's
	// is mostly fixed here (one server, local[2]): they meet at about
	// cluster time × download rate.
	rate := float64(size) / mc.Seconds()
	fmt.Printf("  download+scan rate locally: %.0f MB/s; break-even with the cluster cell again at about %.0f MB downloaded (cluster.offloadBytes)\n", rate/(1<<20), rate*ma.Seconds()/(1<<20))
}

func removeBucket(ctx context.Context, c *awss3.Client, bucket string) {
	var token *string
	for {
		out, err := c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String(bucket), ContinuationToken: token})
		if err != nil {
			break
		}
		for _, o := range out.Contents {
			_, _ = c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(bucket), Key: o.Key})
		}
		if out.NextContinuationToken == nil {
			break
		}
		token = out.NextContinuationToken
	}
	_, _ = c.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String(bucket)})
}
