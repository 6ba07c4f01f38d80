package search

import (
	"sync"
	"time"
)

// facetCache keeps facet counts per normalised query and filters for a short time: facets cost
// most of a search (docs/PERFORMANCE.md), and paging or re-sorting the same search reuses them.
// It also remembers whether exact words found enough, so a page-2 request takes the same path.
type facetCache struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu sync.Mutex
	m  map[string]facetEntry
}

type facetEntry struct {
	facets  Facets
	fuzzy   bool
	exact   uint64 // products the exact words matched, before any typo pass
	expires time.Time
}

func newFacetCache(ttl time.Duration, max int) *facetCache {
	return &facetCache{ttl: ttl, max: max, now: time.Now, m: make(map[string]facetEntry)}
}

func (c *facetCache) get(key string) (facetEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || c.now().After(e.expires) {
		return facetEntry{}, false
	}
	return e, true
}

func (c *facetCache) put(key string, e facetEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if len(c.m) >= c.max {
		// Drop the expired entries; if all are fresh, start over rather than track recency:
		// the cache only needs to absorb bursts of the same search.
		for k, v := range c.m {
			if now.After(v.expires) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= c.max {
			clear(c.m)
		}
	}
	e.expires = now.Add(c.ttl)
	c.m[key] = e
}

// clear forgets every entry, for a change (such as stock) that alters counts of past searches.
func (c *facetCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
}
