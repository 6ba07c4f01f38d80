package search

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// TestContract runs one suite against the index in process and against the HTTP client talking
// to a real server of the same handler: same hits and facets, same sentinels under errors.Is.
func TestContract(t *testing.T) {
	t.Parallel()
	x := openTest(t)
	fill(t, x, fixtures())
	rt := httpx.NewRouter(nil)
	NewHandler(x).Routes(rt)
	srv := httptest.NewServer(httpx.Middleware(rt, httpx.Options{}))
	t.Cleanup(srv.Close)
	shapes := []struct {
		name string
		svc  Service
	}{{"index", x}, {"client", NewClient(srv.URL, nil)}}
	for _, s := range shapes {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			cases := []struct {
				name string
				q    Query
				want []string
			}{
				{"text", Query{Text: "laptop", Sort: SortPriceAsc}, []string{"p3", "p4"}},
				{"brand and price", Query{Brands: []string{"Stride"}, PriceMax: ptr(int64(10000))}, []string{"p1"}},
				{"category and attribute", Query{Categories: []string{"clothing"}, Attributes: map[string][]string{"colour": {"blue"}}}, []string{"p5"}},
				{"page two", Query{Sort: SortPriceAsc, PageSize: 2, Page: 2}, []string{"p5", "p1"}},
			}
			for _, c := range cases {
				r, err := s.svc.Search(ctx, c.q)
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				if got := ids(r); !slices.Equal(got, c.want) {
					t.Errorf("%s: hits %v, want %v", c.name, got, c.want)
				}
			}
			r, err := s.svc.Search(ctx, Query{})
			if err != nil || r.Total != 7 || len(r.Facets.Brands) != 3 {
				t.Fatalf("facets: total %d, brands %+v, %v", r.Total, r.Facets.Brands, err)
			}
			if _, err := s.svc.Search(ctx, Query{Sort: "cheapest"}); !errors.Is(err, ErrBadQuery) {
				t.Fatalf("bad sort: %v", err)
			}
			sug, err := s.svc.Suggest(ctx, "lap")
			if err != nil || len(sug) != 2 {
				t.Fatalf("suggest: %+v, %v", sug, err)
			}
		})
	}
}
