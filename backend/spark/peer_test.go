//go:build duckdb_arrow

package spark

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"os"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

// The tests run against a real Spark Connect server: the one
// `scripts/spark.sh start` started (its env file, build/peers/spark/env,
// sourced by the Makefile through build/peers/env).

// need skips a test without a Spark server, or fails it when the run says
// the peers must be there (SMALLFRY_REQUIRE_PEERS=1).
func need(t *testing.T) {
	t.Helper()
	if os.Getenv("SMALLFRY_SPARK_URL") != "" {
		return
	}
	const why = "no Spark Connect server: run `scripts/spark.sh start` and source build/peers/spark/env (SMALLFRY_SPARK_URL is not set)"
	if os.Getenv("SMALLFRY_REQUIRE_PEERS") == "1" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// testRetry retries as pyspark does but gives up within seconds, for the
// tests of a server that is gone.
var testRetry = RetryPolicy{MaxRetries: 4, InitialBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond, Multiplier: 4, MaxServerDelay: time.Second}

func peerToken(context.Context) (string, error) { return os.Getenv("SMALLFRY_SPARK_TOKEN"), nil }

// dial connects to the test server (or to url, e.g. a proxy in front of it)
// with a session closed at the end of the test.
func dial(t *testing.T, url string, edit ...func(*Options)) *Client {
	t.Helper()
	need(t)
	if url == "" {
		url = os.Getenv("SMALLFRY_SPARK_URL")
	}
	opts := Options{URL: url, UserID: "smallfry-test"}
	if os.Getenv("SMALLFRY_SPARK_TOKEN") != "" {
		opts.Token = peerToken
	}
	for _, e := range edit {
		e(&opts)
	}
	c, err := Dial(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// duck is a DuckDB connection of its own for a test.
func duck(t *testing.T) *sql.Conn {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// copyInto runs sql on Spark and stores its result as DuckDB table name.
func copyInto(ctx context.Context, t *testing.T, c *Client, conn *sql.Conn, name, query string, args map[string]any) (int64, error) {
	t.Helper()
	s, err := c.Execute(ctx, query, args, ExecuteOptions{})
	if err != nil {
		return 0, err
	}
	defer s.Release()
	var n int64
	err = conn.Raw(func(dc any) error {
		var err error
		n, err = CopyToDuckDB(ctx, dc.(driver.Conn), s, name)
		return err
	})
	return n, err
}
