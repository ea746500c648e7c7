//go:build unix

package main

import (
	"syscall"
	"time"
)

// syncDisks writes out the dirty pages of the run before, so that one
// side's downloads are not slowed by flushing the other's.
func syncDisks() { syscall.Sync() }

// cpuTime is the user + system time of the whole process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
