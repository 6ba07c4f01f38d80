package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/auth/authtest"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// newCore returns a Core on d with the schema applied; its outbox has no bus, so events stay
// in the outbox table where tests count them.
func newCore(t testing.TB, d *db.DB) *Core {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Migrate(ctx, d, "events", events.Migrations); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx, d, "catalog", Migrations); err != nil {
		t.Fatal(err)
	}
	return NewCore(d, events.NewOutbox(d, nil, "catalog", slog.New(slog.DiscardHandler)))
}

// staff is a context whose caller may write the catalog.
func staff() context.Context {
	return auth.WithPrincipal(context.Background(), authtest.Principal(auth.Staff))
}

// seedTree creates home > kitchen > knives and clothing.
func seedTree(t testing.TB, s Service) {
	t.Helper()
	for _, c := range []Category{
		{Slug: "home", Name: "Home"},
		{Slug: "kitchen", Name: "Kitchen", Parent: "home"},
		{Slug: "knives", Name: "Knives", Parent: "kitchen"},
		{Slug: "clothing", Name: "Clothing", Position: 1},
	} {
		if _, err := s.CreateCategory(staff(), c); err != nil {
			t.Fatalf("create category %s: %v", c.Slug, err)
		}
	}
}

// sample returns a valid active product with one variant per price.
func sample(slug string, brand string, cat string, prices ...int64) Product {
	p := Product{Title: "Product " + slug, Slug: slug, Brand: brand, Status: Active,
		Categories: []string{cat}, Attributes: []byte(`{"material":"steel"}`),
		Images: []Image{{URL: PlaceholderURL(slug), Alt: slug}}}
	for i, price := range prices {
		p.Variants = append(p.Variants, Variant{SKU: fmt.Sprintf("%s-%d", slug, i),
			Options: map[string]string{"size": fmt.Sprint(i)}, Price: Money{price, "USD"}})
	}
	return p
}

func mustCreate(t testing.TB, s Service, p Product) Product {
	t.Helper()
	out, err := s.CreateProduct(staff(), p)
	if err != nil {
		t.Fatalf("create %s: %v", p.Slug, err)
	}
	return out
}

// count returns the number of rows a query counts.
func count(t testing.TB, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// fieldsOf returns the field names of an InvalidInput error, or fails.
func fieldsOf(t testing.TB, err error) []string {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.InvalidInput {
		t.Fatalf("err = %v, want an invalid-input error", err)
	}
	var fs []string
	for _, f := range ae.Fields {
		fs = append(fs, f.Field)
	}
	slices.Sort(fs)
	return fs
}

func decodeJSON(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// testClock returns a clock that moves one second per call, so creation order is strict.
func testClock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

func errUnauthenticated() error { return auth.ErrUnauthenticated }
