//go:build windows

package kernel

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// setProcessGroup starts the kernel in a new process group, so a console
// Ctrl+C aimed at the app does not reach it.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

// parentEnv is empty on Windows: ipykernel expects JPY_PARENT_PID to be an
// inheritable process handle there, not a pid.
func parentEnv() []string { return nil }

// interruptProcess: Windows has no SIGINT for another process. ipykernel's
// Windows interrupt needs an inheritable event (JPY_INTERRUPT_EVENT), which
// this launcher does not create; the client falls back to interrupt_request.
func interruptProcess(*os.Process) error { return errNoSignals }

func killProcess(p *os.Process) error {
	err := p.Kill()
	if errors.Is(err, os.ErrProcessDone) {
		return nil
	}
	return err
}

// sameEnvName: Windows variable names are not case-sensitive.
func sameEnvName(a, b string) bool { return strings.EqualFold(a, b) }
