package catalog

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/auth/authtest"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// api is a catalog served over HTTP as the app serves it, with tokens from a test issuer.
type api struct {
	t      *testing.T
	url    string
	core   *Core
	issuer *authtest.Issuer
	staff  string
}

func newAPI(t *testing.T, d *db.DB) *api {
	t.Helper()
	c := newCore(t, d)
	seedTree(t, c)
	rt := httpx.NewRouter(nil)
	NewHandler(NewCache(c, CacheOptions{}), HandlerOptions{}).Routes(rt)
	iss := authtest.New(t)
	srv := httptest.NewServer(httpx.Middleware(auth.Middleware(iss.Verifier(), rt), httpx.Options{}))
	t.Cleanup(srv.Close)
	return &api{t: t, url: srv.URL, core: c, issuer: iss, staff: iss.Token(t, auth.Staff)}
}

// do sends a request; headers alternate names and values.
func (a *api) do(method, path, token, body string, headers ...string) (*http.Response, []byte) {
	a.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, a.url+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// problemFields checks that b is a problem document with status and returns its field names.
func problemFields(t *testing.T, resp *http.Response, b []byte, status int) []string {
	t.Helper()
	if resp.StatusCode != status || resp.Header.Get("Content-Type") != httpx.ContentTypeProblem {
		t.Fatalf("status %d (%s), want %d problem+json: %s", resp.StatusCode, resp.Header.Get("Content-Type"), status, b)
	}
	var p httpx.Problem
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	var fs []string
	for _, f := range p.Errors {
		fs = append(fs, f.Field)
	}
	slices.Sort(fs)
	return fs
}

const knifeJSON = `{"title":"Chef knife","brand":"Edge","status":"active","categories":["knives"],
	"variants":[{"sku":"CK-1","price":{"amount":4999,"currency":"USD"}}]}`

func TestHTTPReadsAreCachedAndConditional(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		a := newAPI(t, d)
		resp, b := a.do("POST", "/api/v1/admin/products", a.staff, knifeJSON)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", resp.StatusCode, b)
		}
		var p Product
		json.Unmarshal(b, &p)
		etag := resp.Header.Get("ETag")
		if etag != ProductETag(p.ID, 1) || resp.Header.Get("Location") != "/api/v1/admin/products/"+p.ID {
			t.Fatalf("create headers %v", resp.Header)
		}
		for _, path := range []string{"/api/v1/products/" + p.ID, "/api/v1/products/chef-knife"} {
			resp, b = a.do("GET", path, "", "")
			if resp.StatusCode != 200 || resp.Header.Get("ETag") != etag ||
				!strings.HasPrefix(resp.Header.Get("Cache-Control"), "public, max-age=") || !strings.Contains(string(b), `"CK-1"`) {
				t.Fatalf("GET %s: %d %v %s", path, resp.StatusCode, resp.Header, b)
			}
			resp, b = a.do("GET", path, "", "", "If-None-Match", `"other", `+etag)
			if resp.StatusCode != http.StatusNotModified || len(b) != 0 {
				t.Fatalf("conditional GET %s: %d", path, resp.StatusCode)
			}
		}
		resp, b = a.do("GET", "/api/v1/products?category=home&sort=price_asc", "", "")
		listTag := resp.Header.Get("ETag")
		if resp.StatusCode != 200 || !strings.Contains(string(b), `"chef-knife"`) || listTag == "" {
			t.Fatalf("list: %d %s", resp.StatusCode, b)
		}
		if resp, _ = a.do("GET", "/api/v1/products?category=home&sort=price_asc", "", "", "If-None-Match", listTag); resp.StatusCode != 304 {
			t.Fatalf("conditional list: %d", resp.StatusCode)
		}
		// A write through the API invalidates at once: the new version is served, the old tag is stale.
		p.Title = "Chef's knife"
		body, _ := json.Marshal(p)
		resp, b = a.do("PUT", "/api/v1/admin/products/"+p.ID, a.staff, string(body), "If-Match", etag)
		if resp.StatusCode != 200 || resp.Header.Get("ETag") != ProductETag(p.ID, 2) {
			t.Fatalf("update: %d %s", resp.StatusCode, b)
		}
		if resp, b = a.do("GET", "/api/v1/products/chef-knife", "", ""); !strings.Contains(string(b), "Chef's knife") {
			t.Fatalf("read after write: %s", b)
		}
		if resp, _ = a.do("GET", "/api/v1/products/chef-knife", "", "", "If-None-Match", etag); resp.StatusCode != 200 {
			t.Fatalf("old tag matched: %d", resp.StatusCode)
		}
		if resp, b = a.do("GET", "/api/v1/products?category=home&sort=price_asc", "", "", "If-None-Match", listTag); resp.StatusCode != 200 ||
			!strings.Contains(string(b), "Chef's knife") {
			t.Fatalf("list after write: %d %s", resp.StatusCode, b)
		}
		resp, b = a.do("GET", "/api/v1/categories", "", "")
		if resp.StatusCode != 200 || !strings.Contains(string(b), `"knives"`) {
			t.Fatalf("categories: %d %s", resp.StatusCode, b)
		}
	})
}

