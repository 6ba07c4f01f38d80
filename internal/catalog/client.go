package catalog

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/svcclient"
)

// Client is Service over the catalog's REST API, for processes that do not run the catalog.
// Reads of a single product and every write use the admin API, so the bearer token in the
// context (auth.WithBearer) must hold auth.CatalogWrite, as ScanProducts's does; Products and
// Categories read the public API. Errors come back as the sentinels the core returns.
type Client struct {
	caller *svcclient.Caller
	public bool // Product reads the public API (Storefront)
}

var _ Service = (*Client)(nil)

// NewClient returns a client of the catalog at base (one URL or a comma list of replicas); hc nil
// means a client of its own. A call attempt times out after 10 s unless opts say otherwise.
func NewClient(base string, hc *http.Client, opts ...svcclient.Option) *Client {
	return &Client{caller: svcclient.New("catalog", base, hc, 10*time.Second, errUnavailable, opts...)}
}

var errUnavailable = apperr.New(apperr.Unavailable, "catalog_unavailable", "The catalog is unavailable right now.")

// maxImportBytes bounds an import sent through the client, which holds it in memory to retry.
const maxImportBytes = 64 << 20

// Storefront returns a copy of c for pages anyone may see: its Product reads the public GET
// /api/v1/products/{id-or-slug}, which needs no token, is answered from a replica's cache and
// knows active products only (any other is ErrNotFound, as a storefront shows it anyway).
func (c *Client) Storefront() *Client {
	cc := *c
	cc.public = true
	return &cc
}

// Product calls GET /api/v1/admin/products/{id-or-slug} (or, from Storefront, the public
// /api/v1/products/{id-or-slug}).
func (c *Client) Product(ctx context.Context, idOrSlug string) (Product, error) {
	var p Product
	path := "/api/v1/admin/products/"
	if c.public {
		path = "/api/v1/products/"
	}
	return p, c.caller.Call(ctx, "GET", path+url.PathEscape(idOrSlug), nil, &p)
}

// Products calls GET /api/v1/admin/products (every status, or a text filter) or, for active
// products only, the public list, which a catalog replica answers from its cache.
func (c *Client) Products(ctx context.Context, q Query) (Page, error) {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("category", q.Category)
	set("brand", q.Brand)
	set("sort", string(q.Sort))
	set("cursor", q.Cursor)
	if q.PriceMin != 0 {
		v.Set("price_min", strconv.FormatInt(q.PriceMin, 10))
	}
	if q.PriceMax != 0 {
		v.Set("price_max", strconv.FormatInt(q.PriceMax, 10))
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	path := "/api/v1/products"
	if q.Status != Active || q.Text != "" {
		set("q", q.Text)
		path = "/api/v1/admin/products"
		set("status", string(q.Status))
	}
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	var p Page
	return p, c.caller.Call(ctx, "GET", path, nil, &p)
}

// Categories calls GET /api/v1/categories.
func (c *Client) Categories(ctx context.Context) ([]Category, error) {
	var out struct {
		Categories []Category `json:"categories"`
	}
	return out.Categories, c.caller.Call(ctx, "GET", "/api/v1/categories", nil, &out)
}

// CreateProduct calls POST /api/v1/admin/products.
func (c *Client) CreateProduct(ctx context.Context, p Product) (Product, error) {
	var out Product
	return out, c.caller.Call(ctx, "POST", "/api/v1/admin/products", p, &out)
}

// ifMatchHeader is the If-Match a conditional write sends: the version's tag, or * for none.
func ifMatchHeader(id string, version int64) string {
	if version <= 0 {
		return "*"
	}
	return ProductETag(id, version)
}

// UpdateProduct calls PUT /api/v1/admin/products/{id} with If-Match.
func (c *Client) UpdateProduct(ctx context.Context, p Product, ifVersion int64) (Product, error) {
	if p.ID == "" {
		return Product{}, ErrNotFound
	}
	var out Product
	return out, c.caller.Call(ctx, "PUT", "/api/v1/admin/products/"+url.PathEscape(p.ID), p, &out,
		"If-Match", ifMatchHeader(p.ID, ifVersion))
}

// DeleteProduct calls DELETE /api/v1/admin/products/{id} with If-Match.
func (c *Client) DeleteProduct(ctx context.Context, id string, ifVersion int64) error {
	if id == "" {
		return ErrNotFound
	}
	return c.caller.Call(ctx, "DELETE", "/api/v1/admin/products/"+url.PathEscape(id), nil, nil,
		"If-Match", ifMatchHeader(id, ifVersion))
}

// ImportProducts calls POST /api/v1/admin/products/import with r's lines and relays the progress
// lines the catalog streams back.
func (c *Client) ImportProducts(ctx context.Context, r io.Reader, progress func(ImportProgress)) (ImportReport, error) {
	body, err := io.ReadAll(io.LimitReader(r, maxImportBytes+1))
	if err != nil {
		return ImportReport{}, err
	}
	if len(body) > maxImportBytes {
		return ImportReport{}, apperr.New(apperr.TooLarge, "import_too_large", "Send at most 64 MiB per import through the client.")
	}
	resp, done, err := c.caller.Stream(ctx, "POST", "/api/v1/admin/products/import", "application/x-ndjson", body)
	if err != nil {
		return ImportReport{}, err
	}
	defer done()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var line struct {
			Progress *ImportProgress `json:"progress"`
			Report   *ImportReport   `json:"report"`
			Error    *struct {
				Detail   string         `json:"detail"`
				Progress ImportProgress `json:"progress"`
			} `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return ImportReport{}, fmt.Errorf("catalog import: bad answer line: %w", err)
		}
		switch {
		case line.Progress != nil && progress != nil:
			progress(*line.Progress)
		case line.Report != nil:
			return *line.Report, nil
		case line.Error != nil:
			return ImportReport{ImportProgress: line.Error.Progress},
				apperr.New(apperr.Internal, "import_stopped", line.Error.Detail)
		}
	}
	if err := sc.Err(); err != nil {
		return ImportReport{}, errUnavailable.WithCause(fmt.Errorf("catalog import: %w", err))
	}
	return ImportReport{}, errUnavailable.WithCause(fmt.Errorf("catalog import: answer ended without a report"))
}

// CreateCategory calls POST /api/v1/admin/categories.
func (c *Client) CreateCategory(ctx context.Context, cat Category) (Category, error) {
	var out Category
	return out, c.caller.Call(ctx, "POST", "/api/v1/admin/categories", cat, &out)
}

// UpdateCategory calls PUT /api/v1/admin/categories/{slug}.
func (c *Client) UpdateCategory(ctx context.Context, slug string, cat Category) (Category, error) {
	var out Category
	return out, c.caller.Call(ctx, "PUT", "/api/v1/admin/categories/"+url.PathEscape(slug), cat, &out)
}

// DeleteCategory calls DELETE /api/v1/admin/categories/{slug}.
func (c *Client) DeleteCategory(ctx context.Context, slug string) error {
	return c.caller.Call(ctx, "DELETE", "/api/v1/admin/categories/"+url.PathEscape(slug), nil, nil)
}

// ScanProducts calls GET /api/v1/internal/catalog/scan.
func (c *Client) ScanProducts(ctx context.Context, after string, limit int) ([]ProductUpserted, error) {
	v := url.Values{"limit": {strconv.Itoa(min(max(limit, 1), maxScan))}}
	if after != "" {
		v.Set("after", after)
	}
	var out struct {
		Items []ProductUpserted `json:"items"`
	}
	return out.Items, c.caller.Call(ctx, "GET", "/api/v1/internal/catalog/scan?"+v.Encode(), nil, &out)
}
