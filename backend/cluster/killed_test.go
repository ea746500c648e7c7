//go:build duckdb_arrow

package cluster

import (
	"bufio"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"smallfry/backend"
	"smallfry/backend/duckdb"
)

// ownSpark starts a Spark Connect server of the test's own (the shared one
// must live on), reading the same MinIO, and returns its URL, token and PID.
func ownSpark(t *testing.T) (url, token string, pid int) {
	t.Helper()
	needSpark(t)
	state := t.TempDir()
	_, here, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(here), "..", "..", "scripts", "spark.sh")
	run := func(arg string) ([]byte, error) {
		cmd := exec.Command("bash", script, arg)
		cmd.Env = append(os.Environ(), "SPARK_STATE_DIR="+state)
		return cmd.CombinedOutput()
	}
	t.Cleanup(func() { run("stop") })
	if out, err := run("start"); err != nil {
		t.Fatalf("start a second Spark: %v\n%s", err, out)
	}
	f, err := os.Open(filepath.Join(state, "env"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, _ := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "=")
		value = strings.Trim(value, "'")
		switch name {
		case "SMALLFRY_SPARK_URL":
			url = value
		case "SMALLFRY_SPARK_TOKEN":
			token = value
		case "SMALLFRY_SPARK_PID":
			for _, r := range value {
				pid = pid*10 + int(r-'0')
			}
		}
	}
	if url == "" || pid == 0 {
		t.Fatalf("the second Spark's env has no URL or PID")
	}
	return url, token, pid
}

// killer forwards to a Spark server and kills it (its process group) once
// the server has sent more than after bytes of a result.
type killer struct {
	ln     net.Listener
	sent   atomic.Int64
	killed atomic.Bool
}

func newKiller(t *testing.T, target string, pid int, after int64) *killer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k := &killer{ln: ln}
	t.Cleanup(func() { ln.Close() })
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
			go func() { io.Copy(out, in); out.Close() }()
			go func() {
				buf := make([]byte, 64<<10)
				for {
					n, err := out.Read(buf)
					if n > 0 {
						if _, werr := in.Write(buf[:n]); werr != nil {
							break
						}
						if k.sent.Add(int64(n)) > after && k.killed.CompareAndSwap(false, true) {
							_ = syscall.Kill(-pid, syscall.SIGKILL)
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
	return k
}

func TestServerKilledMidStreamIsClearAndTheLaptopGoesOn(t *testing.T) {
	url, token, pid := ownSpark(t)
	target := strings.TrimPrefix(url, "sc://")
	target, _, _ = strings.Cut(target, "/")
	k := newKiller(t, target, pid, 8<<20)
	t.Setenv("SMALLFRY_SPARK_TOKEN", token)
	f := newFixture(t, "sc://"+k.ln.Addr().String())
	if _, err := f.db.Run(f.ctx, duckdb.Cell{SQL: "SELECT 7 AS kept", Result: "before"}); err != nil {
		t.Fatal(err)
	}
	_, err := f.engine.Run(f.ctx, duckdb.Cell{
		SQL:    "SELECT id, id * 2 AS a, cast(id AS string) AS s FROM range(5000000)",
		Result: "wide",
	})
	if !k.killed.Load() {
		t.Fatalf("the server was not killed (%d bytes sent): %v", k.sent.Load(), err)
	}
	if err == nil {
		t.Fatal("a result from a server killed mid-stream")
	}
	msg := backend.ErrorMessage(err)
	if !strings.Contains(msg, "cluster test") || !(strings.Contains(msg, "stopped after") || strings.Contains(msg, "does not answer")) {
		t.Errorf("message: %s", msg)
	}
	t.Logf("on the cell: %s", msg)
	// The laptop's session is untouched: earlier results answer, no partial result was left.
	if got := f.value(t, "SELECT kept FROM before"); got != "7" {
		t.Errorf("the earlier result: %s", got)
	}
	if has, _ := f.db.Has(f.ctx, "wide"); has {
		t.Error("a partial result was left in the session")
	}
	// The next cell says the cluster is down, quickly and clearly.
	_, err = f.engine.Run(f.ctx, duckdb.Cell{SQL: "SELECT 1 AS x"})
	if err == nil || !strings.Contains(backend.ErrorMessage(err), "cluster test does not answer") {
		t.Errorf("after the server died: %v", err)
	}
}
