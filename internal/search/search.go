package search

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	index "github.com/blevesearch/bleve_index_api"
)

// fuzzyBelow is how few exact matches count as "little": below it, Search tries again allowing
// one typo per long word.
const fuzzyBelow = 3

// facetSize is how many values the category, brand and each attribute facet return.
const facetSize = 50

// Search runs q: exact words first, and one typo per long word only when exact words find
// fewer than fuzzyBelow products. Bleve finds the text matches (with the filters); counting
// facets and ordering the page read the in-memory table. A query without text does not touch
// Bleve until it loads the page's hits. Facets come from the cache when the same words and
// filters were counted a moment ago.
func (x *Index) Search(ctx context.Context, q Query) (Result, error) {
	if err := q.Validate(); err != nil {
		return Result{}, err
	}
	terms := x.terms(q.Text)
	key := cacheKey(terms, q)
	cached, hit := x.facets.get(key)

	// The table first, then the index: writes go to the index before the table and leave the
	// table before the index, so every live row is in the snapshot read here.
	x.tab.mu.RLock()
	defer x.tab.mu.RUnlock()
	r, err := x.reader()
	if err != nil {
		return Result{}, err
	}
	defer r.Close()

	fuzzy := hit && cached.fuzzy
	c, err := x.collect(ctx, r, q, terms, fuzzy, !hit)
	if err != nil {
		return Result{}, err
	}
	exact := c.total
	if hit {
		exact = cached.exact
	}
	if !hit && c.total < fuzzyBelow && canFuzz(terms) {
		fuzzy = true
		if c, err = x.collect(ctx, r, q, terms, true, true); err != nil {
			return Result{}, err
		}
	}
	out := Result{Total: c.total, Exact: exact, Page: q.Page, PageSize: q.PageSize, Fuzzy: fuzzy}
	if out.Hits, err = hits(r, c.page(q)); err != nil {
		return Result{}, err
	}
	if hit {
		out.Facets = cached.facets
	} else {
		out.Facets = x.tab.facets(c.counts)
		x.facets.put(key, facetEntry{facets: out.Facets, fuzzy: fuzzy, exact: exact})
	}
	return out, nil
}

func (x *Index) reader() (index.IndexReader, error) {
	adv, err := x.idx.Advanced()
	if err != nil {
		return nil, err
	}
	return adv.Reader()
}

// collect gathers every match of q; the caller holds x.tab.mu for reading.
func (x *Index) collect(ctx context.Context, r index.IndexReader, q Query, terms []term, fuzzy, withFacets bool) (*collector, error) {
	c := newCollector(q, len(terms) > 0, withFacets, len(x.tab.values))
	f := x.tab.compileFilter(q)
	if f.none {
		return c, nil
	}
	if len(terms) == 0 {
		// Newest rows are at the end, and newest first is the usual order: scanning backwards
		// fills the page early, so later rows are turned away with a single comparison.
		for i := len(x.tab.rows) - 1; i >= 0; i-- {
			if i%4096 == 0 && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if row := &x.tab.rows[i]; row.live && f.match(row) {
				c.add(x.tab.docs[i], row, 0, tierTop)
			}
		}
		return c, nil
	}
	return c, x.matchText(ctx, r, terms, fuzzy, &f, c)
}

// hits loads the stored summaries of the page's products.
func hits(r index.IndexReader, page []candidate) ([]Hit, error) {
	out := make([]Hit, 0, len(page))
	for _, c := range page {
		raw, err := storedField(r, c.id, fHit)
		if err != nil {
			return nil, fmt.Errorf("search: load %s: %w", c.id, err)
		}
		var h Hit
		_ = json.Unmarshal(raw, &h) // written by document; a bad one still shows its id
		h.ID, h.Score = c.id, c.score
		out = append(out, h)
	}
	return out, nil
}

// facets turns value counts into the facets; the caller holds t.mu for reading.
func (t *table) facets(counts []int) Facets {
	f := Facets{Categories: []FacetValue{}, Brands: []FacetValue{}, Prices: []FacetValue{}, Attributes: map[string][]FacetValue{}}
	bands := map[string]int{}
	for id, n := range counts {
		if n == 0 {
			continue
		}
		v := t.values[id]
		kind, value := v[0], v[1:]
		switch kind {
		case kindCategory:
			f.Categories = append(f.Categories, FacetValue{Value: value, Count: n})
		case kindBrand:
			f.Brands = append(f.Brands, FacetValue{Value: value, Count: n})
		case kindBand:
			bands[value] = n
		case kindAttr:
			if name, val, ok := strings.Cut(value, "="); ok {
				f.Attributes[name] = append(f.Attributes[name], FacetValue{Value: val, Count: n})
			}
		}
	}
	top := func(vs []FacetValue) []FacetValue {
		slices.SortFunc(vs, func(a, b FacetValue) int {
			if a.Count != b.Count {
				return b.Count - a.Count
			}
			return strings.Compare(a.Value, b.Value)
		})
		return vs[:min(len(vs), facetSize)]
	}
	f.Categories, f.Brands = top(f.Categories), top(f.Brands)
	for name, vs := range f.Attributes {
		f.Attributes[name] = top(vs)
	}
	for _, b := range priceBands {
		if n := bands[b.Key]; n > 0 {
			fv := FacetValue{Value: b.Key, Count: n, Min: &b.Min}
			if b.Max > 0 {
				fv.Max = &b.Max
			}
			f.Prices = append(f.Prices, fv)
		}
	}
	return f
}
