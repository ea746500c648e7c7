package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"smallfry/backend"
)

// A kernel publishes its ports on 127.0.0.1 only; the host reaches them there,
// whether the engine picks the host port or we do.
func TestRunKernelPublishesPortsOnLoopbackOnly(t *testing.T) {
	e := testEngine(t)
	same := freePort(t)
	for _, tc := range []struct {
		name     string
		hostPort int // 0: the engine picks
	}{
		{"engine picks the host port", 0},
		{"same port on both sides", same},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello from the host"), 0o644); err != nil {
				t.Fatal(err)
			}
			cport := 8765
			if tc.hostPort != 0 {
				cport = tc.hostPort
			}
			c := run(t, e, KernelContainer{
				Cmd:     []string{"python3", "-m", "http.server", strconv.Itoa(cport), "--bind", "0.0.0.0"},
				HostDir: dir, ContainerDir: "/smallfry",
				Ports: map[int]int{cport: tc.hostPort},
			})
			hport, ok := c.HostPort(cport)
			if !ok {
				t.Fatalf("HostPort(%d): no mapping", cport)
			}
			if tc.hostPort != 0 && hport != tc.hostPort {
				t.Errorf("HostPort(%d) = %d, want %d", cport, hport, tc.hostPort)
			}

			body := getWithRetry(t, fmt.Sprintf("http://127.0.0.1:%d/hello.txt", hport), 15*time.Second)
			if body != "hello from the host" {
				t.Errorf("GET hello.txt through the published port = %q", body)
			}

			// Published on the loopback address and nowhere else.
			info, err := e.cli.ContainerInspect(context.Background(), c.ID, client.ContainerInspectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			p, _ := network.PortFrom(uint16(cport), network.TCP)
			for what, bs := range map[string][]network.PortBinding{
				"requested": info.Container.HostConfig.PortBindings[p],
				"published": info.Container.NetworkSettings.Ports[p],
			} {
				if len(bs) == 0 {
					t.Errorf("%s bindings of %s: none", what, p)
				}
				for _, b := range bs {
					if b.HostIP != loopback {
						t.Errorf("%s binding of %s on host address %q, want 127.0.0.1 only", what, p, b.HostIP)
					}
				}
			}
		})
	}
}

func getWithRetry(t *testing.T, url string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		resp, err := http.Get(url)
		if err == nil {
			b, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if rerr == nil && resp.StatusCode == http.StatusOK {
				return string(b)
			}
			err = fmt.Errorf("status %s, read error %v", resp.Status, rerr)
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The scratch folder is shared both ways, the environment reaches the kernel,
// and the limits and labels are what the engine enforces and Reap reads.
func TestRunKernelMountEnvLimitsLabels(t *testing.T) {
	e := testEngine(t)
	dir := t.TempDir()
	sess := session(t)
	c := run(t, e, KernelContainer{
		Cmd: []string{"python3", "-c",
			"import os; open('/smallfry/out.txt', 'w').write(os.environ['GREETING'] + ' ' + os.getcwd())"},
		Env:     []string{"GREETING=hello"},
		HostDir: dir, ContainerDir: "/smallfry",
		NanoCPUs: 500_000_000,
		Memory:   256 << 20,
		Session:  sess,
	})
	if err := c.Wait(); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "out.txt"))
	if err != nil {
		t.Fatalf("file written by the container: %v", err)
	}
	if string(got) != "hello /smallfry" {
		t.Errorf("out.txt = %q, want %q", got, "hello /smallfry")
	}

	// The exited container is still there (logs survive until Remove).
	info, err := e.cli.ContainerInspect(context.Background(), c.ID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatalf("inspect after exit: %v", err)
	}
	hc := info.Container.HostConfig
	if hc.NanoCPUs != 500_000_000 || hc.Memory != 256<<20 {
		t.Errorf("limits: NanoCPUs %d, Memory %d; want 500000000, %d", hc.NanoCPUs, hc.Memory, 256<<20)
	}
	if hc.AutoRemove {
		t.Error("AutoRemove is on: a crash would take the logs with it")
	}
	if hc.Init == nil || !*hc.Init {
		t.Error("no init process: SIGINT would not reach the kernel reliably")
	}
	if len(hc.Mounts) != 1 || hc.Mounts[0].Type != mount.TypeBind || hc.Mounts[0].Source != dir || hc.Mounts[0].Target != "/smallfry" {
		t.Errorf("mounts = %+v, want %s bound at /smallfry", hc.Mounts, dir)
	}
	want := map[string]string{
		labelApp: "1", labelOwner: e.Instance(), labelPID: strconv.Itoa(os.Getpid()),
		labelHost: e.owner.host, labelSession: sess,
	}
	for k, v := range want {
		if got := info.Container.Config.Labels[k]; got != v {
			t.Errorf("label %s = %q, want %q", k, got, v)
		}
	}
}

// Wait reports the exit code; Logs has both streams for the error message.
func TestContainerExitCodeAndLogs(t *testing.T) {
	e := testEngine(t)
	c := run(t, e, KernelContainer{Cmd: []string{"python3", "-c",
		"import sys; print('to stdout', flush=True); print('boom on stderr', file=sys.stderr); sys.exit(3)"}})
	err := c.Wait()
	var exit *ExitError
	if !errors.As(err, &exit) || exit.Code != 3 {
		t.Fatalf("Wait = %v, want exit code 3", err)
	}
	logs, err := c.Logs(context.Background(), 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"to stdout", "boom on stderr"} {
		if !strings.Contains(logs, want) {
			t.Errorf("Logs = %q, want it to contain %q", logs, want)
		}
	}
}

