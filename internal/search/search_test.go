package search

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/catalog"
)

func TestSearch(t *testing.T) {
	t.Parallel()
	x := openTest(t)
	fill(t, x, fixtures())
	tests := []struct {
		name  string
		q     Query
		want  []string // in order when ordered is set, else as a set
		order bool
		fuzzy *bool // nil: not checked, as the fuzzy pass runs whenever exact words find little
		exact *uint64
	}{
		{name: "empty lists everything", q: Query{}, want: []string{"p1", "p2", "p3", "p4", "p5", "p6", "p7"}},
		{name: "stemming", q: Query{Text: "run"}, want: []string{"p1"}},
		{name: "plural finds singular", q: Query{Text: "laptops"}, want: []string{"p3", "p4"}},
		{name: "brand words", q: Query{Text: "novatek"}, want: []string{"p3", "p4", "p7"}, fuzzy: ptr(false)},
		{name: "attribute values", q: Query{Text: "hdmi"}, want: []string{"p3"}},
		{name: "all words must match", q: Query{Text: "gaming laptop"}, want: []string{"p4"}},
		{name: "stop words ignored", q: Query{Text: "the wool sweater"}, want: []string{"p5"}},
		{name: "typo in long word", q: Query{Text: "lapton"}, want: []string{"p3", "p4"}, fuzzy: ptr(true), exact: ptr[uint64](0)},
		{name: "one exact match still tries typos", q: Query{Text: "sweater"}, want: []string{"p5"}, fuzzy: ptr(true), exact: ptr[uint64](1)},
		{name: "missing letter", q: Query{Text: "sweatr"}, want: []string{"p5"}, fuzzy: ptr(true)},
		{name: "no typo in short word", q: Query{Text: "wuol"}, want: []string{}, fuzzy: ptr(false)},
		{name: "query syntax is text", q: Query{Text: `laptop +( "13" :*`}, want: []string{"p3"}},
		{name: "symbols only", q: Query{Text: `+-&&||!(){}[]^"~*?:\/`}, want: []string{"p1", "p2", "p3", "p4", "p5", "p6", "p7"}},
		{name: "category with descendants", q: Query{Categories: []string{"shoes"}}, want: []string{"p1", "p2"}},
		{name: "leaf category", q: Query{Categories: []string{"shoes-running"}}, want: []string{"p1"}},
		{name: "two categories", q: Query{Categories: []string{"shoes-boots", "clothing"}}, want: []string{"p2", "p5", "p6"}},
		{name: "brand", q: Query{Brands: []string{"Fjell"}}, want: []string{"p5", "p6"}},
		{name: "text and brand", q: Query{Text: "laptop", Brands: []string{"Stride"}}, want: []string{}},
		{name: "price range", q: Query{PriceMin: ptr[int64](5000), PriceMax: ptr[int64](20000)}, want: []string{"p1", "p2", "p5"}},
		{name: "price from", q: Query{PriceMin: ptr[int64](100000)}, want: []string{"p3", "p4"}},
		{name: "option value", q: Query{Attributes: map[string][]string{"colour": {"blue"}}}, want: []string{"p1", "p5"}},
		{name: "option value any case", q: Query{Attributes: map[string][]string{"colour": {" BLUE"}}}, want: []string{"p1", "p5"}},
		{name: "values of one attribute OR", q: Query{Attributes: map[string][]string{"colour": {"blue", "white"}}}, want: []string{"p1", "p5", "p6"}},
		{name: "attributes AND", q: Query{Attributes: map[string][]string{"colour": {"blue"}, "material": {"wool"}}}, want: []string{"p5"}},
		{name: "numeric attribute", q: Query{Attributes: map[string][]string{"screen_in": {"13.3"}}}, want: []string{"p3"}},
		{name: "in stock by default", q: Query{InStock: ptr(true)}, want: []string{"p1", "p2", "p3", "p4", "p5", "p6", "p7"}},
		{name: "out of stock", q: Query{InStock: ptr(false)}, want: []string{}},
		{name: "price ascending", q: Query{Sort: SortPriceAsc}, want: []string{"p6", "p7", "p5", "p1", "p2", "p3", "p4"}, order: true},
		{name: "price descending", q: Query{Sort: SortPriceDesc}, want: []string{"p4", "p3", "p2", "p1", "p5", "p7", "p6"}, order: true},
		{name: "page 2", q: Query{Sort: SortPriceAsc, Page: 2, PageSize: 3}, want: []string{"p1", "p2", "p3"}, order: true},
		{name: "past the end", q: Query{Page: 5, PageSize: 3}, want: []string{}},
		{name: "newest", q: Query{Text: "laptop", Sort: SortNewest}, want: []string{"p3", "p4"}, order: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := x.Search(context.Background(), tc.q)
			if err != nil {
				t.Fatal(err)
			}
			got := ids(res)
			if !tc.order {
				slices.Sort(got)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("hits %v, want %v", got, tc.want)
			}
			if tc.fuzzy != nil && res.Fuzzy != *tc.fuzzy {
				t.Errorf("fuzzy = %v, want %v", res.Fuzzy, *tc.fuzzy)
			}
			if tc.exact != nil && res.Exact != *tc.exact {
				t.Errorf("exact = %d, want %d", res.Exact, *tc.exact)
			}
		})
	}
}