func TestHTTPBadInput(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		a := newAPI(t, d)
		resp, b := a.do("POST", "/api/v1/admin/products", a.staff, knifeJSON)
		var p Product
		json.Unmarshal(b, &p)
		draft := mustCreate(t, a.core, Product{Title: "Secret", Status: Draft,
			Variants: []Variant{{SKU: "S-1", Price: Money{1, "USD"}}}})

		invalid := `{"title":"","slug":"chef-knife","variants":[{"sku":"CK-1","price":{"amount":-1,"currency":"ZZZ"}}]}`
		resp, b = a.do("POST", "/api/v1/admin/products", a.staff, invalid)
		want := []string{"slug", "title", "variants[0].price.amount", "variants[0].price.currency", "variants[0].sku"}
		if got := problemFields(t, resp, b, 422); !slices.Equal(got, want) {
			t.Errorf("invalid product: fields %v, want %v", got, want)
		}
		resp, b = a.do("POST", "/api/v1/admin/products", a.staff, `{"title":"x","price":3}`)
		if got := problemFields(t, resp, b, 400); !slices.Equal(got, []string{"price"}) {
			t.Errorf("unknown body field: %v", got)
		}
		for name, tc := range map[string]struct {
			path   string
			status int
			fields []string
		}{
			"unknown product":  {"/api/v1/products/nope", 404, nil},
			"draft product":    {"/api/v1/products/" + draft.ID, 404, nil},
			"unknown path":     {"/api/v1/productz", 404, nil},
			"unknown filter":   {"/api/v1/products?colour=red&brand=Edge", 400, []string{"colour"}},
			"status is admin":  {"/api/v1/products?status=draft", 400, []string{"status"}},
			"bad price":        {"/api/v1/products?price_min=cheap&price_max=-1", 400, []string{"price_max", "price_min"}},
			"bad sort":         {"/api/v1/products?sort=random", 400, []string{"sort"}},
			"bad limit":        {"/api/v1/products?limit=1000", 400, []string{"limit"}},
			"bad cursor":       {"/api/v1/products?cursor=zzz", 400, nil},
			"bad escape":       {"/api/v1/products?brand=%zz", 400, []string{"(query)"}},
			"bad placeholder":  {"/images/placeholder/../x.svg", 404, nil},
			"categories query": {"/api/v1/categories?depth=1", 400, []string{"depth"}},
		} {
			resp, b := a.do("GET", tc.path, "", "")
			if got := problemFields(t, resp, b, tc.status); !slices.Equal(got, tc.fields) {
				t.Errorf("%s: fields %v, want %v", name, got, tc.fields)
			}
		}
		body, _ := json.Marshal(p)
		for name, tc := range map[string]struct {
			ifMatch string
			status  int
		}{
			"no If-Match":      {"", 412},
			"stale If-Match":   {ProductETag(p.ID, 7), 412},
			"other product":    {ProductETag(draft.ID, 1), 412},
			"garbled If-Match": {`"x"`, 412},
		} {
			resp, b := a.do("PUT", "/api/v1/admin/products/"+p.ID, a.staff, string(body), "If-Match", tc.ifMatch)
			problemFields(t, resp, b, tc.status)
			_ = name
		}
		resp, b = a.do("PUT", "/api/v1/admin/products/0190f000-0000-7000-8000-000000000000", a.staff, string(body), "If-Match", "*")
		problemFields(t, resp, b, 422) // body id differs from the path
		resp, b = a.do("DELETE", "/api/v1/admin/products/0190f000-0000-7000-8000-000000000000", a.staff, "", "If-Match", "*")
		problemFields(t, resp, b, 404)
		resp, b = a.do("GET", "/images/placeholder/chef-knife.svg", "", "")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(string(b), "<svg") {
			t.Errorf("placeholder: %d %s", resp.StatusCode, b)
		}
	})
}

func TestHTTPAdminNeedsCatalogWrite(t *testing.T) {
	t.Parallel()
	a := newAPI(t, dbtest.Open(t, db.SQLite))
	customer := a.issuer.Token(t, auth.Customer)
	for name, tc := range map[string]struct {
		token  string
		status int
	}{
		"anonymous": {"", 401},
		"bad token": {"not-a-token", 401},
		"customer":  {customer, 403},
		"staff":     {a.staff, 201},
	} {
		resp, b := a.do("POST", "/api/v1/admin/categories", tc.token, `{"slug":"c-`+strings.ReplaceAll(name, " ", "-")+`","name":"C"}`)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d: %s", name, resp.StatusCode, tc.status, b)
		}
		if tc.status < 300 {
			continue
		}
		problemFields(t, resp, b, tc.status)
		for _, path := range []string{"GET /api/v1/admin/products", "POST /api/v1/admin/products/import", "DELETE /api/v1/admin/categories/home"} {
			method, p, _ := strings.Cut(path, " ")
			if resp, _ := a.do(method, p, tc.token, ""); resp.StatusCode != tc.status {
				t.Errorf("%s %s: %d, want %d", name, path, resp.StatusCode, tc.status)
			}
		}
	}
}

