package gateway

import (
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Balancing policies.
const (
	RoundRobin = "round-robin"
	LeastConn  = "least-conn"
)

// maxReplicas bounds a service's replicas so the replicas one request tried fit in a bit set.
const maxReplicas = 64

// replica is one process serving a service.
type replica struct {
	base     *url.URL
	name     string // host:port, the metrics label
	index    int
	inFlight atomic.Int64
	healthy  atomic.Bool
	fails    atomic.Int32 // consecutive failed requests (passive) since the last success
	m        *replicaMetrics
	conns    *conns // keep-alive connections for plain requests

	mu           sync.Mutex
	checkFails   int       // consecutive failed health checks (active)
	ejectedUntil time.Time // a passively ejected replica stays out at least until then
}

// pool is the replicas of one service and the policy that picks among them.
type pool struct {
	service   string
	replicas  []*replica
	leastConn bool
	next      atomic.Uint64
}

// pick returns the replica for the next attempt of a request that has tried the replicas in
// tried (a bit per index): a healthy one by the pool's policy, else, as a last resort, any
// untried one, because a replica marked down may have come back since. nil: none left.
func (p *pool) pick(tried uint64) *replica {
	n := len(p.replicas)
	if n == 1 {
		if tried&1 != 0 {
			return nil
		}
		return p.replicas[0]
	}
	start := int(p.next.Add(1) % uint64(n))
	var best, fallback *replica
	for i := range n {
		r := p.replicas[(start+i)%n]
		if tried&(1<<r.index) != 0 {
			continue
		}
		if !r.healthy.Load() {
			if fallback == nil {
				fallback = r
			}
			continue
		}
		if !p.leastConn {
			return r
		}
		if best == nil || r.inFlight.Load() < best.inFlight.Load() {
			best = r
		}
	}
	if best != nil {
		return best
	}
	return fallback
}

// healthyCount returns how many replicas are in rotation.
func (p *pool) healthyCount() int {
	n := 0
	for _, r := range p.replicas {
		if r.healthy.Load() {
			n++
		}
	}
	return n
}
