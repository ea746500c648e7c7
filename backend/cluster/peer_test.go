//go:build duckdb_arrow

package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"smallfry/backend"
	"smallfry/backend/duckdb"
	"smallfry/backend/lake"
	"smallfry/backend/lakeview"
	"smallfry/backend/s3"
	"smallfry/backend/s3/s3test"
	"smallfry/backend/spark"
)

// The tests run against the real Spark Connect server and MinIO that
// scripts/peers.sh starts (their env sourced from build/peers/env): the
// Spark server reads MinIO through S3A with the keys each session sets.

func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }

func needSpark(t *testing.T) {
	t.Helper()
	if os.Getenv("SMALLFRY_SPARK_URL") != "" {
		s3test.Need(t)
		return
	}
	const why = "no Spark Connect server: run `scripts/spark.sh start` and source build/peers/spark/env (SMALLFRY_SPARK_URL is not set)"
	if os.Getenv("SMALLFRY_REQUIRE_PEERS") == "1" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// fixture is a bucket whose lake has Sales, partitioned by region (3,000
// rows, ids 0..2999, region = id % 3), a notebook's DuckDB session with
// that lake attached as s3, and an engine on the test cluster reading S3
// with temporary keys, as a signed-in user's.
type fixture struct {
	ctx    context.Context
	lake   *lake.Lake
	store  *s3.Store
	db     *duckdb.Session
	engine *Engine
	keys   atomic.Int64 // times the engine asked for the user's keys
}

func newFixture(t *testing.T, url string) *fixture {
	t.Helper()
	needSpark(t)
	f := &fixture{ctx: context.Background()}
	bucket := s3test.NewBucket(t)
	f.store = s3test.MustStore(t, s3.Config{Bucket: bucket, Prefix: "lake", Endpoint: s3test.Endpoint(), Credentials: s3test.RootCredentials(), CacheDir: t.TempDir()})
	f.lake = lake.New(f.store)
	db, err := duckdb.Open(f.ctx, duckdb.Config{Catalogs: map[string]duckdb.Catalog{"s3": lakeview.New(f.lake, f.store, t.TempDir())}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.db = db
	if _, err := f.lake.Write(f.ctx, "Sales", lake.Overwrite, func(ctx context.Context, dir string) error {
		_, err := db.Run(ctx, duckdb.Cell{SQL: "COPY (SELECT range AS id, range % 3 AS region, 'v' || range AS v FROM range(3000)) TO " +
			duckdb.QuoteString(dir) + " (FORMAT parquet, PARTITION_BY (region))"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if url == "" {
		url = os.Getenv("SMALLFRY_SPARK_URL")
	}
	conn := NewConn(Settings{
		Name: "test", URL: url, UserID: "smallfry-test",
		Token:  func(context.Context) (string, error) { return os.Getenv("SMALLFRY_SPARK_TOKEN"), nil },
		S3Keys: f.userKeys(t),
		Retry:  &spark.RetryPolicy{MaxRetries: 4, InitialBackoff: 50e6, MaxBackoff: 500e6, Multiplier: 4, MaxServerDelay: 1e9},
	})
	t.Cleanup(func() { conn.Close(context.Background()) })
	f.engine = &Engine{Conn: conn, DB: db, Lake: f.lake, LocalTable: func(name string) bool { return strings.EqualFold(name, "laptop_only") }, Tag: "smallfry-test"}
	return f
}

// userKeys are temporary keys from MinIO's STS, as a signed-in user has.
func (f *fixture) userKeys(t *testing.T) func(context.Context) (string, string, string, error) {
	endpoint := s3test.Endpoint()
	stsc := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: &endpoint, Credentials: s3test.RootCredentials()})
	out, err := stsc.AssumeRole(f.ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/smallfry"), RoleSessionName: aws.String("cluster-test"), DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	k := out.Credentials
	return func(context.Context) (string, string, string, error) {
		f.keys.Add(1)
		return *k.AccessKeyId, *k.SecretAccessKey, *k.SessionToken, nil
	}
}

// value is the first column of the first row of a local query.
func (f *fixture) value(t *testing.T, q string) string {
	t.Helper()
	res, err := f.db.Run(f.ctx, duckdb.Cell{SQL: q})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	w, err := f.db.Window(f.ctx, duckdb.WindowRequest{Table: res.Table, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Release()
	if len(w.Records) == 0 || w.Records[0].NumRows() == 0 {
		t.Fatalf("%s: no rows", q)
	}
	return w.Records[0].Column(0).ValueStr(0)
}

func TestAggregateAPartitionedLakeTableOnTheCluster(t *testing.T) {
	f := newFixture(t, "")
	res, err := f.engine.Run(f.ctx, duckdb.Cell{
		SQL:    "SELECT region, count(*) AS n, sum(id) AS total\nFROM s3.Sales\nWHERE region <> $skip\nGROUP BY region ORDER BY region",
		Params: map[string]any{"skip": int64(2)},
		Result: "by_region",
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 2 || res.Table.Name != "by_region" || res.Engine != "test" || res.Operation == "" || res.BytesReturned <= 0 {
		t.Fatalf("result %+v, want 2 rows in by_region with the engine, operation and bytes", res)
	}
	var cols []string
	for _, c := range res.Columns {
		cols = append(cols, c.Name+" "+c.Type)
	}
	if got := strings.Join(cols, ", "); got != "region INTEGER, n BIGINT, total BIGINT" {
		t.Errorf("columns: %s (the partition column kept as Hive gives it)", got)
	}
	// A later local cell reads the result by name.
	var want int64
	for i := int64(0); i < 3000; i++ {
		if i%3 != 2 {
			want += i
		}
	}
	if got := f.value(t, "SELECT sum(total) FROM by_region WHERE n = 1000"); got != fmt.Sprint(want) {
		t.Errorf("local query of the cluster's result: %s, want %d", got, want)
	}
	if f.keys.Load() == 0 {
		t.Error("the cluster was never given the user's keys")
	}

	// A new version of the table is read as such: the view is made again.
	if _, err := f.lake.Write(f.ctx, "Sales", lake.Overwrite, func(ctx context.Context, dir string) error {
		_, err := f.db.Run(ctx, duckdb.Cell{SQL: "COPY (SELECT range AS id, 7 AS region FROM range(10)) TO " + duckdb.QuoteString(dir) + " (FORMAT parquet, PARTITION_BY (region))"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.engine.Run(f.ctx, duckdb.Cell{SQL: "SELECT count(*) AS n, min(region) AS r FROM s3.Sales", Result: "again"}); err != nil {
		t.Fatal(err)
	}
	if got := f.value(t, "SELECT n || '/' || r FROM again"); got != "10/7" {
		t.Errorf("after a new version: %s, want 10/7 (the old version's files are not read)", got)
	}
}

func TestClusterCellRefusesWhatOnlyTheLaptopHas(t *testing.T) {
	f := newFixture(t, "")
	if _, err := f.db.Run(f.ctx, duckdb.Cell{SQL: "SELECT 1 AS x", Result: "mine"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ sql, want string }{
		{"SELECT *\nFROM mine", "line 2: table mine exists only on this laptop"},
		{"SELECT * FROM laptop_only", "line 1: table laptop_only exists only on this laptop"},
		{"SELECT * FROM read_parquet('x')", "line 1: read_parquet( is a DuckDB function"},
	} {
		_, err := f.engine.Run(f.ctx, duckdb.Cell{SQL: tc.sql})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %s…", tc.sql, err, tc.want)
		}
	}
	if f.keys.Load() != 0 {
		t.Error("the cluster was reached for cells refused before sending")
	}
}

func TestClusterSQLErrorIsOnItsLine(t *testing.T) {
	f := newFixture(t, "")
	_, err := f.engine.Run(f.ctx, duckdb.Cell{SQL: "SELECT id\nFROM s3.Sales\nWHERE no_such_column > 1"})
	var se *duckdb.SQLError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want a SQL error", err)
	}
	if se.Line != 3 || !strings.Contains(se.Message, "no_such_column") || strings.Contains(se.Message, "smallfry_s3_") {
		t.Errorf("line %d: %s; want line 3 naming the column, and no internal view names", se.Line, se.Message)
	}
	// The session goes on.
	if _, err := f.engine.Run(f.ctx, duckdb.Cell{SQL: "SELECT count(*) AS n FROM s3.Sales", Result: "after"}); err != nil {
		t.Fatal(err)
	}
	if got := f.value(t, "SELECT n FROM after"); got != "3000" {
		t.Errorf("after an error: %s, want 3000", got)
	}
}

func TestCancelAClusterCellStopsItsJob(t *testing.T) {
	f := newFixture(t, "")
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	var once sync.Once
	progressed := make(chan duckdb.Progress, 1)
	done := make(chan error, 1)
	go func() {
		_, err := f.engine.Run(ctx, duckdb.Cell{
			SQL: "SELECT sum(hash(a.id, b.id)) AS h FROM range(200000) a CROSS JOIN range(200000) b",
			OnProgress: func(p duckdb.Progress) {
				if p.Detail != "" {
					once.Do(func() { progressed <- p })
				}
			},
		})
		done <- err
	}()
	var p duckdb.Progress
	select {
	case p = <-progressed:
	case err := <-done:
		t.Fatalf("the query ended before reporting progress: %v", err)
	}
	if !strings.Contains(p.Detail, "tasks") {
		t.Errorf("progress detail: %q", p.Detail)
	}
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) || backend.ErrorCode(err) != backend.ECANCELED {
		t.Fatalf("got %v, want canceled", err)
	}
	// The server's job is gone: no operation of the session runs.
	cl, err := f.engine.Conn.session(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	ops, err := cl.Operations(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for id, st := range ops {
		if st == spark.OperationRunning {
			t.Errorf("operation %s still runs on the server after the cancel", id)
		}
	}
	// And the session goes on.
	if _, err := f.engine.Run(f.ctx, duckdb.Cell{SQL: "SELECT 41 + 1 AS x", Result: "x"}); err != nil {
		t.Fatal(err)
	}
}

func TestResultOverTheCapBecomesALakeTable(t *testing.T) {
	f := newFixture(t, "")
	f.engine.Cap = Cap{Rows: 1000}
	res, err := f.engine.Run(f.ctx, duckdb.Cell{SQL: "SELECT id, region, v FROM s3.Sales", Result: "everything"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"larger than 1,000 rows", "s3.cluster_everything", "ran the query a second time", "everything is a view"} {
		if !strings.Contains(res.Notice, want) {
			t.Errorf("notice %q does not say %q", res.Notice, want)
		}
	}
	tf, ok, err := f.lake.Files(f.ctx, "cluster_everything")
	if err != nil || !ok || len(tf.Files) == 0 {
		t.Fatalf("lake table cluster_everything: %v %v %v", tf, ok, err)
	}
	for _, o := range tf.Files {
		if !strings.HasSuffix(o.Key, ".parquet") {
			t.Errorf("the table names %s", o.Key)
		}
	}
	if len(res.TablesWritten) != 1 || res.TablesWritten[0] != "s3.cluster_everything" || len(res.ObjectsWritten) != len(tf.Files) {
		t.Errorf("written: %v, %v", res.TablesWritten, res.ObjectsWritten)
	}
	if got := f.value(t, "SELECT count(*) || '/' || sum(id) FROM everything"); got != fmt.Sprintf("3000/%d", 2999*3000/2) {
		t.Errorf("the view over the lake table: %s", got)
	}
}

// cutter forwards TCP to the Spark server and cuts every connection once,
// when the server has sent more than after bytes.
type cutter struct {
	ln    net.Listener
	after int64
	sent  atomic.Int64
	cuts  atomic.Int64
	mu    sync.Mutex
	conns []net.Conn
}

func newCutter(t *testing.T, after int64) *cutter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target := strings.TrimPrefix(os.Getenv("SMALLFRY_SPARK_URL"), "sc://")
	target, _, _ = strings.Cut(target, "/")
	c := &cutter{ln: ln, after: after}
	t.Cleanup(func() { ln.Close(); c.cut() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			c.mu.Lock()
			c.conns = append(c.conns, in, out)
			c.mu.Unlock()
			go func() { io.Copy(out, in); out.Close() }()
			go func() {
				buf := make([]byte, 64<<10)
				for {
					n, err := out.Read(buf)
					if n > 0 {
						if _, werr := in.Write(buf[:n]); werr != nil {
							break
						}
						if c.sent.Add(int64(n)) > c.after && c.cuts.CompareAndSwap(0, 1) {
							c.cut()
							return
						}
					}
					if err != nil {
						break
					}
				}
				in.Close()
			}()
		}
	}()
	return c
}

func (c *cutter) url() string { return "sc://" + c.ln.Addr().String() }

func (c *cutter) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, conn := range c.conns {
		conn.Close()
	}
	c.conns = nil
}

func TestClusterCellReattachesAfterACutStream(t *testing.T) {
	needSpark(t)
	cut := newCutter(t, 8<<20)
	f := newFixture(t, cut.url())
	f.engine.Cap = Cap{Rows: 10_000_000, Bytes: 4 << 30}
	res, err := f.engine.Run(f.ctx, duckdb.Cell{
		SQL:    "SELECT id, id * 2 AS a, id * 3 AS b, cast(id AS string) AS s FROM range(1500000)",
		Result: "wide",
	})
	if err != nil {
		t.Fatalf("after the cut: %v", err)
	}
	if cut.cuts.Load() != 1 {
		t.Fatalf("the stream was not cut (%d bytes sent)", cut.sent.Load())
	}
	if res.Rows != 1_500_000 || res.Notice != "" {
		t.Fatalf("rows: %d (%s), want 1,500,000 here", res.Rows, res.Notice)
	}
	if got := f.value(t, "SELECT count(DISTINCT id) || '/' || count(*) || '/' || sum(id) FROM wide"); got != fmt.Sprintf("1500000/1500000/%d", int64(1499999)*1500000/2) {
		t.Errorf("after the reattach: %s, want every row once", got)
	}
}

func TestClusterFailuresAreClearOnTheCell(t *testing.T) {
	f := newFixture(t, "")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "sc://" + ln.Addr().String()
	ln.Close() // nothing answers there now
	retry := &spark.RetryPolicy{MaxRetries: 2, InitialBackoff: 50e6, MaxBackoff: 100e6, Multiplier: 2, MaxServerDelay: 1e9}
	for _, tc := range []struct {
		name string
		set  Settings
		want string
	}{
		{"cluster down", Settings{Name: "test", URL: down, Retry: retry}, "cluster test does not answer"},
		{"wrong token", Settings{Name: "test", URL: os.Getenv("SMALLFRY_SPARK_URL"), Retry: retry,
			Token: func(context.Context) (string, error) { return "not-the-token", nil }}, "cluster test refused the token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn := NewConn(tc.set)
			defer conn.Close(context.Background())
			e := *f.engine
			e.Conn = conn
			_, err := e.Run(f.ctx, duckdb.Cell{SQL: "SELECT count(*) AS n FROM s3.Sales", Result: "n"})
			if err == nil || !strings.Contains(backend.ErrorMessage(err), tc.want) {
				t.Fatalf("got %v, want …%s…", err, tc.want)
			}
			t.Logf("on the cell: %s", backend.ErrorMessage(err))
		})
	}
	// The laptop's session goes on, and so does the working cluster.
	if _, err := f.engine.Run(f.ctx, duckdb.Cell{SQL: "SELECT count(*) AS n FROM s3.Sales", Result: "n"}); err != nil {
		t.Fatal(err)
	}
	if got := f.value(t, "SELECT n FROM n"); got != "3000" {
		t.Errorf("after the failures: %s", got)
	}
}

func TestSessionClosedByTheServer(t *testing.T) {
	f := newFixture(t, "")
	if _, err := f.engine.Run(f.ctx, duckdb.Cell{SQL: "SELECT count(*) AS n FROM s3.Sales", Result: "first"}); err != nil {
		t.Fatal(err)
	}
	cl, err := f.engine.Conn.session(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Another client of the same session releases it: the server closes it.
	other, err := spark.Dial(f.ctx, spark.Options{URL: os.Getenv("SMALLFRY_SPARK_URL"), SessionID: cl.SessionID(), UserID: "smallfry-test",
		Token: func(context.Context) (string, error) { return os.Getenv("SMALLFRY_SPARK_TOKEN"), nil }})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Close(f.ctx); err != nil {
		t.Fatal(err)
	}
	_, err = f.engine.Run(f.ctx, duckdb.Cell{SQL: "SELECT count(*) AS n FROM s3.Sales", Result: "second"})
	if err == nil || !strings.Contains(backend.ErrorMessage(err), "closed this notebook's Spark session") {
		t.Fatalf("got %v, want the session-closed message", err)
	}
	// Running the cell again starts a new session, with the lake's views made again.
	if _, err := f.engine.Run(f.ctx, duckdb.Cell{SQL: "SELECT count(*) AS n FROM s3.Sales", Result: "second"}); err != nil {
		t.Fatalf("the rerun: %v", err)
	}
	if got := f.value(t, "SELECT n FROM second"); got != "3000" {
		t.Errorf("after a new session: %s", got)
	}
}
