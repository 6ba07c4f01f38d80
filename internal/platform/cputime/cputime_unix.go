//go:build unix

// Package cputime reads the CPU time the process has used, for benchmarks that report CPU per
// operation beside wall time (CPU varies less on a busy machine).
package cputime

import (
	"syscall"
	"time"
)

// Process returns the CPU time (user and system) this process has used so far, or 0 where it
// cannot be read.
func Process() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