// TestExactFromFacetCache checks that a search answered with cached facets still tells how many
// products matched the words as typed (the storefront's note depends on it).
func TestExactFromFacetCache(t *testing.T) {
	t.Parallel()
	x := openTest(t)
	fill(t, x, fixtures())
	for i := range 2 {
		res, err := x.Search(context.Background(), Query{Text: "lapton"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Exact != 0 || !res.Fuzzy || res.Total != 2 {
			t.Errorf("search %d: exact %d, fuzzy %v, total %d; want 0, true, 2", i, res.Exact, res.Fuzzy, res.Total)
		}
	}
}

func TestRelevance(t *testing.T) {
	t.Parallel()
	x := openTest(t)
	evs := fixtures()
	decoy := product("p8", "Shoe Care Kit", "Stride", 900, []string{"shoes"}, "")
	decoy.Product.Description = "Keeps leather boots and leather shoes supple."
	fill(t, x, append(evs, decoy))
	res, err := x.Search(context.Background(), Query{Text: "leather"})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(res); len(got) != 2 || got[0] != "p2" {
		t.Errorf("hits %v: the product with the word in its title should come first", got)
	}
	if h := res.Hits[0]; h.Slug != "p2-slug" || h.Title != "Leather Boots" || h.Price.Amount != 15900 || h.Price.Currency != "USD" {
		t.Errorf("hit = %+v", h)
	}
}

// TestRelevanceTiers: a product whose title, brand or attributes hold every word comes before
// one that needs its description for some word, on every page, however often the description
// repeats the word; and the fuzzy pass leaves descriptions out.
func TestRelevanceTiers(t *testing.T) {
	t.Parallel()
	x := openTest(t)
	care := product("p8", "Sweater Care Kit", "Fjell", 1500, []string{"clothing"}, "")
	care.Product.Description = "Wash a wool sweater by hand: wool socks, wool blankets, wool wool wool."
	evs := append(fixtures(), care)
	for i := range 22 {
		evs = append(evs, product(fmt.Sprintf("w%02d", i), fmt.Sprintf("Wool Sweater No. %d", i), "Fjell", 7000, []string{"clothing"}, ""))
	}
	fill(t, x, evs)
	ctx := context.Background()

	res, err := x.Search(ctx, Query{Text: "wool sweater", PageSize: 20})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 24 || slices.Contains(ids(res), "p8") {
		t.Errorf("page 1: total %d, hits %v: want 24 matches, the care kit not on page 1", res.Total, ids(res))
	}
	res, err = x.Search(ctx, Query{Text: "wool sweater", PageSize: 20, Page: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(res); len(got) != 4 || got[3] != "p8" {
		t.Errorf("page 2: hits %v, want 4 ending with the care kit", got)
	}

	y := openTest(t)
	fill(t, y, append(fixtures(), care))
	for _, tc := range []struct {
		text string
		want []string // in order when they start with "wool"
	}{
		{"wool sweater", []string{"p5", "p8"}},  // the obvious product first among few
		{"novatec", []string{"p3", "p4", "p7"}}, // one edit in a brand
		{"blanketz", []string{}},                // a typo found only in a description
		{"sweater kit", []string{"p8"}},         // both words in the title
		{"laptop gaming", []string{"p4"}},       // word order does not matter
		{"leathr", []string{"p2"}},              // one edit, title and attribute
		{"leather boots", []string{"p2"}},       // exact
		{"stride leather", []string{"p2"}},      // brand and title
		{"hdmi ultrabook", []string{"p3"}},      // attribute and title
		{"lapptop", []string{"p3", "p4"}},       // a letter doubled
		{"wool", []string{"p5", "p8"}},          // title or attribute before description
		{"cotton shirt", []string{"p6"}},        // stemmed title word
		{"headphone", []string{"p7"}},           // singular finds plural
		{"running shoe", []string{"p1"}},        // stemmed words
		{"zzzzzzzzzz", []string{}},              // nothing
	} {
		res, err := y.Search(ctx, Query{Text: tc.text})
		if err != nil {
			t.Fatal(err)
		}
		got := ids(res)
		if len(tc.want) > 1 && !strings.HasPrefix(tc.text, "wool") {
			slices.Sort(got)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: hits %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestFacets(t *testing.T) {
	t.Parallel()
	x := openTest(t)
	fill(t, x, fixtures())
	res, err := x.Search(context.Background(), Query{})
	if err != nil {
		t.Fatal(err)
	}
	f := res.Facets
	str := func(vs []FacetValue) string {
		var b strings.Builder
		for _, v := range vs {
			b.WriteString(v.Value + ":" + strconv.Itoa(v.Count) + " ")
		}
		return strings.TrimSpace(b.String())
	}
	checks := []struct{ name, got, want string }{
		{"brand", str(f.Brands), "Novatek:3 Fjell:2 Stride:2"},
		{"category", str(f.Categories), "electronics:3 clothing:2 electronics-laptops:2 shoes:2 shoes-boots:1 shoes-running:1"},
		{"price", str(f.Prices), "1000-2500:1 2500-5000:1 5000-10000:2 10000-25000:1 100000+:2"},
		{"colour", str(f.Attributes["colour"]), "blue:2 brown:1 grey:1 red:1 white:1"},
		{"material", str(f.Attributes["material"]), "cotton:1 leather:1 mesh:1 wool:1"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s facet = %q, want %q", c.name, c.got, c.want)
		}
	}
	if p := f.Prices[0]; *p.Min != 1000 || *p.Max != 2500 {
		t.Errorf("price bucket bounds %d-%d", *p.Min, *p.Max)
	}
	if p := f.Prices[len(f.Prices)-1]; *p.Min != 100000 || p.Max != nil {
		t.Errorf("top price bucket has an upper bound")
	}

	res, err = x.Search(context.Background(), Query{Text: "laptop", Attributes: map[string][]string{"screen_in": {"17.3"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := str(res.Facets.Brands); got != "Novatek:1" {
		t.Errorf("facets follow the filters: brand facet %q", got)
	}
}

// TestFacetCache checks facets are reused for the same words and filters, on any page and in
// any order, until they expire; hits are always fresh.
func TestFacetCache(t *testing.T) {
	t.Parallel()
	x := openTest(t)
	now := time.Now()
	x.facets.now = func() time.Time { return now }
	fill(t, x, fixtures())
	ctx := context.Background()
	if _, err := x.Search(ctx, Query{Text: "Laptop"}); err != nil {
		t.Fatal(err)
	}
	fill(t, x, []catalog.ProductUpserted{product("p9", "Budget Laptop", "Acme", 39900, []string{"electronics"}, "")})
	res, err := x.Search(ctx, Query{Text: "  laptop ", Sort: SortPriceAsc})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 3 || len(res.Facets.Brands) != 1 {
		t.Errorf("total %d, brands %v: want fresh hits and cached facets", res.Total, res.Facets.Brands)
	}
	now = now.Add(6 * time.Second)
	if res, err = x.Search(ctx, Query{Text: "laptop"}); err != nil {
		t.Fatal(err)
	}
	if len(res.Facets.Brands) != 2 {
		t.Errorf("brands %v after expiry, want Acme counted", res.Facets.Brands)
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	x := openTest(t)
	fill(t, x, fixtures())
	more := product("p8", "Trail Running Shoes", "Stride", 9900, []string{"shoes"}, "")
	fill(t, x, []catalog.ProductUpserted{more})
	tests := []struct {
		prefix string
		want   []string
	}{
		{"lap", []string{"Gaming Laptop 17", "Ultrabook Laptop 13"}},
		{"LAPTOP", []string{"Gaming Laptop 17", "Ultrabook Laptop 13"}},
		{"gaming la", []string{"Gaming Laptop 17"}},
		{"trail run", []string{"Trail Running Shoes"}}, // two products, one title
		{"novat", []string{"Gaming Laptop 17", "Headphones", "Ultrabook Laptop 13"}},
		{"zzz", []string{}},
		{"", []string{}},
		{"  +*:( ", []string{}},
		{strings.Repeat("lap", 1000), []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.prefix, func(t *testing.T) {
			t.Parallel()
			got, err := x.Suggest(context.Background(), tc.prefix)
			if err != nil {
				t.Fatal(err)
			}
			var titles []string
			for _, s := range got {
				titles = append(titles, s.Text)
			}
			slices.Sort(titles)
			if !slices.Equal(titles, tc.want) && !(len(titles) == 0 && len(tc.want) == 0) {
				t.Errorf("suggest %q = %v, want %v", tc.prefix, titles, tc.want)
			}
		})
	}
}
