package search

import (
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/edgengram"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
)

// Index field names. Bleve only matches text; filters, facets and sorting read the in-memory
// table (table.go), which is loaded from the stored row field.
const (
	fTitle       = "title"       // text, English
	fBrand       = "brand"       // text, English
	fDescription = "description" // text, English
	fAttrText    = "attr_text"   // text, English: attribute and option values
	fSuggest     = "suggest"     // edge n-grams of title and brand words
	fHit         = "hit"         // stored only: the Hit as JSON, so results need no second read
	fRow         = "row"         // stored only: the rowDoc the in-memory table loads at start
	fRID         = "rid"         // doc value only: the row number in the table, base 36
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
	suggest := bleve.NewTextFieldMapping()
	suggest.Analyzer = suggestAnalyzer
	suggest.Store = false
	suggest.IncludeInAll = false
	suggest.IncludeTermVectors = false
	suggest.DocValues = false
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
	dm.AddFieldMappingsAt(fHit, hit)
	dm.AddFieldMappingsAt(fRow, hit)
	rid := bleve.NewKeywordFieldMapping()
	rid.Store = false
	rid.IncludeInAll = false
	rid.IncludeTermVectors = false
	rid.DocValues = true
	dm.AddFieldMappingsAt(fRID, rid)
	im.DefaultMapping = dm
	im.DefaultAnalyzer = textAnalyzer
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false
	return im, nil
}
