// Package ratelimit limits requests per key (a client address, an account) with token buckets:
// each key may burst up to Burst requests, then gets Rate requests per second. Buckets live in
// process memory (Memory) or in Redis (Redis), where every replica of a process shares them.
package ratelimit

import (
	"context"
	"time"
)

// Rate is a token bucket's shape: Burst requests at once, refilled at PerSecond.
type Rate struct {
	PerSecond float64
	Burst     int
}

// Enabled reports whether the rate limits anything; a zero rate means no limit.
func (r Rate) Enabled() bool { return r.PerSecond > 0 && r.Burst > 0 }

// Store takes one token from the bucket of key, creating it full. When the bucket is empty it
// refuses and says how long until a token is back.
type Store interface {
	Take(ctx context.Context, key string, r Rate) (ok bool, retryAfter time.Duration, err error)
}

// refill computes a bucket's state at now: tokens after refilling since last, then the outcome of
// taking one. Memory uses it directly; the Redis script is the same arithmetic in Lua.
func refill(tokens float64, last, now time.Time, r Rate) (left float64, ok bool, retryAfter time.Duration) {
	if elapsed := now.Sub(last); elapsed > 0 {
		tokens += elapsed.Seconds() * r.PerSecond
	}
	tokens = min(tokens, float64(r.Burst))
	if tokens >= 1 {
		return tokens - 1, true, 0
	}
	wait := time.Duration((1 - tokens) / r.PerSecond * float64(time.Second))
	return tokens, false, max(wait, time.Millisecond)
}
