package ratelimit

import (
	"context"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// Memory keeps buckets in this process: the all-in-one shape. Buckets that have refilled are
// dropped on a sweep, so memory follows the number of recently active keys.
type Memory struct {
	now       func() time.Time
	seed      maphash.Seed
	lastSweep atomic.Int64 // unix nanoseconds
	shards    [32]memShard
}

type memShard struct {
	sync.Mutex
	buckets map[string]bucket
}

type bucket struct {
	tokens float64
	last   time.Time
	full   time.Time // when the bucket is full again if left alone; sweeps drop it after that
}

// sweepEvery bounds how often a shard looks for buckets to drop.
const sweepEvery = time.Minute

// NewMemory returns an empty in-process store. now is the clock (nil: time.Now).
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	m := &Memory{now: now, seed: maphash.MakeSeed()}
	for i := range m.shards {
		m.shards[i].buckets = map[string]bucket{}
	}
	return m
}

// Take implements Store.
func (m *Memory) Take(_ context.Context, key string, r Rate) (bool, time.Duration, error) {
	now := m.now()
	if last := m.lastSweep.Load(); now.UnixNano()-last > int64(sweepEvery) && m.lastSweep.CompareAndSwap(last, now.UnixNano()) {
		m.sweep(now)
	}
	s := &m.shards[maphash.String(m.seed, key)%uint64(len(m.shards))]
	s.Lock()
	defer s.Unlock()
	b, found := s.buckets[key]
	if !found {
		b = bucket{tokens: float64(r.Burst), last: now}
	}
	left, ok, retry := refill(b.tokens, b.last, now, r)
	missing := float64(r.Burst) - left
	s.buckets[key] = bucket{tokens: left, last: now,
		full: now.Add(time.Duration(missing / r.PerSecond * float64(time.Second)))}
	return ok, retry, nil
}

// sweep drops the buckets that are full again: a new bucket starts full, the same as they are.
// One caller a minute pays for it, shard by shard, so others wait on one shard at most.
func (m *Memory) sweep(now time.Time) {
	for i := range m.shards {
		s := &m.shards[i]
		s.Lock()
		for k, b := range s.buckets {
			if now.After(b.full) {
				delete(s.buckets, k)
			}
		}
		s.Unlock()
	}
}

// Len returns the number of buckets held, for tests of the sweep.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		m.shards[i].Lock()
		n += len(m.shards[i].buckets)
		m.shards[i].Unlock()
	}
	return n
}
