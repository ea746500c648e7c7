//go:build !unix

package main

import "time"

// cpuTime is not measured here: the benchmarks run on Linux.
func cpuTime() time.Duration { return 0 }
