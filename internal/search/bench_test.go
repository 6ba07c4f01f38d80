package search

import (
	"context"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// BenchmarkSearch100k measures search and suggest latency one query at a time on a generated
// catalog of 100,000 products (PASAR_BENCH_PRODUCTS overrides the count), built through Rebuild
// as `pasar search reindex` builds it. PASAR_BENCH_INDEX names a folder to keep the index in
// between runs. Facet caching is off unless a case says otherwise, so every search counts its
// facets. bench/search.sh runs it as recorded in docs/PERFORMANCE.md.
func BenchmarkSearch100k(b *testing.B) {
	n := 100_000
	if s := os.Getenv("PASAR_BENCH_PRODUCTS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	path := os.Getenv("PASAR_BENCH_INDEX")
	if path == "" {
		path = filepath.Join(b.TempDir(), "search")
	}
	ctx := context.Background()
	var built time.Duration
	if _, err := os.Stat(path); err != nil {
		start := time.Now()
		if _, err := Rebuild(ctx, path, newBenchCatalog(n), openStore(b, "search"), nil); err != nil {
			b.Fatal(err)
		}
		built = time.Since(start)
	}
	runtime.GC()
	debug.FreeOSMemory()
	start := time.Now()
	x, err := Open(path, Options{FacetTTL: time.Nanosecond})
	if err != nil {
		b.Fatal(err)
	}
	opened := time.Since(start)
	defer x.Close()
	if c, _ := x.DocCount(); int(c) != n {
		b.Fatalf("index holds %d products, want %d (remove %s)", c, n, path)
	}

	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			x.DocCount()
		}
		b.ReportMetric(float64(dirSize(path))/(1<<20), "index-MB")
		b.ReportMetric(float64(rss("VmRSS"))/(1<<10), "rss-MB")
		b.ReportMetric(built.Seconds(), "build-s")
		b.ReportMetric(opened.Seconds(), "open-s")
	})

	r := rand.New(rand.NewPCG(3, 4))
	pick := func(vs []string) string { return vs[r.IntN(len(vs))] }
	nouns := slices.Concat(benchNouns["clothing"], benchNouns["shoes"], benchNouns["electronics"], benchNouns["home"],
		benchNouns["garden"], benchNouns["sports"], benchNouns["toys"], benchNouns["beauty"])
	typo := func(w string) string {
		i := 1 + r.IntN(len(w)-2)
		return w[:i] + w[i+1:] // one letter dropped
	}
	price := func() (*int64, *int64) {
		lo := int64(500 + r.IntN(20000))
		hi := lo * int64(2+r.IntN(5))
		return &lo, &hi
	}
	queries := func(gen func() Query) []Query {
		qs := make([]Query, 500)
		for i := range qs {
			qs[i] = gen()
		}
		return qs
	}
	cases := []struct {
		name    string
		qs      []Query
		cached  bool // facets may come from the cache
		noFacet bool // straight to Bleve
	}{
		// The floor: a one-word Bleve search of the top 20 by score, no filters, no facets.
		{name: "baseline-term", qs: queries(func() Query { return Query{Text: pick(nouns)} }), noFacet: true},
		{name: "text", qs: queries(func() Query { return Query{Text: pick(benchAdjectives) + " " + pick(nouns)} })},
		{name: "typo", qs: queries(func() Query {
			w := pick(nouns)
			for len(w) < 6 {
				w = pick(nouns)
			}
			return Query{Text: typo(w)}
		})},
		{name: "text+filters", qs: queries(func() Query {
			lo, hi := price()
			return Query{Text: pick(benchAdjectives), Categories: []string{pick(benchRoots)}, PriceMin: lo, PriceMax: hi,
				Attributes: map[string][]string{"colour": {pick(benchColours)}}}
		})},
		{name: "category-browse", qs: queries(func() Query {
			return Query{Categories: []string{pick(benchRoots)}, Sort: SortPriceAsc}
		})},
		{name: "everything", qs: queries(func() Query { return Query{Page: 1 + r.IntN(5)} })},
		{name: "text-cached-facets", qs: queries(func() Query {
			return Query{Text: pick(nouns), Page: 1 + r.IntN(3)}
		}), cached: true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			y := x
			if c.cached {
				y = &Index{idx: x.idx, tab: x.tab, log: x.log, facets: newFacetCache(5*time.Second, 1024)}
			}
			lat := make([]time.Duration, 0, b.N)
			cpu := cpuTime()
			i := 0
			for b.Loop() {
				q := c.qs[i%len(c.qs)]
				i++
				start := time.Now()
				var err error
				if c.noFacet {
					req := bleve.NewSearchRequestOptions(textQuery(y.terms(q.Text), false), DefaultPageSize, 0, false)
					req.Fields = []string{fHit}
					_, err = y.idx.SearchInContext(ctx, req)
				} else {
					_, err = y.Search(ctx, q)
				}
				lat = append(lat, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
			}
			reportPercentiles(b, lat, cpu)
		})
	}
	prefixes := make([]string, 500)
	for i := range prefixes {
		w := pick(nouns)
		if r.IntN(3) == 0 {
			w = strings.ToLower(pick(newBenchCatalog(0).brands))
		}
		p := w[:min(len(w), 2+r.IntN(3))]
		if r.IntN(4) == 0 {
			p = pick(benchAdjectives) + " " + p
		}
		prefixes[i] = p
	}
	b.Run("suggest", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		cpu := cpuTime()
		i := 0
		for b.Loop() {
			start := time.Now()
			if _, err := x.Suggest(ctx, prefixes[i%len(prefixes)]); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
			i++
		}
		reportPercentiles(b, lat, cpu)
	})
	// A catalog write as the consumer applies it: one product re-indexed, on disk before it
	// returns, and its table row replaced.
	b.Run("upsert", func(b *testing.B) {
		cat := newBenchCatalog(n)
		lat := make([]time.Duration, 0, b.N)
		cpu := cpuTime()
		i := 0
		for b.Loop() {
			ev := cat.product((i * 7919) % n)
			ev.Product.Title += " updated"
			i++
			start := time.Now()
			if err := x.put(ev); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
		}
		reportPercentiles(b, lat, cpu)
	})
}

