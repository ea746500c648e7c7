//go:build !unix

package main

import "time"

func syncDisks() {}

// cpuTime is not measured here: the figures print 0.
func cpuTime() time.Duration { return 0 }
