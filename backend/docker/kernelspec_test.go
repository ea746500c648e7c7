package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

// The image's standard ipykernel spec starts a kernel in a container whose
// ports, published on 127.0.0.1 to engine-chosen host ports, speak ZeroMQ to
// the host: the heartbeat echoes. This is what the Docker kernel launcher does.
func TestKernelSpecRunsInContainer(t *testing.T) {
	e := testEngine(t)

	// The kernel spec as the image ships it.
	spec := run(t, e, KernelContainer{Cmd: []string{"cat", "/usr/share/jupyter/kernels/python3/kernel.json"}})
	if err := spec.Wait(); err != nil {
		t.Fatalf("read kernel.json: %v", err)
	}
	out, err := spec.Logs(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	var ks struct{ Argv []string }
	if err := json.Unmarshal([]byte(out), &ks); err != nil || len(ks.Argv) == 0 {
		t.Fatalf("kernel.json = %q: %v", out, err)
	}

	// Container ports are fixed; the host ports are the engine's choice.
	names := []string{"shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"}
	conn := map[string]any{"ip": "0.0.0.0", "transport": "tcp", "key": "test-key",
		"signature_scheme": "hmac-sha256", "kernel_name": "python3"}
	ports := map[int]int{}
	for i, n := range names {
		conn[n] = 50000 + i
		ports[50000+i] = 0
	}
	dir := t.TempDir()
	b, _ := json.Marshal(conn)
	if err := os.WriteFile(filepath.Join(dir, "kernel-test.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	argv := make([]string, len(ks.Argv))
	for i, a := range ks.Argv {
		argv[i] = strings.ReplaceAll(a, "{connection_file}", "/smallfry/kernel-test.json")
	}
	k := run(t, e, KernelContainer{Cmd: argv, HostDir: dir, ContainerDir: "/smallfry", Ports: ports})
	hb, ok := k.HostPort(50004)
	if !ok {
		t.Fatal("heartbeat port not published")
	}

	// The kernel takes a moment to bind; until then docker-proxy accepts and
	// drops connections, so each try gets a fresh socket.
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := ping(fmt.Sprintf("tcp://127.0.0.1:%d", hb))
		if err == nil {
			break
		}
		select {
		case <-k.Done():
			logs, _ := k.Logs(context.Background(), 30)
			t.Fatalf("kernel exited: %v\n%s", k.Wait(), logs)
		default:
		}
		if time.Now().After(deadline) {
			logs, _ := k.Logs(context.Background(), 30)
			t.Fatalf("no heartbeat: %v\n%s", err, logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// ping sends one heartbeat and waits up to 2 s for its echo.
func ping(endpoint string) error {
	done := make(chan error, 1)
	go func() { done <- pingOnce(endpoint) }()
	select {
	case err := <-done:
		return err
	case <-time.After(3 * time.Second):
		return fmt.Errorf("no echo from %s", endpoint)
	}
}

func pingOnce(endpoint string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req := zmq4.NewReq(ctx, zmq4.WithDialerMaxRetries(0))
	defer req.Close()
	if err := req.Dial(endpoint); err != nil {
		return err
	}
	if err := req.Send(zmq4.NewMsgString("ping")); err != nil {
		return err
	}
	msg, err := req.Recv()
	if err != nil {
		return err
	}
	if got := string(msg.Bytes()); got != "ping" {
		return fmt.Errorf("heartbeat echoed %q", got)
	}
	return nil
}
