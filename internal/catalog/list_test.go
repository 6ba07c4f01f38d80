package catalog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

func TestProductsFiltersSortsAndPages(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		c := newCore(t, d)
		seedTree(t, c)
		clock := testClock()
		c.now = clock
		for i, spec := range []struct {
			slug, brand, cat string
			price            int64
		}{
			{"a", "Edge", "knives", 500}, {"b", "Edge", "kitchen", 1500}, {"c", "Oak", "home", 2500},
			{"d", "Oak", "clothing", 3500}, {"e", "Edge", "knives", 4500},
		} {
			p := sample(spec.slug, spec.brand, spec.cat, spec.price, spec.price+100)
			if i == 4 {
				p.Status = Draft
			}
			mustCreate(t, c, p)
		}
		slugs := func(q Query) []string {
			t.Helper()
			page, err := c.Products(context.Background(), q)
			if err != nil {
				t.Fatalf("%+v: %v", q, err)
			}
			var out []string
			for _, p := range page.Items {
				out = append(out, p.Slug)
			}
			return out
		}
		for name, tc := range map[string]struct {
			q    Query
			want string
		}{
			"newest active":          {Query{Status: Active}, "d c b a"},
			"every status":           {Query{}, "e d c b a"},
			"category + descendants": {Query{Status: Active, Category: "home"}, "c b a"},
			"leaf category":          {Query{Category: "knives"}, "e a"},
			"unknown category":       {Query{Category: "nope"}, ""},
			"brand":                  {Query{Status: Active, Brand: "Oak"}, "d c"},
			"price range":            {Query{Status: Active, PriceMin: 1000, PriceMax: 3000}, "c b"},
			"price ascending":        {Query{Status: Active, Sort: PriceAsc}, "a b c d"},
			"price descending":       {Query{Sort: PriceDesc, Brand: "Edge"}, "e b a"},
		} {
			if got := strings.Join(slugs(tc.q), " "); got != tc.want {
				t.Errorf("%s: got %q, want %q", name, got, tc.want)
			}
		}
		for _, sort := range []Sort{Newest, PriceAsc, PriceDesc} {
			var all []string
			q := Query{Sort: sort, Limit: 2}
			for pages := 0; ; pages++ {
				page, err := c.Products(context.Background(), q)
				if err != nil || pages > 5 {
					t.Fatalf("%s page %d: %v", sort, pages, err)
				}
				for _, p := range page.Items {
					all = append(all, p.Slug)
				}
				if page.NextCursor == "" {
					break
				}
				q.Cursor = page.NextCursor
			}
			want := slugs(Query{Sort: sort, Limit: 10})
			if !slices.Equal(all, want) {
				t.Errorf("%s paged: %v, want %v", sort, all, want)
			}
		}
		for name, q := range map[string]Query{
			"bad cursor":      {Cursor: "!!"},
			"cursor of other": {Cursor: cursor{sort: PriceAsc, key: 1, id: "x"}.encode()},
			"bad sort":        {Sort: "random"},
			"limit too big":   {Limit: MaxLimit + 1},
			"max below min":   {PriceMin: 10, PriceMax: 5},
		} {
			if _, err := c.Products(context.Background(), q); apperr.KindOf(err) != apperr.BadRequest {
				t.Errorf("%s: err %v, want bad request", name, err)
			}
		}
	})
}

func TestImportReportsBadLinesAndStoresTheRest(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		c := newCore(t, d)
		seedTree(t, c)
		good := func(slug string, price int64) string {
			return fmt.Sprintf(`{"title":"T %s","slug":"%s","status":"active","categories":["knives"],`+
				`"variants":[{"sku":"%s-1","price":{"amount":%d,"currency":"EUR"}}]}`, slug, slug, slug, price)
		}
		input := strings.Join([]string{
			good("one", 100),
			`{"title": "broken`,
			good("two", -5),
			"",
			good("three", 300),
			`{"title":"x","colour":"red"}`,
			good("one", 150), // the same slug again: an update
		}, "\n")
		var calls int
		rep, err := c.ImportProducts(staff(), strings.NewReader(input), func(ImportProgress) { calls++ })
		if err != nil {
			t.Fatal(err)
		}
		if rep.Lines != 6 || rep.Created != 2 || rep.Updated != 1 || rep.Rejected != 3 || calls != 6 {
			t.Fatalf("report %+v after %d progress calls", rep, calls)
		}
		var lines []int
		for _, r := range rep.Rejections {
			lines = append(lines, r.Line)
		}
		if !slices.Equal(lines, []int{2, 3, 5}) || rep.Rejections[1].Errors[0].Field != "variants[0].price.amount" {
			t.Fatalf("rejections %+v", rep.Rejections)
		}
		if p, err := c.Product(context.Background(), "one"); err != nil || p.Version != 2 || p.Variants[0].Price.Amount != 150 {
			t.Fatalf("updated line: %+v %v", p, err)
		}
		_, err = c.ImportProducts(context.Background(), strings.NewReader(good("x", 1)), nil)
		if !errors.Is(err, errUnauthenticated()) {
			t.Fatalf("anonymous import: %v", err)
		}
	})
}
