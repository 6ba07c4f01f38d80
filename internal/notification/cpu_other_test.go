//go:build !unix

package notification

import "time"

// processCPU is not measured here; the benchmark then reports a CPU figure of 0.
func processCPU() time.Duration { return 0 }
