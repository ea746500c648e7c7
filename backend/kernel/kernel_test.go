//go:build unix

package kernel

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// These tests run a real ipykernel from the project's virtualenv (make
// python), whose interpreter SMALLFRY_PYTHON names.

// venvSpec finds ipykernel's spec the way Jupyter does: pip installs it as
// {prefix}/share/jupyter/kernels/python3/kernel.json with argv[0] "python",
// which WithPython points at the venv's interpreter.
func venvSpec(t *testing.T) Spec {
	t.Helper()
	python := os.Getenv("SMALLFRY_PYTHON")
	if python == "" {
		t.Skip("SMALLFRY_PYTHON is not set: run `make python` and point it at .venv/bin/python (make test-go does)")
	}
	out, err := exec.Command(python, "-c", "import sys; print(sys.prefix)").Output()
	if err != nil {
		t.Fatalf("ask %s for its prefix: %v", python, err)
	}
	prefix := strings.TrimSpace(string(out))
	want := filepath.Join(prefix, "share", "jupyter")
	paths := DefaultPaths(prefix)
	found := false
	for _, p := range paths {
		found = found || p == want
	}
	if !found {
		t.Fatalf("DefaultPaths(%q) = %q, missing %q", prefix, paths, want)
	}
	// Only the venv's folder: a python3 spec in ~/.local/share/jupyter would
	// rightly shadow it for DefaultPaths, but the tests want this one.
	specs, errs := Specs([]string{want})
	for _, s := range specs {
		if s.Name == "python3" {
			if s.Argv[0] != "python" {
				t.Logf("ipykernel's spec has argv[0] %q", s.Argv[0])
			}
			return s.WithPython(python)
		}
	}
	t.Fatalf("no python3 kernel spec in %s (errors %v): is ipykernel installed in the venv?", want, errs)
	return Spec{}
}

