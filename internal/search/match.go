package search

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// Text matching reads the index's segments directly instead of going through Bleve's searchers.
// Bleve walks every match of a common word through a tree of searchers, allocating and scoring
// each one and decoding a doc value to find its row: 25-35 ms of CPU for a word found in a third
// of 100,000 products. Here each word is a union of postings bitmaps (one per field), the words
// are intersected as bitmaps, a match finds its row in a per-segment array, and only the matches
// that can reach the page are scored (see tiers below).

// maxFuzzyTerms bounds how many dictionary words one typed word expands to in the fuzzy pass.
const maxFuzzyTerms = 64

// alt is one way a query word matches: a dictionary term in one field.
type alt struct {
	field  string
	term   []byte
	boost  float64
	strong bool   // title, brand or attributes: see tiers
	df     uint64 // products with the term in the field, over all segments
}

// segMatch is what one segment contributes to a query.
type segMatch struct {
	ss    *scorch.SegmentSnapshot
	rows  []int32                  // document number -> table row
	pls   [][]segment.PostingsList // by word, then by alt
	all   *roaring.Bitmap          // documents where every word matches in some field
	inTop *roaring.Bitmap          // documents where every word matches in title, brand or attributes
}

// tiers: a product whose title, brand or attributes hold every word ranks before one that needs
// its description for some word, whatever the scores. So when the first tier fills the page,
// the second is counted (total, facets) but never scored, which is what keeps a common word
// cheap: a word in a third of the descriptions is in a few percent of the titles.
const (
	tierTop  = 0
	tierRest = 1
)

// alternatives lists each word's alts: the exact term in every field, and with fuzzy set, for
// words of minFuzzyRunes letters or more, the terms one edit away in the strong fields. The
// description is left out of the fuzzy pass: its dictionary is the largest and a typo matched
// only there rarely finds what the shopper meant.
func alternatives(snap *scorch.IndexSnapshot, terms []term, fuzzy bool) ([][]alt, error) {
	out := make([][]alt, len(terms))
	for i, t := range terms {
		for _, f := range fieldBoosts {
			out[i] = append(out[i], alt{field: f.field, term: []byte(t.text), boost: 2 * f.boost, strong: f.field != fDescription})
		}
		if !fuzzy || t.runes < minFuzzyRunes {
			continue
		}
		for _, f := range fieldBoosts {
			if f.field == fDescription {
				continue
			}
			fd, err := snap.FieldDictFuzzy(f.field, t.text, 1, "")
			if err != nil {
				return nil, err
			}
			for n := 0; n < maxFuzzyTerms; n++ {
				e, err := fd.Next()
				if err != nil || e == nil {
					fd.Close()
					if err != nil {
						return nil, err
					}
					break
				}
				if e.Term != t.text {
					out[i] = append(out[i], alt{field: f.field, term: []byte(e.Term), boost: f.boost, strong: true})
				}
			}
		}
	}
	return out, nil
}

// matchText adds every live product matching terms and f to c; the caller holds x.tab.mu for
// reading.
func (x *Index) matchText(ctx context.Context, r index.IndexReader, terms []term, fuzzy bool, f *filter, c *collector) error {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return fmt.Errorf("search: index reader is %T, not scorch", r)
	}
	alts, err := alternatives(snap, terms, fuzzy)
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	var segs []segMatch
	var docTotal uint64
	for _, ss := range snap.Segments() {
		if ss.Count() == 0 {
			continue
		}
		docTotal += ss.Count()
		sm, err := x.matchSegment(ss, alts)
		if err != nil {
			return err
		}
		if sm.all != nil && !sm.all.IsEmpty() {
			segs = append(segs, sm)
		}
	}

	relevance := c.sort == SortRelevance
	var hits [2][]scored // by tier
	n := 0
	for si := range segs {
		sm := &segs[si]
		it := sm.all.Iterator()
		for it.HasNext() {
			if n++; n%4096 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			doc := it.Next()
			// A product written a moment ago may be in the index before its row is filled; it is
			// found by the next search.
			rid := sm.rows[doc]
			if rid < 0 || int(rid) >= len(x.tab.rows) || !f.priceOK(x.tab.prices[rid]) {
				continue
			}
			row := &x.tab.rows[rid]
			if !row.live || !f.match(row) {
				continue
			}
			if !relevance {
				c.add(x.tab.docs[rid], row, 0, tierTop)
				continue
			}
			c.count(row)
			tier := tierRest
			if sm.inTop.Contains(doc) {
				tier = tierTop
			}
			hits[tier] = append(hits[tier], scored{seg: si, doc: doc, rid: rid})
		}
	}
	if !relevance {
		return nil
	}
	for tier, hs := range hits {
		if tier == tierRest && len(hits[tierTop]) >= c.k {
			break // the first tier fills the page: the rest need no scores
		}
		if err := score(segs, alts, docTotal, hs, tier == tierTop); err != nil {
			return fmt.Errorf("search: %w", err)
		}
		for _, h := range hs {
			c.offer(candidate{id: x.tab.docs[h.rid], score: h.score, key: x.tab.rows[h.rid].created, tier: tier})
		}
	}
	return nil
}

