//go:build !unix

// Package cputime reads the CPU time the process has used, for benchmarks that report CPU per
// operation beside wall time (CPU varies less on a busy machine).
package cputime

import "time"

// Process is not measured on this system: it returns 0, and benchmarks report a CPU figure of 0.
func Process() time.Duration { return 0 }
