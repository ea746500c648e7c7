package python

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"

	"smallfry/backend/docker"
	"smallfry/backend/kernel"
)

// containerScratch is where a kernel container sees the session's scratch
// folder (bind-mounted).
const containerScratch = "/smallfry"

// DockerKernels runs kernels in containers of the local Docker engine,
// connecting on first use. Containers are labelled with this process, so
// those a crashed app left behind are removed by Reap on the next start.
type DockerKernels struct {
	CPUs     float64 // per kernel; 0 for no limit
	MemoryMB int64   // per kernel; 0 for no limit
	// OnPull hears the progress of pulling an image that is not present.
	OnPull func(image string, p docker.Progress)

	mu     sync.Mutex
	engine *docker.Engine
}

func (d *DockerKernels) connect(ctx context.Context) (*docker.Engine, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.engine != nil {
		return d.engine, nil
	}
	e, err := docker.Connect(ctx)
	if err != nil {
		return nil, err
	}
	d.engine = e
	return e, nil
}

// Reap removes the kernel containers of Smallfry processes that are gone
// (killed, crashed). Without a Docker engine there is nothing to reap.
func (d *DockerKernels) Reap(ctx context.Context) ([]string, error) {
	e, err := d.connect(ctx)
	if err != nil {
		return nil, nil
	}
	return e.Reap(ctx, nil)
}

// Launcher makes sure the image is present (pulling it with progress if
// not) and returns a launcher of kernel containers for one session.
func (d *DockerKernels) Launcher(ctx context.Context, image, session, scratch string) (kernel.Launcher, string, error) {
	e, err := d.connect(ctx)
	if err != nil {
		return nil, "", err
	}
	var progress func(docker.Progress)
	if d.OnPull != nil {
		progress = func(p docker.Progress) { d.OnPull(image, p) }
	}
	if err := e.EnsureImage(ctx, image, progress); err != nil {
		return nil, "", err
	}
	return &dockerLauncher{d: d, e: e, image: image, session: session, scratch: scratch}, containerScratch, nil
}

type dockerLauncher struct {
	d       *DockerKernels
	e       *docker.Engine
	image   string
	session string
	scratch string
}

func (l *dockerLauncher) Launch(ctx context.Context, ls kernel.LaunchSpec) (kernel.Process, error) {
	ports := map[int]int{}
	for _, p := range ls.Ports.All() {
		ports[p] = 0 // the engine picks free host ports, on 127.0.0.1
	}
	env := []string{"HOME=" + containerScratch} // IPython and matplotlib write there
	for k, v := range ls.Env {
		env = append(env, k+"="+v)
	}
	user := ""
	if runtime.GOOS == "linux" && os.Getuid() != 0 {
		// Files the kernel writes into the scratch folder stay the user's.
		user = strconv.Itoa(os.Getuid()) + ":" + strconv.Itoa(os.Getgid())
	}
	c, err := l.e.RunKernel(ctx, docker.KernelContainer{
		Image: l.image, Cmd: ls.Argv, Env: env,
		HostDir: l.scratch, ContainerDir: containerScratch,
		Ports:    ports,
		NanoCPUs: int64(l.d.CPUs * 1e9), Memory: l.d.MemoryMB << 20,
		Session: l.session, User: user,
	})
	if err != nil {
		return nil, fmt.Errorf("start a kernel container from %s: %w", l.image, err)
	}
	return &dockerProcess{c: c}, nil
}

// dockerProcess is a kernel in a container; the container is removed as
// soon as the kernel exits, however it ends.
type dockerProcess struct{ c *docker.Container }

func (p *dockerProcess) Wait() error {
	err := p.c.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = p.c.Remove(ctx)
	return err
}

func (p *dockerProcess) Interrupt() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return p.c.Signal(ctx, "SIGINT")
}

func (p *dockerProcess) Kill() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return p.c.Kill(ctx)
}

func (p *dockerProcess) Dial(port int) string {
	host, _ := p.c.HostPort(port)
	return "127.0.0.1:" + strconv.Itoa(host)
}

func (p *dockerProcess) Logs() string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, _ := p.c.Logs(ctx, 40)
	return s
}
