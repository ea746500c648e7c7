//go:build !linux

package main

import (
	"errors"
	"time"
)

// evict is Linux-only here: elsewhere the cold rows are left out.
func evict(...string) error { return errors.ErrUnsupported }

// cpuTime is not measured here: the benchmarks run on Linux.
func cpuTime() time.Duration { return 0 }
