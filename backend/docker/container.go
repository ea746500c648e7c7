package docker

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"smallfry/backend"
)

// KernelContainer says how to run one kernel in a container.
type KernelContainer struct {
	Image string
	Cmd   []string // the kernel's argv (a kernel spec's argv, filled in)
	Env   []string // KEY=VALUE
	// HostDir (absolute, existing) is bind-mounted read-write at ContainerDir
	// (absolute inside the container), which is also the working directory.
	// Both empty: no mount.
	HostDir, ContainerDir string
	// Ports maps container TCP ports to host ports, published on 127.0.0.1
	// only; host port 0 lets the engine choose a free one (see HostPort).
	Ports    map[int]int
	NanoCPUs int64  // CPU limit in billionths of a CPU; 0 for none
	Memory   int64  // memory limit in bytes; 0 for none
	Session  string // the smallfry.session label: which notebook session owns it
	User     string // "uid:gid" to run as; "" for the image's user
	Name     string // container name; "" lets the engine choose
}

// Container is a started kernel container. Nothing removes it but Remove or
// Reap, so its logs survive a crash until then.
type Container struct {
	ID   string
	Name string

	e        *Engine
	ports    map[int]int // container port → host port
	done     chan struct{}
	exitCode int
	waitErr  error
	stopWait context.CancelFunc
}

// ExitError is what Wait returns for a container that exited with a
// non-zero code (137 after Kill).
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("container exited with code %d", e.Code) }

// Labels every kernel container carries; Reap reads them.
const (
	labelApp     = "smallfry"         // "1"
	labelOwner   = "smallfry.owner"   // the app instance (Engine.Instance)
	labelPID     = "smallfry.pid"     // the app's process id
	labelHost    = "smallfry.host"    // the app's host name: pids mean something only there
	labelSession = "smallfry.session" // KernelContainer.Session
)

var loopback = netip.MustParseAddr("127.0.0.1")

// RunKernel creates and starts a container for k. On any failure nothing is
// left behind.
func (e *Engine) RunKernel(ctx context.Context, k KernelContainer) (*Container, error) {
	if err := k.validate(); err != nil {
		return nil, err
	}
	exposed := network.PortSet{}
	bindings := network.PortMap{}
	for cport, hport := range k.Ports {
		p, ok := network.PortFrom(uint16(cport), network.TCP)
		if !ok {
			return nil, backend.Errorf(backend.EINVALID, "run kernel container: bad port %d", cport)
		}
		exposed[p] = struct{}{}
		hp := ""
		if hport != 0 {
			hp = strconv.Itoa(hport)
		}
		bindings[p] = []network.PortBinding{{HostIP: loopback, HostPort: hp}}
	}
	cfg := &container.Config{
		Image:        k.Image,
		Cmd:          k.Cmd,
		Env:          k.Env,
		User:         k.User,
		WorkingDir:   k.ContainerDir,
		ExposedPorts: exposed,
		Labels: map[string]string{
			labelApp:     "1",
			labelOwner:   e.owner.instance,
			labelPID:     strconv.Itoa(e.owner.pid),
			labelHost:    e.owner.host,
			labelSession: k.Session,
		},
	}
	initProcess := true // tini as PID 1 passes SIGINT on to the kernel and reaps its children
	hc := &container.HostConfig{
		PortBindings: bindings,
		AutoRemove:   false,
		Init:         &initProcess,
		Resources:    container.Resources{NanoCPUs: k.NanoCPUs, Memory: k.Memory},
	}
	if k.HostDir != "" {
		hc.Mounts = []mount.Mount{{Type: mount.TypeBind, Source: k.HostDir, Target: k.ContainerDir}}
	}
	created, err := e.cli.ContainerCreate(ctx, client.ContainerCreateOptions{Config: cfg, HostConfig: hc, Name: k.Name})
	if err != nil {
		if cerrdefs.IsNotFound(err) {
			return nil, backend.Errorf(backend.ENOTFOUND, "run kernel container: image %s is not on this machine (pull it first): %w", k.Image, err)
		}
		return nil, wrap("create kernel container", err)
	}
	c := &Container{ID: created.ID, e: e, ports: map[int]int{}, done: make(chan struct{})}
	fail := func(op string, err error) (*Container, error) {
		// The caller's ctx may be the reason we fail; cleaning up needs its own.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = c.remove(rctx)
		return nil, wrap(op, err)
	}
	if _, err := e.cli.ContainerStart(ctx, c.ID, client.ContainerStartOptions{}); err != nil {
		return fail("start kernel container", err)
	}
	info, err := e.cli.ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{})
	if err != nil {
		return fail("inspect kernel container", err)
	}
	c.Name = strings.TrimPrefix(info.Container.Name, "/")
	if ns := info.Container.NetworkSettings; ns != nil {
		for p, bs := range ns.Ports {
			for _, b := range bs {
				if n, err := strconv.Atoi(b.HostPort); err == nil && b.HostIP == loopback {
					c.ports[int(p.Num())] = n
				}
			}
		}
	}
	waitCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	c.stopWait = stop
	go c.wait(waitCtx)
	return c, nil
}

