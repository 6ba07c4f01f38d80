package search

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// fuzzyBelow is how few exact matches count as "little": below it, Search tries again allowing
// one typo per long word.
const fuzzyBelow = 3

// Facet request names and how many values each returns.
const (
	facetCategory = "category"
	facetBrand    = "brand"
	facetPrice    = "price"
	facetAttr     = "attr"
	facetSize     = 50
	attrFacetSize = 200
)

// Search runs q: exact words first, and one typo per long word only when exact words find
// fewer than fuzzyBelow products. Facets come from the cache when the same words and filters were
// counted a moment ago.
func (x *Index) Search(ctx context.Context, q Query) (Result, error) {
	if err := q.Validate(); err != nil {
		return Result{}, err
	}
	terms := x.terms(q.Text)
	filters := filterQuery(q)
	key := cacheKey(terms, q)
	cached, hit := x.facets.get(key)

	fuzzy := hit && cached.fuzzy
	res, err := x.run(ctx, q, fullQuery(terms, fuzzy, filters), !hit)
	if err != nil {
		return Result{}, err
	}
	if !hit && res.Total < fuzzyBelow && canFuzz(terms) {
		fuzzy = true
		if res, err = x.run(ctx, q, fullQuery(terms, true, filters), true); err != nil {
			return Result{}, err
		}
	}
	out := Result{Total: res.Total, Page: q.Page, PageSize: q.PageSize, Fuzzy: fuzzy, Hits: hits(res)}
	if hit {
		out.Facets = cached.facets
	} else {
		out.Facets = facets(res)
		x.facets.put(key, facetEntry{facets: out.Facets, fuzzy: fuzzy})
	}
	return out, nil
}

// run asks the index for one page of qq, with facets when withFacets is set.
func (x *Index) run(ctx context.Context, q Query, qq query.Query, withFacets bool) (*bleve.SearchResult, error) {
	req := bleve.NewSearchRequestOptions(qq, q.PageSize, (q.Page-1)*q.PageSize, false)
	req.Fields = []string{fHit}
	// One sort key each: a tie-breaker such as _id would be read for every match, not just the
	// page, and costs more than the rest of the search.
	switch {
	case q.Sort == SortPriceAsc:
		req.SortBy([]string{fPriceSort})
	case q.Sort == SortPriceDesc:
		req.SortBy([]string{"-" + fPriceSort})
	case q.Sort == SortNewest || strings.TrimSpace(q.Text) == "":
		req.SortBy([]string{"-" + fCreatedSort})
	default:
		req.SortBy([]string{"-_score"})
	}
	if q.Sort != SortRelevance || strings.TrimSpace(q.Text) == "" {
		req.Score = bleve.ScoreNone // the order ignores scores, so do not compute them
	}
	if withFacets {
		req.AddFacet(facetCategory, bleve.NewFacetRequest(fCategory, facetSize))
		req.AddFacet(facetBrand, bleve.NewFacetRequest(fBrandKey, facetSize))
		req.AddFacet(facetPrice, bleve.NewFacetRequest(fPriceBand, len(priceBands)))
		req.AddFacet(facetAttr, bleve.NewFacetRequest(fAttrFacet, attrFacetSize))
	}
	res, err := x.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return res, nil
}

func hits(res *bleve.SearchResult) []Hit {
	out := make([]Hit, 0, len(res.Hits))
	for _, d := range res.Hits {
		var h Hit
		if s, ok := d.Fields[fHit].(string); ok {
			_ = json.Unmarshal([]byte(s), &h) // written by document; a bad one still shows its id
		}
		h.ID = d.ID
		h.Score = d.Score
		out = append(out, h)
	}
	return out
}

func facets(res *bleve.SearchResult) Facets {
	f := Facets{
		Categories: []FacetValue{}, Brands: []FacetValue{}, Prices: []FacetValue{},
		Attributes: map[string][]FacetValue{},
	}
	terms := func(name string) []FacetValue {
		fr := res.Facets[name]
		if fr == nil || fr.Terms == nil {
			return []FacetValue{}
		}
		out := []FacetValue{}
		for _, t := range fr.Terms.Terms() {
			out = append(out, FacetValue{Value: t.Term, Count: t.Count})
		}
		return out
	}
	f.Categories = terms(facetCategory)
	f.Brands = terms(facetBrand)
	counts := map[string]int{}
	for _, v := range terms(facetPrice) {
		counts[v.Value] = v.Count
	}
	for _, b := range priceBands {
		if n := counts[b.Key]; n > 0 {
			fv := FacetValue{Value: b.Key, Count: n, Min: &b.Min}
			if b.Max > 0 {
				fv.Max = &b.Max
			}
			f.Prices = append(f.Prices, fv)
		}
	}
	for _, v := range terms(facetAttr) {
		name, value, ok := strings.Cut(v.Value, "=")
		if ok {
			f.Attributes[name] = append(f.Attributes[name], FacetValue{Value: value, Count: v.Count})
		}
	}
	for _, vs := range f.Attributes {
		slices.SortStableFunc(vs, func(a, b FacetValue) int { return b.Count - a.Count })
	}
	return f
}
