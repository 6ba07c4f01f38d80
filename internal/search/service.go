// Package search is the search service: a read model of the catalog, built only from its
// product.upserted and product.deleted events, answering full-text queries with filters, facets and
// suggestions. Callers depend on Service, so another backend (OpenSearch, Elasticsearch) can
// replace the embedded Bleve index without touching them.
package search

import (
	"context"

	"github.com/pasarhq/pasar/internal/catalog"
)

// Service answers shoppers' searches. Implementations validate a Query themselves (with
// Query.Validate) so that every backend rejects the same input the same way.
type Service interface {
	// Search returns one page of products matching q, with facet counts over all of them.
	Search(ctx context.Context, q Query) (Result, error)
	// Suggest completes the words a shopper is typing into up to MaxSuggestions product titles.
	Suggest(ctx context.Context, prefix string) ([]Suggestion, error)
}

// Sort orders search hits.
type Sort string

// Sort orders. Relevance is the default; without query text it falls back to newest first.
const (
	SortRelevance Sort = "relevance"
	SortPriceAsc  Sort = "price_asc"
	SortPriceDesc Sort = "price_desc"
	SortNewest    Sort = "newest"
)

// Query is one search: text, filters, order and page. Filters of different kinds combine with
// AND; several values of one filter combine with OR.
type Query struct {
	Text       string              // free text; empty lists every product
	Categories []string            // category slugs; a product in a descendant category matches too
	Brands     []string            // exact brand names, as the brand facet reports them
	PriceMin   *int64              // minor units, inclusive, against the cheapest variant
	PriceMax   *int64              // minor units, inclusive
	Attributes map[string][]string // attribute or variant option name -> accepted values (case-insensitive)
	InStock    *bool               // nil: either
	Sort       Sort                // empty means SortRelevance
	Page       int                 // 1-based; 0 means 1
	PageSize   int                 // 0 means DefaultPageSize
}

// Result is one page of hits and the facet counts over every match.
type Result struct {
	Total    uint64 `json:"total"`
	Page     int    `json:"page"`
	PageSize int    `json:"page_size"`
	// Exact is how many products the words matched as typed; when it is under Total the rest
	// were found by the typo pass.
	Exact uint64 `json:"exact"`
	// Fuzzy tells that exact words found too little and the hits allow one typo per long word.
	Fuzzy  bool   `json:"fuzzy"`
	Hits   []Hit  `json:"hits"`
	Facets Facets `json:"facets"`
}

// Hit is a product as a search result shows it.
type Hit struct {
	ID    string        `json:"id"`
	Slug  string        `json:"slug"`
	Title string        `json:"title"`
	Brand string        `json:"brand,omitempty"`
	Price catalog.Money `json:"price"` // the cheapest variant's
	Image string        `json:"image,omitempty"`
	Score float64       `json:"score"`
}

// Facets counts the matching products per value of each facet.
type Facets struct {
	Categories []FacetValue            `json:"category"`
	Brands     []FacetValue            `json:"brand"`
	Prices     []FacetValue            `json:"price"`
	Attributes map[string][]FacetValue `json:"attributes"`
}

// FacetValue is one value of a facet and how many matching products have it. Price buckets also
// carry their bounds in minor units (Max is exclusive, nil for the top bucket).
type FacetValue struct {
	Value string `json:"value"`
	Count int    `json:"count"`
	Min   *int64 `json:"min,omitempty"`
	Max   *int64 `json:"max,omitempty"`
}

// Suggestion is one completion for a search box.
type Suggestion struct {
	Text string `json:"text"`
	ID   string `json:"id"`
	Slug string `json:"slug"`
}
