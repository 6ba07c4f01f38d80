package search

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// term is one analysed word of the query text: its stemmed form, and how many letters the word
// had as typed, which decides whether a typo is allowed in it.
type term struct {
	text  string
	runes int
}

// minFuzzyRunes is the shortest word that may match with one edit; shorter words have too many
// one-edit neighbours ("cat" would find "car", "hat", "cap").
const minFuzzyRunes = 5

// fieldBoosts weighs where a word is found: a title match counts most.
var fieldBoosts = []struct {
	field string
	boost float64
}{{fTitle, 3}, {fBrand, 2}, {fAttrText, 1.5}, {fDescription, 1}}

// terms analyses text as the index analysed the products, so stemming and stop words agree. The
// text is only ever tokenised, never parsed as query syntax, so "+", "-", ":" and quotes are
// plain separators.
func (x *Index) terms(text string) []term {
	a := x.idx.Mapping().AnalyzerNamed(textAnalyzer)
	if a == nil || strings.TrimSpace(text) == "" {
		return nil
	}
	var out []term
	for _, tok := range a.Analyze([]byte(text)) {
		t := term{text: string(tok.Term), runes: utf8.RuneCount([]byte(text)[tok.Start:tok.End])}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
		if len(out) == MaxQueryTerms {
			break
		}
	}
	return out
}

// canFuzz reports whether a fuzzy pass could find more than the exact one.
func canFuzz(terms []term) bool {
	return slices.ContainsFunc(terms, func(t term) bool { return t.runes >= minFuzzyRunes })
}

// cacheKey normalises the parts of q that decide which products match, so that the same search
// on another page, in another order, or typed with other spacing or case shares facets.
func cacheKey(terms []term, q Query) string {
	var b strings.Builder
	for _, t := range terms {
		b.WriteString(t.text)
		b.WriteByte(' ')
	}
	list := func(name string, vs []string) {
		vs = slices.Clone(vs)
		slices.Sort(vs)
		b.WriteString("\x00" + name + "\x00" + strings.Join(slices.Compact(vs), "\x01"))
	}
	list("c", q.Categories)
	list("b", q.Brands)
	for _, name := range slices.Sorted(maps.Keys(q.Attributes)) {
		vs := make([]string, len(q.Attributes[name]))
		for i, v := range q.Attributes[name] {
			vs[i] = strings.ToLower(strings.TrimSpace(v))
		}
		list("a."+strings.ToLower(name), vs)
	}
	if q.PriceMin != nil {
		b.WriteString("\x00min" + strconv.FormatInt(*q.PriceMin, 10))
	}
	if q.PriceMax != nil {
		b.WriteString("\x00max" + strconv.FormatInt(*q.PriceMax, 10))
	}
	if q.InStock != nil {
		b.WriteString("\x00stock" + map[bool]string{true: "1", false: "0"}[*q.InStock])
	}
	return b.String()
}