func (k KernelContainer) validate() error {
	bad := func(format string, args ...any) error {
		return backend.Errorf(backend.EINVALID, "run kernel container: "+format, args...)
	}
	switch {
	case k.Image == "":
		return bad("no image")
	case len(k.Cmd) == 0:
		return bad("no command")
	case (k.HostDir == "") != (k.ContainerDir == ""):
		return bad("HostDir and ContainerDir go together (got %q and %q)", k.HostDir, k.ContainerDir)
	}
	if k.HostDir != "" {
		if !filepath.IsAbs(k.HostDir) {
			return bad("host folder %q is not an absolute path", k.HostDir)
		}
		if fi, err := os.Stat(k.HostDir); err != nil || !fi.IsDir() {
			return bad("host folder %q is not a folder", k.HostDir)
		}
		if !path.IsAbs(k.ContainerDir) {
			return bad("container folder %q is not an absolute path", k.ContainerDir)
		}
	}
	for c, h := range k.Ports {
		if c < 1 || c > 65535 || h < 0 || h > 65535 {
			return bad("bad port mapping %d → %d", c, h)
		}
	}
	return nil
}

func (c *Container) wait(ctx context.Context) {
	defer close(c.done)
	res := c.e.cli.ContainerWait(ctx, c.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	select {
	case r := <-res.Result:
		c.exitCode = int(r.StatusCode)
		if r.Error != nil && r.Error.Message != "" {
			c.waitErr = fmt.Errorf("wait for container %s: %s", c.short(), r.Error.Message)
		}
	case err := <-res.Error:
		c.waitErr = wrap("wait for container "+c.short(), err)
	}
}

// Wait returns when the container has exited: nil for exit code 0, an
// *ExitError for any other code.
func (c *Container) Wait() error {
	<-c.done
	if c.waitErr != nil {
		return c.waitErr
	}
	if c.exitCode != 0 {
		return &ExitError{Code: c.exitCode}
	}
	return nil
}

// Done is closed when the container has exited (then Wait returns at once).
func (c *Container) Done() <-chan struct{} { return c.done }

// HostPort is the port on 127.0.0.1 that reaches containerPort.
func (c *Container) HostPort(containerPort int) (int, bool) {
	p, ok := c.ports[containerPort]
	return p, ok
}

// Signal sends a signal, by name ("SIGINT" interrupts a kernel), to the
// container's main process.
func (c *Container) Signal(ctx context.Context, signal string) error {
	if _, err := c.e.cli.ContainerKill(ctx, c.ID, client.ContainerKillOptions{Signal: signal}); err != nil {
		return wrap(fmt.Sprintf("send %s to container %s", signal, c.short()), err)
	}
	return nil
}

// Kill stops the container at once (SIGKILL); one already stopped is fine.
func (c *Container) Kill(ctx context.Context) error {
	err := c.Signal(ctx, "SIGKILL")
	if cerrdefs.IsConflict(err) || cerrdefs.IsNotFound(err) {
		return nil // not running, or gone
	}
	return err
}

// Remove kills and removes the container; one already removed is fine.
func (c *Container) Remove(ctx context.Context) error {
	err := c.remove(ctx)
	// A removed container makes the wait return; don't let it linger if the
	// engine never says so.
	select {
	case <-c.done:
	case <-time.After(2 * time.Second):
	}
	c.stopWait()
	return err
}

func (c *Container) remove(ctx context.Context) error {
	_, err := c.e.cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !cerrdefs.IsNotFound(err) && !cerrdefs.IsConflict(err) { // conflict: removal already under way
		return wrap("remove container "+c.short(), err)
	}
	return nil
}

// Logs returns the last lines of the container's output, stdout and stderr
// interleaved as written: what to show when a kernel dies at start.
func (c *Container) Logs(ctx context.Context, lines int) (string, error) {
	rc, err := c.e.cli.ContainerLogs(ctx, c.ID, client.ContainerLogsOptions{
		ShowStdout: true, ShowStderr: true, Tail: strconv.Itoa(lines),
	})
	if err != nil {
		return "", wrap("logs of container "+c.short(), err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := stdcopy.StdCopy(&buf, &buf, rc); err != nil {
		return buf.String(), wrap("logs of container "+c.short(), err)
	}
	return buf.String(), nil
}

func (c *Container) short() string {
	if len(c.ID) > 12 {
		return c.ID[:12]
	}
	return c.ID
}
