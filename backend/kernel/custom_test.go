//go:build unix

package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// A handler registered for a custom control type answers while a cell
// runs (ipykernel serves control on its own thread); a custom IOPub type,
// published from a thread of the kernel, reaches its OnIOPub handler and not
// the running Execute.
func TestControlAndIOPubWhileACellRuns(t *testing.T) {
	got := make(chan string, 4)
	k := startKernel(t, venvSpec(t), Options{OnIOPub: map[string]func(json.RawMessage){
		"test_ping": func(c json.RawMessage) { got <- string(c) },
	}})
	execute(t, k, `
kernel = get_ipython().kernel
def echo(stream, idents, msg):
    kernel.session.send(stream, "test_echo_reply", {"echo": msg["content"]["n"] + 1}, parent=msg, ident=idents)
    kernel.session.send(kernel.iopub_socket, "test_ping", {"from": "control thread"})
kernel.control_handlers["test_echo"] = echo
`)
	done := make(chan *Reply, 1)
	go func() {
		rep, err := k.Execute(context.Background(), "import time\ntime.sleep(3)\nprint('slept')", nil)
		if err != nil {
			t.Error(err)
		}
		done <- rep
	}()
	time.Sleep(500 * time.Millisecond) // the cell is running
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	begin := time.Now()
	reply, err := k.Control(ctx, "test_echo", map[string]int{"n": 41})
	if err != nil {
		t.Fatalf("Control while a cell runs: %v", err)
	}
	if string(reply) != `{"echo": 42}` && string(reply) != `{"echo":42}` {
		t.Errorf("reply %s, want echo 42", reply)
	}
	select {
	case <-done:
		t.Error("the cell ended before the control reply came: the test proves nothing")
	default:
	}
	t.Logf("control reply during a cell in %s", time.Since(begin).Round(time.Millisecond))
	select {
	case c := <-got:
		if !strings.Contains(c, "control thread") {
			t.Errorf("OnIOPub got %s", c)
		}
	case <-time.After(5 * time.Second):
		t.Error("the custom IOPub message never reached its handler")
	}
	rep := <-done
	if rep == nil || len(rep.Outputs) != 1 || rep.Outputs[0]["text"] != "slept\n" {
		t.Errorf("the cell's outputs: %+v", rep)
	}
}

// A control type with no handler gets no reply: Control ends with ctx.
func TestControlWithoutHandler(t *testing.T) {
	k := startKernel(t, venvSpec(t), Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := k.Control(ctx, "nobody_handles_this", struct{}{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want the deadline", err)
	}
	if err := k.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Control(context.Background(), "x", struct{}{}); !errors.Is(err, ErrClosed) {
		t.Errorf("after Shutdown: %v, want ErrClosed", err)
	}
}

// Unsetenv keeps variables of this process from a local kernel.
func TestUnsetenv(t *testing.T) {
	t.Setenv("SMALLFRY_TEST_SECRET", "s3cret")
	t.Setenv("SMALLFRY_TEST_KEPT", "kept")
	k := startKernel(t, venvSpec(t), Options{Unsetenv: []string{"SMALLFRY_TEST_SECRET"}})
	rep := execute(t, k, `import os; print(os.environ.get("SMALLFRY_TEST_SECRET"), os.environ.get("SMALLFRY_TEST_KEPT"))`)
	if len(rep.Outputs) != 1 || rep.Outputs[0]["text"] != "None kept\n" {
		t.Errorf("got %v, want the secret dropped and the other kept", rep.Outputs)
	}
}

func TestInherit(t *testing.T) {
	env := []string{"A=1", "B=2", "AB=3", "C"}
	if got := inherit(env, []string{"B", "C"}); !slices.Equal(got, []string{"A=1", "AB=3"}) {
		t.Errorf("inherit = %q", got)
	}
	if got := inherit(os.Environ(), nil); len(got) != len(os.Environ()) {
		t.Error("nothing to drop changed the environment")
	}
}
