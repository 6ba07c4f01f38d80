package search

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// TestEventOrder applies events in orders a broker may deliver them and checks the index ends
// up as the newest event says, whatever came late or twice.
func TestEventOrder(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		migrate(t, d)
		testEventOrder(t, d)
	})
}

// testEventOrder applies each case's events one at a time (Upsert, Delete) and as one batch (as
// the consumer's BatchHandler does): both must leave the same state.
func testEventOrder(t *testing.T, d *db.DB) {
	// Each case has a product of its own, as they share the store.
	type step func(id string) change
	up := func(v int64, title string, status catalog.Status) step {
		return func(id string) change {
			ev := product(id, title, "Stride", 1000, []string{"shoes"}, "")
			ev.Product.Version, ev.Product.Status = v, status
			return change{upsert: &ev, id: id, ver: v}
		}
	}
	del := func(v int64) step {
		return func(id string) change { return change{id: id, ver: v} }
	}
	tests := []struct {
		name    string
		steps   []step
		applied []bool
		title   string // "" means not found
	}{
		{"in order", []step{up(1, "alpha", catalog.Active), up(2, "bravo", catalog.Active)}, []bool{true, true}, "bravo"},
		{"stale upsert after newer", []step{up(2, "bravo", catalog.Active), up(1, "alpha", catalog.Active)}, []bool{true, false}, "bravo"},
		{"duplicate", []step{up(1, "alpha", catalog.Active), up(1, "alpha", catalog.Active)}, []bool{true, false}, "alpha"},
		{"delete", []step{up(1, "alpha", catalog.Active), del(1)}, []bool{true, true}, ""},
		{"delete before its upsert", []step{del(1), up(1, "alpha", catalog.Active)}, []bool{true, false}, ""},
		{"stale delete", []step{up(3, "charlie", catalog.Active), del(2)}, []bool{true, false}, "charlie"},
		{"duplicate delete", []step{del(2), del(2)}, []bool{true, false}, ""},
		{"archived hides", []step{up(1, "alpha", catalog.Active), up(2, "alpha", catalog.Archived)}, []bool{true, true}, ""},
		{"draft then active", []step{up(1, "alpha", catalog.Draft), up(2, "delta", catalog.Active)}, []bool{true, true}, "delta"},
		{"back after delete", []step{up(1, "alpha", catalog.Active), del(2), up(3, "echo", catalog.Active), up(2, "bravo", catalog.Active)}, []bool{true, true, true, false}, "echo"},
	}
	ctx := context.Background()
	for n, tc := range tests {
		for _, batch := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/batch=%v", tc.name, batch), func(t *testing.T) {
				t.Parallel()
				x := openTest(t)
				id := fmt.Sprintf("p%d-%v", n, batch)
				var cs []change
				for _, step := range tc.steps {
					cs = append(cs, step(id))
				}
				if batch {
					want := 0
					for _, ok := range tc.applied {
						if ok {
							want++
						}
					}
					if got, err := x.apply(ctx, d, cs); err != nil || got != want {
						t.Errorf("batch applied %d (%v), want %d", got, err, want)
					}
				} else {
					var got []bool
					for i, c := range cs {
						var ok bool
						var err error
						if c.upsert != nil {
							ok, err = x.Upsert(ctx, d, *c.upsert)
						} else {
							ok, err = x.Delete(ctx, d, catalog.ProductDeleted{ID: c.id, Version: c.ver})
						}
						if err != nil {
							t.Fatalf("step %d: %v", i, err)
						}
						got = append(got, ok)
					}
					if !slices.Equal(got, tc.applied) {
						t.Errorf("applied = %v, want %v", got, tc.applied)
					}
				}
				res, err := x.Search(ctx, Query{})
				if err != nil {
					t.Fatal(err)
				}
				var title string
				if len(res.Hits) > 0 {
					title = res.Hits[0].Title
				}
				if title != tc.title || res.Total > 1 {
					t.Errorf("index holds %q (total %d), want %q", title, res.Total, tc.title)
				}
			})
		}
	}
}

// TestReopen checks the index and its versions survive a restart.
func TestReopen(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/search"
	x, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, x, fixtures())
	x.Close()
	x, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if n, _ := x.DocCount(); n != uint64(len(fixtures())) {
		t.Errorf("after reopening %d products, want %d", n, len(fixtures()))
	}
}

// TestTableFollowsWrites checks the in-memory table that filters, facets and sorts stays in step
// with removals and re-adds, and is rebuilt from the index on reopening.
func TestTableFollowsWrites(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/search"
	x, err := Open(path, Options{FacetTTL: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, x, fixtures())
	for _, id := range []string{"p1", "p7", "p4"} {
		if err := x.remove(id); err != nil {
			t.Fatal(err)
		}
	}
	check := func(x *Index, want []string, brands string) {
		t.Helper()
		res, err := x.Search(context.Background(), Query{Sort: SortPriceAsc})
		if err != nil {
			t.Fatal(err)
		}
		var b []string
		for _, v := range res.Facets.Brands {
			b = append(b, fmt.Sprintf("%s:%d", v.Value, v.Count))
		}
		if got := ids(res); !slices.Equal(got, want) || strings.Join(b, " ") != brands {
			t.Errorf("hits %v brands %v, want %v %s", got, b, want, brands)
		}
	}
	check(x, []string{"p6", "p5", "p2", "p3"}, "Fjell:2 Novatek:1 Stride:1")
	fill(t, x, fixtures()[:1])
	check(x, []string{"p6", "p5", "p1", "p2", "p3"}, "Fjell:2 Stride:2 Novatek:1")
	x.Close()
	if x, err = Open(path, Options{}); err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	check(x, []string{"p6", "p5", "p1", "p2", "p3"}, "Fjell:2 Stride:2 Novatek:1")
}

// TestTableCompacts checks rows keep their own values when many rewrites make the table compact
// its value arena, and that the arena then holds only live rows' values.
func TestTableCompacts(t *testing.T) {
	t.Parallel()
	tab := newTable()
	const products, rewrites = 50, 120
	for round := range rewrites {
		for p := range products {
			id := fmt.Sprintf("p%d", p)
			tab.set(id, rowDoc{RID: tab.reserve(id), Values: []string{
				fmt.Sprintf("b%d", p), fmt.Sprintf("cround-%d", round), fmt.Sprintf("aid=%d-%d", p, round),
			}})
		}
		if round%7 == 0 { // the last round too
			tab.remove("p3")
		}
	}
	if tab.stale > len(tab.arena)/2+4096 {
		t.Errorf("arena of %d holds %d stale values: never compacted", len(tab.arena), tab.stale)
	}
	if _, ok := tab.pos["p3"]; ok {
		t.Error("p3 was removed last but has a row")
	}
	for p := range products {
		if p == 3 {
			continue
		}
		r := tab.rows[tab.pos[fmt.Sprintf("p%d", p)]]
		var got []string
		for _, v := range r.vals {
			got = append(got, tab.values[v])
		}
		want := []string{fmt.Sprintf("b%d", p), fmt.Sprintf("cround-%d", rewrites-1), fmt.Sprintf("aid=%d-%d", p, rewrites-1)}
		if !slices.Equal(got, want) {
			t.Errorf("p%d values %v, want %v", p, got, want)
		}
	}
}
