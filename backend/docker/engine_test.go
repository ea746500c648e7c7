package docker

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// With no engine behind DOCKER_HOST, Connect says what to do, at once.
func TestConnectNotRunning(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "docker.sock"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e, err := Connect(ctx)
	if err == nil {
		e.Close()
		t.Fatal("Connect succeeded with no engine")
	}
	if !errors.Is(err, ErrNotRunning) || !strings.Contains(err.Error(), "the Docker engine is not running") {
		t.Errorf("Connect = %v, want ErrNotRunning", err)
	}
}

func TestConnect(t *testing.T) {
	e := testEngine(t)
	if e.Instance() == "" || e.APIVersion() == "" {
		t.Errorf("instance %q, API version %q", e.Instance(), e.APIVersion())
	}
	t.Logf("engine API version %s", e.APIVersion())
}