// SIGINT reaches the kernel as KeyboardInterrupt, which is how a Jupyter
// kernel is interrupted; it must take well under the 2 s the UI allows.
func TestContainerSignalInterrupts(t *testing.T) {
	e := testEngine(t)
	dir := t.TempDir()
	c := run(t, e, KernelContainer{
		Cmd: []string{"python3", "-c", `
import time
open('/smallfry/ready', 'w').close()
try:
    time.sleep(60)
except KeyboardInterrupt:
    open('/smallfry/interrupted', 'w').write('yes')
`},
		HostDir: dir, ContainerDir: "/smallfry",
	})
	waitFile(t, filepath.Join(dir, "ready"), 30*time.Second)
	start := time.Now()
	if err := c.Signal(context.Background(), "SIGINT"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the container did not exit within 5 s of SIGINT")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("interrupt took %s, want under 2 s", d)
	}
	if err := c.Wait(); err != nil {
		t.Errorf("Wait = %v, want a clean exit after KeyboardInterrupt", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "interrupted")); err != nil || string(b) != "yes" {
		t.Errorf("interrupted marker: %q, %v", b, err)
	}
}

// Kill ends a container at once, and again is harmless.
func TestContainerKill(t *testing.T) {
	e := testEngine(t)
	c := run(t, e, KernelContainer{Cmd: []string{"python3", "-c", "import time; time.sleep(300)"}})
	ctx := context.Background()
	if err := c.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("still running 10 s after Kill")
	}
	var exit *ExitError
	if err := c.Wait(); !errors.As(err, &exit) || exit.Code != 137 {
		t.Errorf("Wait after Kill = %v, want exit code 137", err)
	}
	if err := c.Kill(ctx); err != nil {
		t.Errorf("second Kill = %v, want nil", err)
	}
}

// Remove takes a running container away entirely; twice is fine.
func TestContainerRemoveLeavesNothing(t *testing.T) {
	e := testEngine(t)
	sess := session(t)
	c := run(t, e, KernelContainer{Cmd: []string{"python3", "-c", "import time; time.sleep(300)"}, Session: sess})
	ctx := context.Background()
	if err := c.Remove(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cli.ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{}); !cerrdefs.IsNotFound(err) {
		t.Errorf("inspect after Remove = %v, want not found", err)
	}
	if ids := containersOf(t, e, sess); len(ids) != 0 {
		t.Errorf("containers left for the session: %v", ids)
	}
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Error("Done not closed after Remove")
	}
	if err := c.Remove(ctx); err != nil {
		t.Errorf("second Remove = %v, want nil", err)
	}
}

// A container that cannot start is removed before RunKernel returns.
func TestRunKernelFailureLeavesNothing(t *testing.T) {
	e := testEngine(t)
	// Hold a host port so that publishing on it fails at start.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	taken := l.Addr().(*net.TCPAddr).Port
	sess := session(t)
	_, err = e.RunKernel(context.Background(), KernelContainer{
		Image: kernelImage(t, e), Cmd: []string{"python3", "-c", "pass"},
		Ports: map[int]int{8765: taken}, Session: sess,
	})
	if err == nil {
		t.Fatal("RunKernel on a taken host port succeeded")
	}
	if !strings.Contains(err.Error(), "start kernel container") {
		t.Errorf("error %q does not name the operation", err)
	}
	t.Logf("error: %v", err)
	if ids := containersOf(t, e, sess); len(ids) != 0 {
		t.Errorf("a failed start left containers: %v", ids)
	}
}

func TestRunKernelImageMissing(t *testing.T) {
	e := testEngine(t)
	image := "smallfry-test-kernel:no-such-tag"
	_, err := e.RunKernel(context.Background(), KernelContainer{Image: image, Cmd: []string{"python3"}, Session: session(t)})
	if backend.ErrorCode(err) != backend.ENOTFOUND || !strings.Contains(err.Error(), image) {
		t.Errorf("RunKernel with a missing image = %v (code %s), want not_found naming %s", err, backend.ErrorCode(err), image)
	}
	t.Logf("error: %v", err)
}

func TestKernelContainerValidate(t *testing.T) {
	dir := t.TempDir()
	ok := KernelContainer{Image: "i", Cmd: []string{"python3"}, HostDir: dir, ContainerDir: "/smallfry", Ports: map[int]int{1: 0}}
	for _, tc := range []struct {
		name string
		edit func(*KernelContainer)
		want string // "" for valid
	}{
		{"valid", func(*KernelContainer) {}, ""},
		{"no mount", func(k *KernelContainer) { k.HostDir, k.ContainerDir = "", "" }, ""},
		{"no image", func(k *KernelContainer) { k.Image = "" }, "no image"},
		{"no command", func(k *KernelContainer) { k.Cmd = nil }, "no command"},
		{"relative host folder", func(k *KernelContainer) { k.HostDir = "scratch" }, "not an absolute path"},
		{"missing host folder", func(k *KernelContainer) { k.HostDir = filepath.Join(dir, "nope") }, "is not a folder"},
		{"relative container folder", func(k *KernelContainer) { k.ContainerDir = "smallfry" }, "not an absolute path"},
		{"half a mount", func(k *KernelContainer) { k.ContainerDir = "" }, "go together"},
		{"bad port", func(k *KernelContainer) { k.Ports = map[int]int{70000: 0} }, "bad port"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := ok
			tc.edit(&k)
			err := k.validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("validate = %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("validate = %v, want an error containing %q", err, tc.want)
			case tc.want != "" && backend.ErrorCode(err) != backend.EINVALID:
				t.Errorf("code = %s, want %s", backend.ErrorCode(err), backend.EINVALID)
			}
		})
	}
}
