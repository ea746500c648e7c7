package kernel

import (
	"context"
	"errors"
)

// A Launcher starts kernel processes. LocalLauncher runs them on this machine;
// a Docker launcher runs them in a container. The client does the rest: it
// writes the connection file, dials the ports, and speaks the protocol.
//
// A Docker launcher, for example, is used with
//
//	Options{IP: "0.0.0.0", RuntimeDir: scratch, ConnectionFile: func(p string) string {
//		return path.Join("/scratch", filepath.Base(p)) // scratch is bind-mounted there
//	}}
//
// so the kernel listens on all of the container's interfaces. Its Launch creates
// a container that runs ls.Argv with ls.Env (not the app's environment),
// publishes each of ls.Ports on 127.0.0.1 only (a random host port each), and
// starts it; its Process.Dial maps a kernel port to the published
// "127.0.0.1:hostport". The kernel reads ls.ConnectionFile, which is the path
// of ls.HostConnectionFile inside the container.
type Launcher interface {
	// Launch starts the kernel process. It returns once the process has been
	// started, not once the kernel answers; the client waits for that. The
	// context bounds the launch itself, not the process's life.
	Launch(ctx context.Context, ls LaunchSpec) (Process, error)
}

// LaunchSpec is what a Launcher needs to start one kernel process.
type LaunchSpec struct {
	Argv               []string          // the spec's argv, {connection_file} already replaced with ConnectionFile
	Env                map[string]string // the spec's env merged with Options.Env
	ConnectionFile     string            // the connection file's path as the kernel process sees it
	HostConnectionFile string            // where the client wrote it, on this machine
	Ports              Ports             // the ports written in the connection file
	// Unsetenv (Options.Unsetenv) names variables of this process's
	// environment the kernel must not inherit. A launcher that passes the
	// kernel only Env (a container) has nothing to drop.
	Unsetenv []string
}

// Ports are the five kernel ports of a connection file.
type Ports struct {
	Shell, IOPub, Stdin, Control, HB int
}

// All returns the ports in connection-file order: shell, iopub, stdin,
// control, hb.
func (p Ports) All() []int { return []int{p.Shell, p.IOPub, p.Stdin, p.Control, p.HB} }

// Process is one running kernel process.
type Process interface {
	// Wait blocks until the process has exited and returns why (nil for a
	// clean exit, e.g. *exec.ExitError otherwise). The client calls it exactly
	// once, from one goroutine, right after Launch.
	Wait() error
	// Interrupt delivers SIGINT to the kernel (locally, its process group).
	// It returns errors.ErrUnsupported where signals cannot be sent (Windows);
	// the client then sends an interrupt_request on the control channel.
	Interrupt() error
	// Kill ends the process at once; Wait then returns. Killing an exited
	// process is not an error.
	Kill() error
	// Dial returns the host:port the client dials to reach the given kernel
	// port: "127.0.0.1:port" locally, the published "127.0.0.1:hostport" for
	// a container.
	Dial(port int) string
}

// Logger is optionally implemented by a Process that keeps the kernel's
// recent stdout/stderr; the client puts its tail into start errors.
type Logger interface {
	Logs() string
}

// errNoSignals is what Process.Interrupt returns where signals are not
// available.
var errNoSignals = errors.ErrUnsupported