func TestHTTPConcurrentUpdatesWithSameIfMatch(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		a := newAPI(t, d)
		resp, b := a.do("POST", "/api/v1/admin/products", a.staff, knifeJSON)
		etag := resp.Header.Get("ETag")
		var p Product
		json.Unmarshal(b, &p)
		var wg sync.WaitGroup
		statuses := make(chan int, 2)
		for i := range 2 {
			wg.Go(func() {
				q := p
				q.Brand = []string{"Left", "Right"}[i]
				body, _ := json.Marshal(q)
				resp, _ := a.do("PUT", "/api/v1/admin/products/"+p.ID, a.staff, string(body), "If-Match", etag)
				statuses <- resp.StatusCode
			})
		}
		wg.Wait()
		close(statuses)
		var got []int
		for s := range statuses {
			got = append(got, s)
		}
		slices.Sort(got)
		if !slices.Equal(got, []int{200, 412}) {
			t.Fatalf("statuses %v, want one 200 and one 412", got)
		}
	})
}

func TestHTTPImport(t *testing.T) {
	t.Parallel()
	a := newAPI(t, dbtest.Open(t, db.SQLite))
	lines := strings.Join([]string{
		`{"title":"A","status":"active","variants":[{"sku":"A-1","price":{"amount":1,"currency":"USD"}}]}`,
		`{"title":"B","variants":[{"sku":"A-1","price":{"amount":1,"currency":"USD"}}]}`,
		`not json`,
	}, "\n")
	resp, b := a.do("POST", "/api/v1/admin/products/import", a.staff, lines, "Content-Type", "application/x-ndjson")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("import: %d %s", resp.StatusCode, b)
	}
	out := strings.Split(strings.TrimSpace(string(b)), "\n")
	var last struct{ Report ImportReport }
	if err := json.Unmarshal([]byte(out[len(out)-1]), &last); err != nil {
		t.Fatalf("last line %q: %v", out[len(out)-1], err)
	}
	r := last.Report
	if r.Lines != 3 || r.Created != 1 || r.Rejected != 2 || r.Rejections[0].Errors[0].Field != "variants[0].sku" {
		t.Fatalf("report %+v", r)
	}
	resp, b = a.do("POST", "/api/v1/admin/products/import", a.staff, lines, "Content-Type", "text/csv")
	problemFields(t, resp, b, 415)
}

func TestHTTPCategoryAdmin(t *testing.T) {
	t.Parallel()
	a := newAPI(t, dbtest.Open(t, db.SQLite))
	resp, b := a.do("GET", "/api/v1/categories", "", "")
	tag := resp.Header.Get("ETag")
	if resp, _ = a.do("GET", "/api/v1/categories", "", "", "If-None-Match", tag); resp.StatusCode != 304 {
		t.Fatalf("conditional tree: %d", resp.StatusCode)
	}
	resp, b = a.do("POST", "/api/v1/admin/categories", a.staff, `{"name":"Garden Tools","parent":"home"}`)
	if resp.StatusCode != 201 || !strings.Contains(string(b), `"slug":"garden-tools"`) {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	resp, b = a.do("PUT", "/api/v1/admin/categories/garden-tools", a.staff, `{"name":"Garden","parent":"nope"}`)
	if got := problemFields(t, resp, b, 422); !slices.Equal(got, []string{"parent"}) {
		t.Fatalf("bad parent: %v", got)
	}
	if resp, b = a.do("PUT", "/api/v1/admin/categories/garden-tools", a.staff, `{"name":"Garden"}`); resp.StatusCode != 200 {
		t.Fatalf("move to root: %d %s", resp.StatusCode, b)
	}
	resp, b = a.do("GET", "/api/v1/categories", "", "", "If-None-Match", tag)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `{"slug":"garden-tools","name":"Garden","position":0}`) {
		t.Fatalf("tree after edits: %d %s", resp.StatusCode, b)
	}
	resp, b = a.do("DELETE", "/api/v1/admin/categories/home", a.staff, "")
	problemFields(t, resp, b, 409)
	if resp, _ = a.do("DELETE", "/api/v1/admin/categories/garden-tools", a.staff, ""); resp.StatusCode != 204 {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	resp, b = a.do("DELETE", "/api/v1/admin/categories/garden-tools", a.staff, "")
	problemFields(t, resp, b, 404)
}
