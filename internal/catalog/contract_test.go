package catalog

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/auth/authtest"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// TestContract runs one suite against the catalog in process (behind its cache, as served) and
// against the HTTP client talking to a real server of the same handler: same answers, same
// sentinels under errors.Is.
func TestContract(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		core := newCore(t, d)
		cache := NewCache(core, CacheOptions{})
		iss := authtest.New(t)
		rt := httpx.NewRouter(nil)
		NewHandler(cache, HandlerOptions{}).Routes(rt)
		srv := httptest.NewServer(httpx.Middleware(auth.Middleware(iss.Verifier(), rt), httpx.Options{}))
		t.Cleanup(srv.Close)
		shapes := []struct {
			name string
			svc  Service
			ctx  context.Context // staff, allowed to write
		}{
			{"core", cache, staff()},
			{"client", NewClient(srv.URL, nil), auth.WithBearer(context.Background(), iss.Token(t, auth.Staff))},
		}
		for _, s := range shapes {
			t.Run(s.name, func(t *testing.T) { contract(t, s.svc, s.ctx, s.name) })
		}

		// The storefront's client reads a product without a token, as the core answers an
		// active one; a draft is not there for it.
		t.Run("storefront client", func(t *testing.T) {
			shop := NewClient(srv.URL, nil).Storefront()
			active := sample("shop-kettle", "Acme", "", 3000)
			active.Categories = nil
			active = mustCreate(t, cache, active)
			draft := sample("shop-secret", "Acme", "", 100)
			draft.Status, draft.Categories = Draft, nil
			draft = mustCreate(t, cache, draft)
			got, err := shop.Product(context.Background(), active.Slug)
			want, _ := cache.Product(staff(), active.Slug)
			if err != nil || got.ID != want.ID || got.Version != want.Version || len(got.Variants) != 1 ||
				got.Variants[0].Price != want.Variants[0].Price {
				t.Fatalf("active product: %+v, %v; want %+v", got, err, want)
			}
			for _, key := range []string{draft.Slug, draft.ID, "shop-none"} {
				if _, err := shop.Product(context.Background(), key); !errors.Is(err, ErrNotFound) {
					t.Errorf("%s: %v", key, err)
				}
			}
			if _, err := NewClient(srv.URL, nil).Product(context.Background(), active.Slug); !errors.Is(err, auth.ErrUnauthenticated) {
				t.Errorf("the admin read without a token: %v", err)
			}
		})
	})
}