// reportPercentiles reports wall-clock p50/p99 and the process's CPU time per operation since
// cpuStart. On a shared machine wall time moves with the load; CPU time per operation much less.
func reportPercentiles(b *testing.B, lat []time.Duration, cpuStart time.Duration) {
	b.ReportMetric(float64((cpuTime()-cpuStart).Microseconds())/1000/float64(len(lat)), "cpu-ms/op")
	slices.Sort(lat)
	at := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func dirSize(path string) int64 {
	var n int64
	filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// rss reads a memory figure of this process in KiB from /proc (0 where there is none).
func rss(field string) int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// textQuery is the baseline's Bleve query: every term in some field, as Search matches it. With fuzzy set, terms of long enough words also
// match one edit away, the exact form still scoring higher.
func textQuery(terms []term, fuzzy bool) query.Query {
	all := make([]query.Query, 0, len(terms))
	for _, t := range terms {
		var any []query.Query
		for _, f := range fieldBoosts {
			tq := bleve.NewTermQuery(t.text)
			tq.SetField(f.field)
			tq.SetBoost(f.boost * 2)
			any = append(any, tq)
			if fuzzy && t.runes >= minFuzzyRunes {
				fq := bleve.NewFuzzyQuery(t.text)
				fq.SetField(f.field)
				fq.SetFuzziness(1)
				fq.SetBoost(f.boost)
				any = append(any, fq)
			}
		}
		all = append(all, bleve.NewDisjunctionQuery(any...))
	}
	return bleve.NewConjunctionQuery(all...)
}
