//go:build windows

package docker

import (
	"errors"

	"golang.org/x/sys/windows"
)

// processAlive reports whether a process with this id is running: one that
// has exited but whose handle someone still holds can be opened, so its exit
// code tells.
func processAlive(pid int) bool {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return errors.Is(err, windows.ERROR_ACCESS_DENIED)
	}
	defer windows.CloseHandle(h)
	var code uint32
	if err := windows.GetExitCodeProcess(h, &code); err != nil {
		return true
	}
	const stillActive = 259
	return code == stillActive
}
