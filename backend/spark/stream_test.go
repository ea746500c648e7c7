//go:build duckdb_arrow

package spark

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/google/uuid"

	"smallfry/backend"
	pb "smallfry/backend/spark/proto"
)

// wideQuery is the benchmark's result: 1,000,000 rows of 10 columns, about
// 100 MB of Arrow.
const wideQuery = `SELECT id, id * 2 AS twice, id * 3 AS thrice, id % 7 AS mod7, CAST(id AS STRING) AS s,
	concat('name-', id) AS name, id / 3.0 AS third, date_add(DATE'2020-01-01', CAST(id % 1000 AS INT)) AS d,
	id % 2 = 0 AS even, repeat('x', 16) AS pad FROM range(1000000)`

// bigQuery is 1,000,000 rows of about 200 MB of Arrow.
const bigQuery = `SELECT id, id * 2 AS twice, CAST(id AS STRING) AS s, repeat('x', 160) AS pad FROM range(1000000)`

// Go holds a batch or two (Spark sends batches of at most 4 MiB) plus what
// its collector has not reclaimed yet: a bound that does not grow with the
// result.
func TestMillionRowsIntoDuckDBInBoundedMemory(t *testing.T) {
	c := dial(t, "")
	ctx := context.Background()
	conn := duck(t)

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
		}
	}()
	var progress atomic.Int64
	s, err := c.Execute(ctx, bigQuery, nil, ExecuteOptions{OnProgress: func(Progress) { progress.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	err = conn.Raw(func(dc any) error {
		var err error
		n, err = CopyToDuckDB(ctx, dc.(driver.Conn), s, "wide")
		return err
	})
	close(stop)
	wg.Wait()
	result := s.Bytes()
	s.Release()
	if err != nil {
		t.Fatal(err)
	}
	if n != 1_000_000 {
		t.Fatalf("rows: got %d", n)
	}
	var count, sum int64
	var cols int
	if err := conn.QueryRowContext(ctx, `SELECT count(*), sum(id), (SELECT count(*) FROM information_schema.columns WHERE table_name = 'wide') FROM wide`).Scan(&count, &sum, &cols); err != nil {
		t.Fatal(err)
	}
	if count != 1_000_000 || sum != 999_999*1_000_000/2 || cols != 4 {
		t.Fatalf("in DuckDB: %d rows, sum %d, %d columns", count, sum, cols)
	}
	grew := int64(peak.Load()) - int64(base)
	t.Logf("result %d MB of Arrow; Go heap in use grew by at most %.1f MB; %d progress reports", result>>20, float64(grew)/(1<<20), progress.Load())
	if result < 150<<20 {
		t.Fatalf("the result is only %d bytes: not a test of memory", result)
	}
	if grew > result/3 {
		t.Errorf("Go's heap grew by %d bytes for a %d-byte result: the stream was buffered", grew, result)
	}
}

// serverCPU is the CPU time the test server's JVM has used (from /proc),
// or false where that is not known.
func serverCPU() (time.Duration, bool) {
	pid := os.Getenv("SMALLFRY_SPARK_PID")
	if pid == "" {
		return 0, false
	}
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	// After the command: state(0) ... utime(11) stime(12), in clock ticks (100 Hz on Linux).
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * 10 * time.Millisecond, true
}

// cores is the server's CPU use over d, in cores.
func cores(d time.Duration) (float64, bool) {
	a, ok := serverCPU()
	if !ok {
		return 0, false
	}
	time.Sleep(d)
	b, _ := serverCPU()
	return float64(b-a) / float64(d), true
}

// longQuery would keep both of the server's cores busy for many minutes.
const longQuery = `SELECT sum(id % 7) FROM range(0, 2000000000000, 1, 2)`

func TestCancelStopsTheServersJob(t *testing.T) {
	c := dial(t, "")
	tag := "smallfry-cancel-" + uuid.NewString()
	opID := uuid.NewString()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	running := make(chan struct{})
	var once sync.Once
	opts := ExecuteOptions{OperationID: opID, Tags: []string{tag}, OnProgress: func(p Progress) {
		if p.InflightTasks > 0 || p.Tasks > 0 {
			once.Do(func() { close(running) })
		}
	}}
	errc := make(chan error, 1)
	go func() {
		s, err := c.Execute(ctx, longQuery, nil, opts)
		if err == nil {
			s.Release()
		}
		errc <- err
	}()
	select {
	case <-running:
	case err := <-errc:
		t.Fatalf("the long query ended on its own: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("no progress from the server within a minute")
	}
	// A second client on the same session sees the operation run.
	watcher := dial(t, "", func(o *Options) { o.SessionID = c.SessionID() })
	ops, err := watcher.Operations(context.Background(), opID)
	if err != nil {
		t.Fatal(err)
	}
	if ops[opID] != OperationRunning {
		t.Fatalf("before cancel: operation state %v, want running", ops[opID])
	}
	before, watched := cores(2 * time.Second)

	cancel()
	t0 := time.Now()
	err = <-errc
	var se *Error
	if !errors.As(err, &se) || se.Code != backend.ECANCELED {
		t.Fatalf("got %v, want a canceled *spark.Error", err)
	}
	if d := time.Since(t0); d > 15*time.Second {
		t.Errorf("Execute took %v to return after cancel", d)
	}
	// Interrupted and released: the server holds no running operation of
	// ours any more (it drops a released one from the session).
	deadline := time.Now().Add(20 * time.Second)
	for {
		ops, err := watcher.Operations(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		state, held := ops[opID]
		if !held || state == OperationCancelled {
			t.Logf("after cancel: operation %s (held %v)", state, held)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("20 s after cancel the operation is %v", state)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// And its Spark job is gone: the JVM that had both cores busy idles.
	if !watched {
		t.Log("SMALLFRY_SPARK_PID not set: the server's CPU is not watched")
		return
	}
	var after float64
	for i := 0; i < 10; i++ {
		after, _ = cores(time.Second)
		if after < 0.3 {
			break
		}
	}
	t.Logf("server CPU: %.2f cores while the query ran, %.2f after cancel", before, after)
	if before < 0.25 {
		// A machine busy with other work gave the query little CPU: the
		// drop says little (the operation state above still holds).
		t.Logf("the query got only %.2f cores: weak evidence from the CPU", before)
	}
	if after >= 0.25 {
		t.Errorf("10 s after cancel the server still uses %.2f cores: its job goes on", after)
	}
}

// proxy forwards TCP to the Spark server, and can cut every connection.
type proxy struct {
	ln       net.Listener
	target   string
	mu       sync.Mutex
	conns    []net.Conn
	accepted atomic.Int64
}

func newProxy(t *testing.T, target string) *proxy { return newProxyAt(t, "127.0.0.1:0", target) }

// newProxyAt is a proxy listening on addr.
func newProxyAt(t *testing.T, addr, target string) *proxy {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			p.accepted.Add(1)
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { io.Copy(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
	return p
}

func (p *proxy) url() string { return "sc://" + p.ln.Addr().String() }

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func serverAddress(t *testing.T) string {
	need(t)
	ep, err := parseURL(os.Getenv("SMALLFRY_SPARK_URL"))
	if err != nil {
		t.Fatal(err)
	}
	return ep.address()
}

// readAll reads a stream of wideQuery-like results (an id column first),
// checking that ids come in order, each once; fn runs after each batch.
func readAll(t *testing.T, s *Stream, fn func(batch int)) (rows, sum int64, err error) {
	next := int64(0)
	for b := 0; s.Next(); b++ {
		ids := s.RecordBatch().Column(0).(*array.Int64)
		for i := 0; i < ids.Len(); i++ {
			if ids.Value(i) != next {
				t.Fatalf("batch %d row %d: id %d, want %d (a lost or repeated row)", b, i, ids.Value(i), next)
			}
			next++
			sum += ids.Value(i)
		}
		rows += int64(ids.Len())
		if fn != nil {
			fn(b)
		}
	}
	return rows, sum, s.Err()
}

func TestReattachAfterTheStreamIsCut(t *testing.T) {
	p := newProxy(t, serverAddress(t))
	c := dial(t, p.url())
	s, err := c.Execute(context.Background(), wideQuery, nil, ExecuteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release()
	cuts := 0
	rows, sum, err := readAll(t, s, func(b int) {
		// Twice, mid-result: each time the connection drops under the stream.
		if b == 3 || b == 12 {
			p.cut()
			cuts++
		}
	})
	if err != nil {
		t.Fatalf("after %d cuts: %v", cuts, err)
	}
	if rows != 1_000_000 || sum != 999_999*1_000_000/2 {
		t.Fatalf("got %d rows (sum %d), want the whole result once", rows, sum)
	}
	if cuts != 2 || p.accepted.Load() < 3 {
		t.Fatalf("%d cuts, %d connections: the stream was not resumed on new ones", cuts, p.accepted.Load())
	}
	t.Logf("1,000,000 rows whole after %d cuts, over %d connections", cuts, p.accepted.Load())
}

func TestReleasedAtTheEnd(t *testing.T) {
	c := dial(t, "")
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		sql  string
		read func(s *Stream)
	}{
		{"complete", "SELECT id FROM range(100000)", func(s *Stream) {
			for s.Next() {
			}
		}},
		{"closed early", wideQuery, func(s *Stream) { s.Next() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opID := uuid.NewString()
			s, err := c.Execute(ctx, tc.sql, nil, ExecuteOptions{OperationID: opID})
			if err != nil {
				t.Fatal(err)
			}
			tc.read(s)
			if ops, _ := c.Operations(ctx, opID); len(ops) == 0 && tc.name == "closed early" {
				t.Fatal("the operation is gone before the stream was released")
			}
			s.Release()
			if s.Err() != nil {
				t.Fatal(s.Err())
			}
			// Released: the operation is over on the server (which keeps its
			// final state for GetStatus), and it will not be resumed.
			ops, err := c.Operations(ctx, opID)
			if err != nil {
				t.Fatal(err)
			}
			if state := ops[opID]; state == OperationRunning {
				t.Errorf("after release the operation is %v", state)
			}
			st, err := c.stub.ReattachExecute(ctx, &pb.ReattachExecuteRequest{
				SessionId: c.sessionID, UserContext: c.userContext(), OperationId: opID, ClientType: &c.clientType,
			})
			if err == nil {
				_, err = st.Recv()
			}
			if err == nil || !strings.Contains(err.Error(), "INVALID_HANDLE.OPERATION") {
				t.Errorf("reattaching a released operation: got %v, want INVALID_HANDLE.OPERATION_*", err)
			}
		})
	}
}

// A server of its own for the test (scripts/spark.sh, in a temporary state
// folder), killed mid-stream, then started again on the same port: the
// session the client had is gone, and it says so.
func TestServerKilledMidStream(t *testing.T) {
	need(t)
	if testing.Short() {
		t.Skip("starts a Spark server of its own (about 30 s)")
	}
	_, here, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(here), "..", "..", "scripts", "spark.sh")
	state := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	run := func(arg string) ([]byte, error) {
		cmd := exec.Command("bash", script, arg)
		cmd.Env = append(os.Environ(), "SPARK_STATE_DIR="+state, "SPARK_PORT="+port)
		return cmd.CombinedOutput()
	}
	t.Cleanup(func() { run("stop") })
	if out, err := run("start"); err != nil {
		t.Fatalf("scripts/spark.sh start: %v\n%s", err, out)
	}
	env := map[string]string{}
	readEnv := func() {
		b, err := os.ReadFile(filepath.Join(state, "env"))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			k, v, _ := strings.Cut(strings.TrimPrefix(line, "export "), "=")
			env[k] = v
		}
	}
	readEnv()
	// The token changes with every start of the server: ask for the current one.
	token := func(context.Context) (string, error) { return env["SMALLFRY_SPARK_TOKEN"], nil }
	c := dial(t, env["SMALLFRY_SPARK_URL"], func(o *Options) {
		o.Retry = &testRetry
		o.Token = token
	})
	s, err := c.Execute(context.Background(), wideQuery, nil, ExecuteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release()
	pid, _ := strconv.Atoi(env["SMALLFRY_SPARK_PID"])
	t0 := time.Now()
	rows, _, err := readAll(t, s, func(b int) {
		if b == 2 {
			if p, err := os.FindProcess(pid); err == nil {
				p.Kill()
			}
			t0 = time.Now()
		}
	})
	var se *Error
	if !errors.As(err, &se) || se.Class != ClassStreamCut {
		t.Fatalf("after %d rows: got %v, want %s", rows, err, ClassStreamCut)
	}
	if rows == 0 || rows >= 1_000_000 {
		t.Fatalf("%d rows before the kill", rows)
	}
	if d := time.Since(t0); d > 10*time.Second {
		t.Errorf("the error took %v", d)
	}
	t.Logf("after %d rows: %s", rows, se.Message)

	if out, err := run("start"); err != nil {
		t.Fatalf("scripts/spark.sh start again: %v\n%s", err, out)
	}
	readEnv()
	_, err = c.Execute(context.Background(), "SELECT 1", nil, ExecuteOptions{})
	if !errors.As(err, &se) || se.Class != ClassSessionClosed {
		t.Fatalf("on the restarted server: got %v, want %s", err, ClassSessionClosed)
	}
	t.Logf("on the restarted server: %s", se.Message)
	// The client stays closed; a new one has a new session.
	if _, err := c.Execute(context.Background(), "SELECT 1", nil, ExecuteOptions{}); !errors.As(err, &se) || se.Class != ClassSessionClosed {
		t.Fatalf("again: got %v", err)
	}
	fresh := dial(t, env["SMALLFRY_SPARK_URL"], func(o *Options) { o.Token = token })
	s2, err := fresh.Execute(context.Background(), "SELECT 1", nil, ExecuteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s2.Release()
}

// What the interrupt is for: a Go context cancelled under a plain
// ExecutePlan (no interrupt, no release) drops only our side of the stream,
// and the server's job goes on.
func TestContextAloneLeavesTheJobRunning(t *testing.T) {
	c := dial(t, "")
	opID := uuid.NewString()
	ctx, cancel := context.WithCancel(context.Background())
	req := &pb.ExecutePlanRequest{
		SessionId: c.sessionID, UserContext: c.userContext(), OperationId: &opID, ClientType: &c.clientType,
		Plan: &pb.Plan{OpType: &pb.Plan_Root{Root: &pb.Relation{RelType: &pb.Relation_Sql{Sql: &pb.SQL{Query: longQuery}}}}},
	}
	st, err := c.stub.ExecutePlan(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			if _, err := st.Recv(); err != nil {
				return
			}
		}
	}()
	defer c.Interrupt(context.Background(), opID)
	time.Sleep(3 * time.Second)
	cancel()
	time.Sleep(3 * time.Second)
	ops, err := c.Operations(context.Background(), opID)
	if err != nil {
		t.Fatal(err)
	}
	after, watched := cores(2 * time.Second)
	t.Logf("3 s after the context was cancelled: operation %v, server CPU %.2f cores (watched %v)", ops[opID], after, watched)
	if ops[opID] != OperationRunning {
		t.Errorf("the operation is %v: this server stops jobs whose client went away, and the interrupt is not needed", ops[opID])
	}
}
