package kernel

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LocalLauncher runs kernels as child processes of this one, with this
// process's environment (less LaunchSpec.Unsetenv) plus the spec's. On Unix each kernel gets its own
// process group, so an interrupt (SIGINT) reaches the kernel and its children
// but never the app, and a terminal's Ctrl+C never reaches the kernel.
type LocalLauncher struct {
	Dir string // the kernel's working directory; empty means this process's
}

var _ Launcher = LocalLauncher{}

// Launch starts ls.Argv. ls.ConnectionFile and ls.HostConnectionFile are the
// same path for a local kernel.
func (l LocalLauncher) Launch(ctx context.Context, ls LaunchSpec) (Process, error) {
	if len(ls.Argv) == 0 {
		return nil, fmt.Errorf("launch kernel: empty argv")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("launch kernel: %w", err)
	}
	cmd := exec.Command(ls.Argv[0], ls.Argv[1:]...)
	cmd.Dir = l.Dir
	cmd.Env = inherit(os.Environ(), ls.Unsetenv)
	keys := make([]string, 0, len(ls.Env))
	for k := range ls.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		cmd.Env = append(cmd.Env, k+"="+ls.Env[k])
	}
	cmd.Env = append(cmd.Env, parentEnv()...)
	p := &localProcess{cmd: cmd, logs: &tailBuffer{max: 16 << 10}}
	// One writer for both streams: exec then copies them with one goroutine,
	// keeping their lines in order.
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	// A cell may leave a background child holding the pipes open; don't let
	// that keep Wait from returning once the kernel itself has exited.
	cmd.WaitDelay = time.Second
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("launch kernel %q: %w", ls.Argv[0], err)
	}
	return p, nil
}

// inherit returns env without the variables named in drop.
func inherit(env, drop []string) []string {
	if len(drop) == 0 {
		return env
	}
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.ContainsFunc(drop, func(d string) bool { return sameEnvName(d, name) }) {
			out = append(out, kv)
		}
	}
	return out
}

// localProcess is a kernel started by LocalLauncher.
type localProcess struct {
	cmd  *exec.Cmd
	logs *tailBuffer

	mu     sync.Mutex
	exited bool // after Wait returned, signals could hit a reused pid
}

var (
	_ Process = (*localProcess)(nil)
	_ Logger  = (*localProcess)(nil)
)

func (p *localProcess) Wait() error {
	err := p.cmd.Wait()
	p.mu.Lock()
	p.exited = true
	p.mu.Unlock()
	return err
}

func (p *localProcess) Interrupt() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited {
		return nil
	}
	return interruptProcess(p.cmd.Process)
}

func (p *localProcess) Kill() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited {
		return nil
	}
	return killProcess(p.cmd.Process)
}

func (p *localProcess) Dial(port int) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

// Pid is the kernel's process id.
func (p *localProcess) Pid() int { return p.cmd.Process.Pid }

// Logs returns the end of what the kernel wrote to stdout and stderr.
func (p *localProcess) Logs() string { return p.logs.String() }

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
