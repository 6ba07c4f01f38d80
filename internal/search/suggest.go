package search

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// maxPrefixRunes bounds what Suggest looks at; a search box prefix is a few words at most.
const maxPrefixRunes = 100

// Suggest completes prefix into product titles: every word of prefix must begin a word of the
// title or brand. Each word is one term lookup in the edge n-gram field, which is why this is
// fast (docs/PERFORMANCE.md). Too long a prefix is cut rather than rejected, as it arrives with
// every keystroke.
func (x *Index) Suggest(ctx context.Context, prefix string) ([]Suggestion, error) {
	prefix = strings.ToValidUTF8(prefix, "")
	if utf8.RuneCountInString(prefix) > maxPrefixRunes {
		prefix = string([]rune(prefix)[:maxPrefixRunes])
	}
	a := x.idx.Mapping().AnalyzerNamed(searchSuggestAnalyzer)
	if a == nil {
		return nil, fmt.Errorf("suggest: analyzer %s missing", searchSuggestAnalyzer)
	}
	var words []query.Query
	for _, tok := range a.Analyze([]byte(prefix)) {
		w := string(tok.Term)
		if utf8.RuneCountInString(w) > 20 { // longer words are indexed only up to 20 letters
			w = string([]rune(w)[:20])
		}
		tq := bleve.NewTermQuery(w)
		tq.SetField(fSuggest)
		words = append(words, tq)
		if len(words) == MaxQueryTerms {
			break
		}
	}
	if len(words) == 0 {
		return []Suggestion{}, nil
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(words...), MaxSuggestions*2, 0, false)
	req.Fields = []string{fHit}
	res, err := x.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("suggest: %w", err)
	}
	out := []Suggestion{}
	seen := map[string]bool{}
	for _, d := range res.Hits {
		var h Hit
		if s, ok := d.Fields[fHit].(string); !ok || json.Unmarshal([]byte(s), &h) != nil {
			continue
		}
		// Variants of one title (several colours of the same shirt) suggest it once.
		if k := strings.ToLower(h.Title); !seen[k] {
			seen[k] = true
			out = append(out, Suggestion{Text: h.Title, ID: d.ID, Slug: h.Slug})
		}
		if len(out) == MaxSuggestions {
			break
		}
	}
	return out, nil
}