// contract exercises svc; prefix keeps its slugs apart from another shape's on the same store.
func contract(t *testing.T, svc Service, ctx context.Context, prefix string) {
	root, err := svc.CreateCategory(ctx, Category{Slug: prefix + "-home", Name: "Home"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateCategory(ctx, Category{Slug: prefix + "-kitchen", Name: "Kitchen", Parent: root.Slug}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.UpdateCategory(ctx, prefix+"-nope", Category{Name: "X"}); !errors.Is(err, ErrCategoryNotFound) {
		t.Fatalf("update unknown category: %v", err)
	}
	p := sample(prefix+"-mug", "Acme", prefix+"-kitchen", 1200, 1500)
	created, err := svc.CreateProduct(ctx, p)
	if err != nil || created.ID == "" || created.Version != 1 {
		t.Fatalf("create: %+v, %v", created, err)
	}
	bad := p
	bad.Slug, bad.Title = prefix+"-bad", ""
	if _, err := svc.CreateProduct(ctx, bad); apperr.KindOf(err) != apperr.InvalidInput || !hasField(err, "title") {
		t.Fatalf("invalid product: %v", err)
	}
	got, err := svc.Product(ctx, created.Slug)
	if err != nil || got.ID != created.ID || len(got.Variants) != 2 {
		t.Fatalf("product by slug: %+v, %v", got, err)
	}
	if _, err := svc.Product(ctx, prefix+"-none"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown product: %v", err)
	}
	page, err := svc.Products(ctx, Query{Category: root.Slug, Status: Active})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != created.ID {
		t.Fatalf("list under the root category: %+v, %v", page, err)
	}
	if _, err := svc.Products(ctx, Query{Status: Active, Cursor: "garbage"}); !errors.Is(err, ErrBadCursor) {
		t.Fatalf("bad cursor: %v", err)
	}
	cats, err := svc.Categories(ctx)
	if err != nil || !hasCategory(cats, root.Slug) {
		t.Fatalf("categories: %+v, %v", cats, err)
	}

	created.Title = "Better mug"
	upd, err := svc.UpdateProduct(ctx, created, created.Version)
	if err != nil || upd.Version != 2 || upd.Title != "Better mug" {
		t.Fatalf("update: %+v, %v", upd, err)
	}
	if _, err := svc.UpdateProduct(ctx, created, 1); !errors.Is(err, ErrStale) {
		t.Fatalf("stale update: %v", err)
	}
	textSearch(t, svc, ctx, prefix, upd)
	if err := svc.DeleteCategory(ctx, prefix+"-kitchen"); !errors.Is(err, ErrCategoryInUse) {
		t.Fatalf("delete category in use: %v", err)
	}
	scan, err := svc.ScanProducts(ctx, "", 1000)
	if err != nil || !scanned(scan, created.ID, 2) {
		t.Fatalf("scan: %d items, %v", len(scan), err)
	}

	rep, err := svc.ImportProducts(ctx, strings.NewReader(
		`{"title":"Imported","slug":"`+prefix+`-imp","status":"active","categories":["`+prefix+`-kitchen"],"variants":[{"sku":"`+prefix+`-IMP","price":{"amount":100,"currency":"USD"}}]}`+"\n"+
			`{"title":""}`+"\n"), nil)
	if err != nil || rep.Lines != 2 || rep.Created != 1 || rep.Rejected != 1 || len(rep.Rejections) != 1 {
		t.Fatalf("import: %+v, %v", rep, err)
	}

	if err := svc.DeleteProduct(ctx, created.ID, 1); !errors.Is(err, ErrStale) {
		t.Fatalf("stale delete: %v", err)
	}
	if err := svc.DeleteProduct(ctx, created.ID, upd.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Product(ctx, created.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted product: %v", err)
	}

	// Writes need auth.CatalogWrite in both shapes.
	if _, err := svc.CreateProduct(auth.WithBearer(context.Background(), ""), sample(prefix+"-x", "A", prefix+"-kitchen", 1)); err == nil ||
		(apperr.KindOf(err) != apperr.Unauthenticated && apperr.KindOf(err) != apperr.Forbidden) {
		t.Fatalf("anonymous write: %v", err)
	}
}

func hasField(err error, field string) bool {
	var e *apperr.Error
	if !errors.As(err, &e) {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

func hasCategory(cats []Category, slug string) bool {
	for _, c := range cats {
		if c.Slug == slug || hasCategory(c.Children, slug) {
			return true
		}
	}
	return false
}

func scanned(items []ProductUpserted, id string, version int64) bool {
	for _, p := range items {
		if p.Product.ID == id {
			return p.Product.Version == version
		}
	}
	return false
}

// textSearch holds Query.Text: any status, title (as updated), brand and SKU, any case, LIKE
// wildcards matched literally, pages by cursor.
func textSearch(t *testing.T, svc Service, ctx context.Context, prefix string, mug Product) {
	t.Helper()
	draft := sample(prefix+"-kettle", "Ürban_Steel", prefix+"-kitchen", 4000)
	draft.Title, draft.Status = "Kettle 100% copper", Draft
	kettle, err := svc.CreateProduct(ctx, draft)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(q Query) []string {
		t.Helper()
		var out []string
		for {
			page, err := svc.Products(ctx, q)
			if err != nil {
				t.Fatalf("%+v: %v", q, err)
			}
			for _, p := range page.Items {
				out = append(out, p.ID)
			}
			if page.NextCursor == "" {
				return out
			}
			q.Cursor = page.NextCursor
		}
	}
	cases := []struct {
		name string
		q    Query
		want []string
	}{
		{"draft by title", Query{Text: "100% copper"}, []string{kettle.ID}},
		{"percent is literal", Query{Text: prefix + "%"}, nil},
		{"underscore is literal", Query{Text: "n_steel"}, []string{kettle.ID}},
		{"underscore is not a wildcard", Query{Text: "kettle_100"}, nil},
		{"non-ASCII brand, any case", Query{Text: "ürban"}, []string{kettle.ID}},
		{"sku", Query{Text: strings.ToUpper(prefix + "-mug-1")}, []string{mug.ID}},
		{"slug prefix, newest first, a page each", Query{Text: prefix + "-", Limit: 1}, []string{kettle.ID, mug.ID}},
		{"with a status", Query{Text: prefix + "-", Status: Active}, []string{mug.ID}},
		{"none", Query{Text: prefix + "-teapot"}, nil},
	}
	for _, c := range cases {
		if got := ids(c.q); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	// The other shape's mug (same store) may have the same title.
	if got := ids(Query{Text: "BETTER mug"}); !slices.Contains(got, mug.ID) {
		t.Errorf("updated title, any case: %v lacks %s", got, mug.ID)
	}
	for _, bad := range []string{strings.Repeat("x", MaxTextLength+1), "nul\x00", "\xff"} {
		if _, err := svc.Products(ctx, Query{Text: bad}); apperr.KindOf(err) != apperr.BadRequest || !hasField(err, "q") {
			t.Errorf("text %q: %v", bad, err)
		}
	}
	if err := svc.DeleteProduct(ctx, kettle.ID, kettle.Version); err != nil {
		t.Fatal(err)
	}
}
