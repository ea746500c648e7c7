// Package docker runs Jupyter kernels in containers through the Docker Engine
// API: images (pull with progress), kernel containers (ports on 127.0.0.1 only,
// the run's scratch folder bind-mounted, CPU and memory limits) and the reaper
// that removes containers left behind by a crashed app.
package docker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"

	"github.com/moby/moby/client"

	"smallfry/backend"
)

// ErrNotRunning is in the chain of every error caused by an engine that does
// not answer.
var ErrNotRunning = errors.New("the Docker engine is not running: start Docker Desktop (or dockerd)")

// Engine is a connection to a Docker engine, acting for one app instance:
// every container it starts carries that instance's labels (see Reap).
type Engine struct {
	cli   *client.Client
	owner owner
}

// owner identifies the app instance behind a container.
type owner struct {
	instance string // random per Connect
	pid      int
	host     string
}

// Connect reaches the engine named by the environment (DOCKER_HOST and
// friends, else the platform's default socket or pipe) and agrees on an API
// version with it.
func Connect(ctx context.Context) (*Engine, error) {
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return nil, backend.Errorf(backend.EINVALID, "docker client from environment: %w", err)
	}
	if _, err := cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		cli.Close()
		return nil, wrap("connect to docker", err)
	}
	host, err := os.Hostname()
	if err != nil {
		cli.Close()
		return nil, fmt.Errorf("connect to docker: hostname: %w", err)
	}
	id := make([]byte, 8)
	if _, err := rand.Read(id); err != nil {
		cli.Close()
		return nil, fmt.Errorf("connect to docker: instance id: %w", err)
	}
	return &Engine{cli: cli, owner: owner{instance: hex.EncodeToString(id), pid: os.Getpid(), host: host}}, nil
}

// Close releases the connection; containers keep running.
func (e *Engine) Close() error { return e.cli.Close() }

// Instance is the id this engine writes into the smallfry.owner label.
func (e *Engine) Instance() string { return e.owner.instance }

// APIVersion is the API version agreed with the engine.
func (e *Engine) APIVersion() string { return e.cli.ClientVersion() }

// wrap names the operation and turns "cannot connect" into ErrNotRunning, so
// the user reads what to do rather than a socket path.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if client.IsErrConnectionFailed(err) {
		return backend.Errorf(backend.EINTERNAL, "%s: %w (%v)", op, ErrNotRunning, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}
