package search

import (
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/edgengram"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
)

// Index field names. Text fields are analysed for full-text search; keyword fields hold exact
// values for filters and facets, because facets on keywords cost a fraction of numeric range
// facets (docs/PERFORMANCE.md).
const (
	fTitle       = "title"       // text, English
	fBrand       = "brand"       // text, English
	fDescription = "description" // text, English
	fAttrText    = "attr_text"   // text, English: attribute and option values
	fSuggest     = "suggest"     // edge n-grams of title and brand words
	fBrandKey    = "brand_key"   // keyword
	fCategory    = "category"    // keyword, the product's categories and their ancestors
	fAttr        = "attr"        // keyword, "name=value" lowercased, for filters
	fAttrFacet   = "attr_facet"  // keyword, the same without numbers, for the facet
	fPriceBand   = "price_band"  // keyword, see priceBands
	fPrice       = "price"       // number, cheapest variant in minor units, for range filters
	fPriceSort   = "price_sort"  // keyword, the same zero-padded, for sorting
	fCreatedSort = "created"     // keyword, unix milliseconds zero-padded, for sorting
	fInStock     = "in_stock"    // boolean
	fHit         = "hit"         // stored only: the Hit as JSON, so results need no second read
)

// suggestAnalyzer indexes every front edge of each word, 1 to 20 letters, so a prefix is one
// term lookup; queries against the field use searchSuggestAnalyzer, which does not split words.
const (
	edgeFilter            = "pasar_edge_1_20"
	suggestAnalyzer       = "pasar_suggest"
	searchSuggestAnalyzer = "pasar_suggest_query"
)

// textAnalyzer stems English so "running shoes" finds "run" and "shoe".
const textAnalyzer = en.AnalyzerName

// newMapping describes the product document the index holds.
func newMapping() (*mapping.IndexMappingImpl, error) {
	im := bleve.NewIndexMapping()
	if err := im.AddCustomTokenFilter(edgeFilter, map[string]any{
		"type": edgengram.Name, "min": 1.0, "max": 20.0,
	}); err != nil {
		return nil, err
	}
	if err := im.AddCustomAnalyzer(suggestAnalyzer, map[string]any{
		"type": custom.Name, "tokenizer": unicode.Name,
		"token_filters": []any{lowercase.Name, edgeFilter},
	}); err != nil {
		return nil, err
	}
	if err := im.AddCustomAnalyzer(searchSuggestAnalyzer, map[string]any{
		"type": custom.Name, "tokenizer": unicode.Name,
		"token_filters": []any{lowercase.Name},
	}); err != nil {
		return nil, err
	}

	text := func(store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = textAnalyzer
		f.Store = store
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}
	kw := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = true // facets read doc values
		return f
	}
	kwFilter := func() *mapping.FieldMapping {
		f := kw()
		f.DocValues = false // only ever filtered on
		return f
	}
	// Numbers are indexed as 16 terms each (for range queries), and sorting on one reads all
	// of them for every match; a zero-padded keyword sorts the same way from a single term, which
	// made sorting 100k matches several times faster.
	num := func() *mapping.FieldMapping {
		f := bleve.NewNumericFieldMapping()
		f.Store = false
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	suggest := bleve.NewTextFieldMapping()
	suggest.Analyzer = suggestAnalyzer
	suggest.Store = false
	suggest.IncludeInAll = false
	suggest.IncludeTermVectors = false
	suggest.DocValues = false
	inStock := bleve.NewBooleanFieldMapping()
	inStock.Store = false
	inStock.IncludeInAll = false
	hit := bleve.NewTextFieldMapping()
	hit.Index = false
	hit.Store = true
	hit.IncludeInAll = false
	hit.DocValues = false

	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(fTitle, text(false))
	dm.AddFieldMappingsAt(fBrand, text(false))
	dm.AddFieldMappingsAt(fDescription, text(false))
	dm.AddFieldMappingsAt(fAttrText, text(false))
	dm.AddFieldMappingsAt(fSuggest, suggest)
	dm.AddFieldMappingsAt(fBrandKey, kw())
	dm.AddFieldMappingsAt(fCategory, kw())
	dm.AddFieldMappingsAt(fAttr, kwFilter())
	dm.AddFieldMappingsAt(fAttrFacet, kw())
	dm.AddFieldMappingsAt(fPriceBand, kw())
	dm.AddFieldMappingsAt(fPrice, num())
	dm.AddFieldMappingsAt(fPriceSort, kw())
	dm.AddFieldMappingsAt(fCreatedSort, kw())
	dm.AddFieldMappingsAt(fInStock, inStock)
	dm.AddFieldMappingsAt(fHit, hit)
	im.DefaultMapping = dm
	im.DefaultAnalyzer = textAnalyzer
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false
	return im, nil
}
