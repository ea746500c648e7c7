//go:build unix

package kernel

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

// setProcessGroup gives the kernel its own process group.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// parentEnv tells ipykernel who its parent is: it then exits by itself when
// this process goes away, even after a kill -9 (its parent poller).
func parentEnv() []string {
	return []string{"JPY_PARENT_PID=" + strconv.Itoa(os.Getpid())}
}

// interruptProcess sends SIGINT to the kernel's process group.
func interruptProcess(p *os.Process) error {
	return signalGroup(p, syscall.SIGINT)
}

// killProcess sends SIGKILL to the kernel's process group, so processes the
// kernel started go too.
func killProcess(p *os.Process) error {
	return signalGroup(p, syscall.SIGKILL)
}

func signalGroup(p *os.Process, sig syscall.Signal) error {
	err := syscall.Kill(-p.Pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		// The group is gone (or was never made): signal the process itself.
		err = p.Signal(sig)
		if errors.Is(err, os.ErrProcessDone) {
			return nil
		}
	}
	return err
}

// sameEnvName: Unix variable names are case-sensitive.
func sameEnvName(a, b string) bool { return a == b }
