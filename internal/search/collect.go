package search

import (
	"container/heap"
	"math/bits"
	"slices"
	"strings"
)

// filter is Query's filters resolved against the table.
type filter struct {
	// mask has a bit per filter group (categories, brands, each attribute) and tells, for each
	// value number, which groups that value satisfies; a row matches when its values together
	// satisfy every group in want. One slice lookup per value, whatever the number of filters.
	mask     []uint32
	want     uint32
	priceMin *int64
	priceMax *int64
	inStock  *bool
	none     bool // a filter value nothing has: no product can match
}

// compileFilter resolves q's filters; the caller holds t.mu for reading. Validate keeps the
// groups (2 + MaxFilterValues attributes) within the 32 bits of a mask.
func (t *table) compileFilter(q Query) filter {
	f := filter{priceMin: q.PriceMin, priceMax: q.PriceMax, inStock: q.InStock}
	group := func(vals []string) {
		if len(vals) == 0 {
			return
		}
		bit := uint32(1) << bits.OnesCount32(f.want)
		f.want |= bit
		found := false
		for _, v := range vals {
			if n, ok := t.ids[v]; ok {
				if f.mask == nil {
					f.mask = make([]uint32, len(t.values))
				}
				f.mask[n] |= bit
				found = true
			}
		}
		if !found {
			f.none = true
		}
	}
	prefixed := func(kind byte, vs []string) []string {
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = string(kind) + v
		}
		return out
	}
	group(prefixed(kindCategory, q.Categories))
	group(prefixed(kindBrand, q.Brands))
	for name, vs := range q.Attributes {
		var all []string
		for _, v := range vs {
			pair := strings.ToLower(name) + "=" + strings.ToLower(strings.TrimSpace(v))
			all = append(all, string(kindAttr)+pair, string(kindNumAttr)+pair)
		}
		group(all)
	}
	return f
}

// priceOK reports whether price is within the filter's range.
func (f *filter) priceOK(price int64) bool {
	return (f.priceMin == nil || price >= *f.priceMin) && (f.priceMax == nil || price <= *f.priceMax)
}

func (f *filter) match(r *row) bool {
	if f.none || !f.priceOK(r.price) {
		return false
	}
	if f.inStock != nil && r.inStock != *f.inStock {
		return false
	}
	if f.want == 0 {
		return true
	}
	var got uint32
	for _, v := range r.vals {
		if int(v) < len(f.mask) {
			got |= f.mask[v]
		}
	}
	return got == f.want
}

// candidate is a match competing for a place on the page.
type candidate struct {
	id    string
	score float64
	key   int64 // price or creation time, as the sort needs
	tier  int   // by relevance, every tierTop match comes before any tierRest one
}

// collector counts facet values over every match and keeps the best k for the page.
type collector struct {
	sort   Sort
	byText bool // relevance among text matches; otherwise relevance means newest
	k      int
	counts []int // by value id; nil when facets come from the cache
	total  uint64
	best   worstFirst
}

func newCollector(q Query, byText, withFacets bool, values int) *collector {
	c := &collector{sort: q.Sort, byText: byText, k: q.Page * q.PageSize}
	c.best.c = c
	if withFacets {
		c.counts = make([]int, values)
	}
	return c
}

// add counts a match and offers it for the page.
func (c *collector) add(id string, r *row, score float64, tier int) {
	c.count(r)
	cand := candidate{id: id, score: score, key: r.created, tier: tier}
	if c.sort == SortPriceAsc || c.sort == SortPriceDesc {
		cand.key = r.price
	}
	c.offer(cand)
}

// count counts a match in the total and the facets.
func (c *collector) count(r *row) {
	c.total++
	for _, v := range r.vals {
		if int(v) < len(c.counts) {
			c.counts[v]++
		}
	}
}

// offer keeps cand if it is among the best k so far.
func (c *collector) offer(cand candidate) {
	if len(c.best.items) < c.k {
		heap.Push(&c.best, cand)
	} else if c.k > 0 && c.better(cand, c.best.items[0]) {
		c.best.items[0] = cand
		heap.Fix(&c.best, 0)
	}
}

// better orders candidates for the page (by relevance: tier, then score, then newest); ties go
// to the smaller id, so pages are stable.
func (c *collector) better(a, b candidate) bool {
	if c.sort == SortRelevance && c.byText {
		if a.tier != b.tier {
			return a.tier < b.tier
		}
		if a.score != b.score {
			return a.score > b.score
		}
	}
	if a.key != b.key {
		if c.sort == SortPriceAsc {
			return a.key < b.key
		}
		return a.key > b.key // price descending, newest, and relevance ties
	}
	return a.id < b.id
}

// page returns the ids of the requested page, best first.
func (c *collector) page(q Query) []candidate {
	all := slices.Clone(c.best.items)
	slices.SortFunc(all, func(a, b candidate) int {
		if c.better(a, b) {
			return -1
		}
		if c.better(b, a) {
			return 1
		}
		return 0
	})
	from := (q.Page - 1) * q.PageSize
	if from >= len(all) {
		return nil
	}
	return all[from:min(from+q.PageSize, len(all))]
}

// worstFirst is a heap whose top is the worst candidate kept, the first to give way.
type worstFirst struct {
	c     *collector
	items []candidate
}

func (h *worstFirst) Len() int           { return len(h.items) }
func (h *worstFirst) Less(i, j int) bool { return h.c.better(h.items[j], h.items[i]) }
func (h *worstFirst) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *worstFirst) Push(x any)         { h.items = append(h.items, x.(candidate)) }
func (h *worstFirst) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