// matchSegment finds the documents of ss that match every word, and those that match every word
// in the strong fields.
func (x *Index) matchSegment(ss *scorch.SegmentSnapshot, alts [][]alt) (segMatch, error) {
	sm := segMatch{ss: ss, pls: make([][]segment.PostingsList, len(alts))}
	dicts := map[string]segment.TermDictionary{}
	for w := range alts {
		any, top := roaring.New(), roaring.New()
		sm.pls[w] = make([]segment.PostingsList, len(alts[w]))
		for i := range alts[w] {
			a := &alts[w][i]
			d, ok := dicts[a.field]
			if !ok {
				var err error
				if d, err = ss.Segment().Dictionary(a.field); err != nil {
					return sm, fmt.Errorf("search: dictionary %s: %w", a.field, err)
				}
				dicts[a.field] = d
			}
			pl, err := d.PostingsList(a.term, ss.Deleted(), nil)
			if err != nil {
				return sm, fmt.Errorf("search: postings %s:%s: %w", a.field, a.term, err)
			}
			sm.pls[w][i] = pl
			bm, err := postingsBitmap(pl)
			if err != nil {
				return sm, err
			}
			a.df += bm.GetCardinality()
			// Or only ever changes the receiver: bm may be the segment's own bitmap.
			any.Or(bm)
			if a.strong {
				top.Or(bm)
			}
		}
		if w == 0 {
			sm.all, sm.inTop = any, top
		} else {
			sm.all.And(any)
			sm.inTop.And(top)
		}
	}
	if sm.all == nil || sm.all.IsEmpty() {
		return sm, nil
	}
	var err error
	sm.rows, err = x.segRows.get(ss)
	return sm, err
}

// postingsBitmap returns the documents of pl (without deleted ones), sharing the segment's
// bitmap where it can: the caller must not change it.
func postingsBitmap(pl segment.PostingsList) (*roaring.Bitmap, error) {
	it := pl.Iterator(false, false, false, nil)
	if o, ok := it.(segment.OptimizablePostingsIterator); ok {
		if n, ok := o.DocNum1Hit(); ok {
			return roaring.BitmapOf(uint32(n)), nil
		}
		if bm := o.ActualBitmap(); bm != nil {
			return bm, nil
		}
	}
	bm := roaring.New()
	for {
		p, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("search: postings: %w", err)
		}
		if p == nil {
			return bm, nil
		}
		bm.Add(uint32(p.Number()))
	}
}

// scored is a match waiting for, or holding, its score.
type scored struct {
	seg   int
	doc   uint32
	rid   int32
	score float64
}

// score gives each hit Bleve's tf-idf score for the alts it matches: per alt,
// boost * idf^2 * sqrt(frequency) * field norm, with idf = 1 + ln(docs / (1 + df)). With
// strongOnly, for the first tier, the description is left out: those products hold every word
// in their title, brand or attributes already, and the description's postings are the longest
// to step through. hs is in segment order and, within a segment, in document order, as
// matchText collects it.
func score(segs []segMatch, alts [][]alt, docTotal uint64, hs []scored, strongOnly bool) error {
	for start := 0; start < len(hs); {
		end := start
		for end < len(hs) && hs[end].seg == hs[start].seg {
			end++
		}
		sm := &segs[hs[start].seg]
		for w := range alts {
			for i, a := range alts[w] {
				if a.df == 0 || strongOnly && !a.strong {
					continue
				}
				idf := 1 + math.Log(float64(docTotal)/float64(1+a.df))
				weight := a.boost * idf * idf
				it := sm.pls[w][i].Iterator(true, true, false, nil)
				var p segment.Posting
				for j := start; j < end; j++ {
					doc := uint64(hs[j].doc)
					if p == nil || p.Number() < doc {
						var err error
						if p, err = it.Advance(doc); err != nil {
							return err
						}
						if p == nil {
							break // no more postings in this segment
						}
					}
					if p.Number() == doc {
						hs[j].score += weight * math.Sqrt(float64(p.Frequency())) * p.Norm()
					}
				}
			}
		}
		start = end
	}
	return nil
}

// errNoDocValues is returned for a segment kind that cannot tell its documents' row numbers.
var errNoDocValues = errors.New("search: index segment without doc values")

// rowsOf reads the row number of every document of seg from the fRID doc value; -1 where a
// document has none.
func rowsOf(seg segment.Segment) ([]int32, error) {
	dv, ok := seg.(segment.DocValueVisitable)
	if !ok {
		return nil, errNoDocValues
	}
	rows := make([]int32, seg.Count())
	fields := []string{fRID}
	var state segment.DocVisitState
	for d := range rows {
		rows[d] = -1
		var err error
		state, err = dv.VisitDocValues(uint64(d), fields, func(_ string, term []byte) {
			if n, err := strconv.ParseUint(string(term), 36, 31); err == nil {
				rows[d] = int32(n)
			}
		}, state)
		if err != nil {
			return nil, fmt.Errorf("search: row numbers: %w", err)
		}
	}
	return rows, nil
}

// segRows caches each segment's row numbers by segment id. A segment never changes, and scorch
// keeps a segment's id when it writes an in-memory segment to disk, so an entry stays right for
// as long as the segment exists; entries of merged-away segments are dropped as they pile up.
type segRows struct {
	mu sync.Mutex
	m  map[uint64][]int32
}

func (c *segRows) get(ss *scorch.SegmentSnapshot) ([]int32, error) {
	c.mu.Lock()
	rows, ok := c.m[ss.Id()]
	c.mu.Unlock()
	if ok {
		return rows, nil
	}
	// Read outside the lock: a large segment takes tens of milliseconds, and two searches
	// reading the same new segment at once only do the work twice.
	rows, err := rowsOf(ss.Segment())
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[uint64][]int32{}
	}
	if len(c.m) >= maxCachedSegments {
		clear(c.m) // merges keep segments few; a full cache is mostly merged-away ones
	}
	c.m[ss.Id()] = rows
	return rows, nil
}

// maxCachedSegments bounds segRows; scorch merges an index down to a handful of segments.
const maxCachedSegments = 256