func startKernel(t *testing.T, spec Spec, opts Options) *Kernel {
	t.Helper()
	if opts.RuntimeDir == "" {
		opts.RuntimeDir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	k, err := Start(ctx, spec, LocalLauncher{Dir: t.TempDir()}, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := k.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return k
}

func execute(t *testing.T, k *Kernel, code string) *Reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep, err := k.Execute(ctx, code, nil)
	if err != nil {
		t.Fatalf("execute %q: %v", code, err)
	}
	return rep
}

// kernelPid asks the kernel for its process id.
func kernelPid(t *testing.T, k *Kernel) int {
	t.Helper()
	rep := execute(t, k, "import os; print(os.getpid())")
	if len(rep.Outputs) != 1 {
		t.Fatalf("got outputs %v", rep.Outputs)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(rep.Outputs[0]["text"].(string)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func alive(pid int) bool {
	return syscall.Kill(pid, 0) == nil
}

func TestStartToFirstOutput(t *testing.T) {
	spec := venvSpec(t)
	begin := time.Now()
	k := startKernel(t, spec, Options{})
	started := time.Since(begin)
	first := make(chan time.Duration, 1)
	rep, err := k.Execute(context.Background(), `print("hi")`, func(Output) {
		select {
		case first <- time.Since(begin):
		default:
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("kernel start %v, start to first output %v", started.Round(time.Millisecond), (<-first).Round(time.Millisecond))
	if li := k.LanguageInfo(); li["name"] != "python" {
		t.Errorf("got language_info %v, want name python", li)
	}
	if rep.Status != "ok" || rep.ExecutionCount != 1 {
		t.Errorf("got status %q count %d, want ok 1", rep.Status, rep.ExecutionCount)
	}
}

func TestExecute(t *testing.T) {
	k := startKernel(t, venvSpec(t), Options{})
	tests := []struct {
		name   string
		code   string
		status string
		check  func(t *testing.T, outs []Output)
	}{
		{"print is a stream", `print("hi")`, "ok", func(t *testing.T, outs []Output) {
			want := Output{"output_type": "stream", "name": "stdout", "text": "hi\n"}
			if len(outs) != 1 || !equalOutput(outs[0], want) {
				t.Errorf("got %v, want [%v]", outs, want)
			}
		}},
		{"streams merge", "import sys\nfor i in range(3):\n    print(i, flush=True)\n_ = sys.stderr.write('e\\n')", "ok", func(t *testing.T, outs []Output) {
			if len(outs) != 2 || outs[0]["text"] != "0\n1\n2\n" || outs[1]["name"] != "stderr" {
				t.Errorf("got %v, want stdout 0..2 then stderr", outs)
			}
		}},
		{"expression is an execute_result", "1+1", "ok", func(t *testing.T, outs []Output) {
			if len(outs) != 1 || outs[0]["output_type"] != "execute_result" {
				t.Fatalf("got %v, want one execute_result", outs)
			}
			if data := outs[0]["data"].(map[string]any); data["text/plain"] != "2" {
				t.Errorf("got data %v, want text/plain 2", data)
			}
			if n, ok := outs[0]["execution_count"].(int); !ok || n < 1 {
				t.Errorf("got execution_count %#v", outs[0]["execution_count"])
			}
		}},
		{"exception is an error", `raise ValueError("x")`, "error", func(t *testing.T, outs []Output) {
			if len(outs) != 1 || outs[0]["output_type"] != "error" || outs[0]["ename"] != "ValueError" || outs[0]["evalue"] != "x" {
				t.Fatalf("got %v, want one ValueError", outs)
			}
			if tb := outs[0]["traceback"].([]string); len(tb) == 0 || !strings.Contains(strings.Join(tb, "\n"), "ValueError") {
				t.Errorf("got traceback %q", tb)
			}
		}},
		{"matplotlib is a png", "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()", "ok", func(t *testing.T, outs []Output) {
			var png string
			for _, o := range outs {
				if o["output_type"] == "display_data" {
					png, _ = o["data"].(map[string]any)["image/png"].(string)
				}
			}
			if !strings.HasPrefix(png, "iVBOR") {
				t.Errorf("got %v, want a display_data with base64 image/png", outs)
			}
		}},
		{"a DataFrame is html", "import pandas as pd\npd.DataFrame({'a': [1, 2], 'b': ['x', 'y']})", "ok", func(t *testing.T, outs []Output) {
			if len(outs) != 1 {
				t.Fatalf("got %v, want one execute_result", outs)
			}
			html, _ := outs[0]["data"].(map[string]any)["text/html"].(string)
			if !strings.Contains(html, "<table") || !strings.Contains(html, "<td>x</td>") {
				t.Errorf("got text/html %q, want a table", html)
			}
		}},
		{"input is refused", "input('name? ')", "error", func(t *testing.T, outs []Output) {
			// allow_stdin is false, so ipykernel raises instead of asking.
			if len(outs) == 0 || outs[len(outs)-1]["ename"] != "StdinNotImplementedError" {
				t.Errorf("got %v, want a StdinNotImplementedError", outs)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var live []Output
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			rep, err := k.Execute(ctx, tt.code, func(o Output) { live = append(live, o) })
			if err != nil {
				t.Fatal(err)
			}
			if rep.Status != tt.status {
				t.Errorf("got status %q (%s: %s), want %q", rep.Status, rep.Ename, rep.Evalue, tt.status)
			}
			if tt.status == "error" && (rep.Ename == "" || len(rep.Traceback) == 0) {
				t.Errorf("got ename %q traceback %q, want both", rep.Ename, rep.Traceback)
			}
			if len(live) < len(rep.Outputs) {
				t.Errorf("onOutput got %d outputs, Reply has %d", len(live), len(rep.Outputs))
			}
			tt.check(t, rep.Outputs)
		})
	}
}

// Concurrent calls take turns; each gets its own outputs.
func TestExecuteConcurrent(t *testing.T) {
	k := startKernel(t, venvSpec(t), Options{})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep, err := k.Execute(context.Background(), fmt.Sprintf("import time; time.sleep(0.05); print(%d)", i), nil)
			if err != nil {
				t.Error(err)
				return
			}
			if want := fmt.Sprintf("%d\n", i); len(rep.Outputs) != 1 || rep.Outputs[0]["text"] != want {
				t.Errorf("got %v, want %q", rep.Outputs, want)
			}
		}()
	}
	wg.Wait()
}

func equalOutput(a, b Output) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// sleepUntil runs a long sleep and returns once the kernel has printed
// "sleeping", so an interrupt lands inside time.sleep.
func sleepUntil(t *testing.T, ctx context.Context, k *Kernel) (result chan error, reply **Reply) {
	return runUntilOutput(t, ctx, k, "import time\nprint('sleeping', flush=True)\ntime.sleep(60)")
}

// runUntilOutput runs code and returns once it has printed something.
func runUntilOutput(t *testing.T, ctx context.Context, k *Kernel, code string) (result chan error, reply **Reply) {
	t.Helper()
	started := make(chan struct{})
	result = make(chan error, 1)
	reply = new(*Reply)
	var once sync.Once
	go func() {
		rep, err := k.Execute(ctx, code, func(Output) {
			once.Do(func() { close(started) })
		})
		*reply = rep
		result <- err
	}()
	select {
	case <-started:
	case err := <-result:
		t.Fatalf("execute ended before sleeping: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the kernel never printed 'sleeping'")
	}
	return result, reply
}

func TestInterrupt(t *testing.T) {
	spec := venvSpec(t)
	for _, mode := range []string{"signal", "message"} {
		t.Run(mode, func(t *testing.T) {
			s := spec
			s.InterruptMode = mode
			k := startKernel(t, s, Options{})
			result, reply := sleepUntil(t, context.Background(), k)
			begin := time.Now()
			if err := k.Interrupt(); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-result:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(answerWithin):
				t.Fatalf("execute still running %v after the interrupt", answerWithin)
			}
			t.Logf("interrupted in %v", time.Since(begin).Round(time.Millisecond))
			rep := *reply
			if rep.Status != "error" || rep.Ename != "KeyboardInterrupt" {
				t.Errorf("got status %q ename %q, want error KeyboardInterrupt", rep.Status, rep.Ename)
			}
			if last := rep.Outputs[len(rep.Outputs)-1]; last["ename"] != "KeyboardInterrupt" {
				t.Errorf("got outputs %v, want a KeyboardInterrupt error last", rep.Outputs)
			}
			if got := execute(t, k, "1+1").Outputs; len(got) != 1 || got[0]["data"].(map[string]any)["text/plain"] != "2" {
				t.Errorf("after the interrupt, 1+1 gave %v", got)
			}
		})
	}
}

// answerWithin bounds how long a kernel takes to act on an interrupt. It
// is far above the usual few hundred milliseconds: with the DuckDB tests
// running beside these on two cores, answers have taken more than 2 s.
const answerWithin = 30 * time.Second

func TestCancel(t *testing.T) {
	// A grace longer than answerWithin: the kernel's own answer must end
	// Execute, with the KeyboardInterrupt in the reply.
	k := startKernel(t, venvSpec(t), Options{interruptGrace: 2 * answerWithin})
	ctx, cancel := context.WithCancel(context.Background())
	result, reply := sleepUntil(t, ctx, k)
	begin := time.Now()
	cancel()
	select {
	case err := <-result:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
	case <-time.After(answerWithin):
		t.Fatalf("execute still running %v after cancel", answerWithin)
	}
	t.Logf("canceled in %v", time.Since(begin).Round(time.Millisecond))
	if rep := *reply; rep == nil || rep.Ename != "KeyboardInterrupt" || rep.Outputs[0]["text"] != "sleeping\n" {
		t.Errorf("got reply %+v, want the outputs so far and the KeyboardInterrupt", rep)
	}
	if got := execute(t, k, "1+1").Outputs; len(got) != 1 {
		t.Errorf("after the cancel, 1+1 gave %v", got)
	}
}

// A kernel that does not act on the interrupt (here it ignores SIGINT) gets
// the grace period, then Execute returns the outputs so far and ctx's error.
func TestCancelGrace(t *testing.T) {
	const grace = 300 * time.Millisecond
	k := startKernel(t, venvSpec(t), Options{interruptGrace: grace})
	ctx, cancel := context.WithCancel(context.Background())
	result, reply := runUntilOutput(t, ctx, k,
		"import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nprint('deaf', flush=True)\ntime.sleep(60)")
	begin := time.Now()
	cancel()
	select {
	case err := <-result:
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "no answer 300ms after interrupting") {
			t.Errorf("got %v, want context.Canceled after the grace", err)
		}
	case <-time.After(answerWithin):
		t.Fatalf("execute still running %v after cancel", answerWithin)
	}
	if took := time.Since(begin); took < grace {
		t.Errorf("returned %v after cancel, before the %v grace ended", took, grace)
	}
	if rep := *reply; rep == nil || len(rep.Outputs) != 1 || rep.Outputs[0]["text"] != "deaf\n" {
		t.Errorf("got reply %+v, want the output so far", rep)
	}
}

func TestDeathAndRestart(t *testing.T) {
	k := startKernel(t, venvSpec(t), Options{})
	execute(t, k, "x = 42")
	pid := kernelPid(t, k)
	result, _ := sleepUntil(t, context.Background(), k)
	begin := time.Now()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-result:
		if !errors.Is(err, ErrDied) || !strings.Contains(err.Error(), "the kernel died (signal: killed)") {
			t.Errorf("got %v, want ErrDied with the signal", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("execute still running 5s after the kernel was killed")
	}
	t.Logf("death noticed in %v", time.Since(begin).Round(time.Millisecond))
	select {
	case <-k.Dead():
	default:
		t.Error("Dead() is not closed")
	}
	if _, err := k.Execute(context.Background(), "1+1", nil); !errors.Is(err, ErrDied) {
		t.Errorf("execute on a dead kernel: got %v, want ErrDied", err)
	}

	begin = time.Now()
	if err := k.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Logf("restarted in %v", time.Since(begin).Round(time.Millisecond))
	select {
	case <-k.Dead():
		t.Error("Dead() is closed after the restart")
	default:
	}
	if got := execute(t, k, "1+1").Outputs; len(got) != 1 || got[0]["data"].(map[string]any)["text/plain"] != "2" {
		t.Errorf("after the restart, 1+1 gave %v", got)
	}
	if rep := execute(t, k, "x"); rep.Ename != "NameError" {
		t.Errorf("x survived the restart: %+v", rep)
	}
	if newPid := kernelPid(t, k); newPid == pid || !alive(newPid) {
		t.Errorf("got pid %d after restart (was %d)", newPid, pid)
	}
}

// A kernel that stops answering heartbeats (here: stopped with SIGSTOP) is
// reported dead, and Restart replaces it (killing the stopped process).
func TestHeartbeatDeath(t *testing.T) {
	opts := Options{heartbeat: heartbeatTiming{interval: 200 * time.Millisecond, timeout: 300 * time.Millisecond, misses: 2}}
	k := startKernel(t, venvSpec(t), opts)
	pid := kernelPid(t, k)
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	select {
	case <-k.Dead():
	case <-time.After(10 * time.Second):
		t.Fatal("a stopped kernel was not reported dead")
	}
	_, err := k.Execute(context.Background(), "1+1", nil)
	if !errors.Is(err, ErrDied) || !strings.Contains(err.Error(), "no heartbeat") {
		t.Errorf("got %v, want ErrDied for no heartbeat", err)
	}
	if err := k.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	if alive(pid) {
		t.Errorf("the stopped kernel %d is still there after the restart", pid)
	}
	execute(t, k, "1+1")
}

func TestShutdown(t *testing.T) {
	dir := t.TempDir()
	k := startKernel(t, venvSpec(t), Options{RuntimeDir: dir})
	files, _ := filepath.Glob(filepath.Join(dir, "kernel-*.json"))
	if len(files) != 1 {
		t.Fatalf("got connection files %v, want one", files)
	}
	fi, err := os.Stat(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("connection file mode %v, want 0600", fi.Mode().Perm())
	}
	pid := kernelPid(t, k)
	begin := time.Now()
	if err := k.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Logf("shut down in %v", time.Since(begin).Round(time.Millisecond))
	if alive(pid) {
		t.Errorf("kernel process %d still exists", pid)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 0 {
		t.Errorf("left behind %v", files)
	}
	if err := k.Shutdown(context.Background()); err != nil {
		t.Errorf("second shutdown: %v", err)
	}
	if _, err := k.Execute(context.Background(), "1", nil); !errors.Is(err, ErrClosed) {
		t.Errorf("execute after shutdown: got %v, want ErrClosed", err)
	}
	if err := k.Restart(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("restart after shutdown: got %v, want ErrClosed", err)
	}
}

func TestStartFailure(t *testing.T) {
	python := os.Getenv("SMALLFRY_PYTHON")
	if python == "" {
		t.Skip("SMALLFRY_PYTHON is not set")
	}
	tests := []struct {
		name string
		argv []string
		want string
	}{
		{"exits", []string{python, "-c", "import sys; sys.stderr.write('boom: bad kernel\\n'); sys.exit(3)", "{connection_file}"},
			"the kernel exited during start (exit status 3); its output ends with:\nboom: bad kernel"},
		{"no such program", []string{"/nonexistent/kernel"}, "/nonexistent/kernel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := Start(context.Background(), Spec{Name: "bad", Argv: tt.argv}, LocalLauncher{}, Options{RuntimeDir: dir})
			if testing.Verbose() {
				t.Log(err)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want it to contain %q", err, tt.want)
			}
			if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 0 {
				t.Errorf("left behind %v", files)
			}
		})
	}
	t.Run("timeout", func(t *testing.T) {
		begin := time.Now()
		_, err := Start(context.Background(), Spec{Name: "silent", Argv: []string{python, "-c", "import time; time.sleep(30)"}},
			LocalLauncher{}, Options{RuntimeDir: t.TempDir(), StartTimeout: time.Second})
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(begin) > 5*time.Second {
			t.Errorf("got %v after %v, want a deadline error after about 1s", err, time.Since(begin))
		}
		if testing.Verbose() {
			t.Log(err)
		}
	})
}
