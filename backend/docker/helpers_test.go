package docker

import (
	"context"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// testEngine connects to the real engine, or skips when the test set-up did
// not provide one (make docker starts it and builds the kernel image).
func testEngine(t *testing.T) *Engine {
	t.Helper()
	if os.Getenv("SMALLFRY_DOCKER") == "" {
		t.Skip("SMALLFRY_DOCKER is not set: these tests need a running Docker engine and the kernel image (make docker)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e, err := Connect(ctx)
	if err != nil {
		t.Fatalf("SMALLFRY_DOCKER is set but: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// kernelImage is the locally built test image (scripts/build-kernel-image.sh).
func kernelImage(t *testing.T, e *Engine) string {
	t.Helper()
	image := os.Getenv("SMALLFRY_KERNEL_IMAGE")
	if image == "" {
		image = "smallfry-test-kernel:latest"
	}
	ok, err := e.HasImage(context.Background(), image)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Fatalf("image %s is missing: build it with scripts/build-kernel-image.sh (make docker)", image)
	}
	return image
}

// session is a label value unique to the test, to find its containers.
func session(t *testing.T) string {
	return "test-" + strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()) + "-" + time.Now().Format("150405.000000")
}

// run starts k (Image and Session filled in when empty) and removes the
// container when the test ends.
func run(t *testing.T, e *Engine, k KernelContainer) *Container {
	t.Helper()
	if k.Image == "" {
		k.Image = kernelImage(t, e)
	}
	if k.Session == "" {
		k.Session = session(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := e.RunKernel(ctx, k)
	if err != nil {
		t.Fatalf("RunKernel: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Remove(context.Background()); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return c
}

// containersOf lists every container, running or not, of a session.
func containersOf(t *testing.T, e *Engine, session string) []string {
	t.Helper()
	list, err := e.cli.ContainerList(context.Background(), client.ContainerListOptions{
		All: true, Filters: make(client.Filters).Add("label", labelSession+"="+session),
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range list.Items {
		ids = append(ids, s.ID)
	}
	return ids
}

// freePort is a TCP port on 127.0.0.1 that nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitFile waits for a file the container writes.
func waitFile(t *testing.T, path string, timeout time.Duration) []byte {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		b, err := os.ReadFile(path)
		if err == nil {
			return b
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear within %s", path, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
