package search

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/svcclient"
)

// Client is Service over the search service's REST API, for processes (the storefront) that do
// not run search. Its calls need no token. Errors come back as the sentinels the index returns.
type Client struct {
	caller *svcclient.Caller
}

var _ Service = (*Client)(nil)

// NewClient returns a client of search at base (one URL or a comma list of replicas); hc nil
// means a client of its own. A call attempt times out after 5 s unless opts say otherwise.
func NewClient(base string, hc *http.Client, opts ...svcclient.Option) *Client {
	return &Client{caller: svcclient.New("search", base, hc, 5*time.Second, errUnavailable, opts...)}
}

var errUnavailable = apperr.New(apperr.Unavailable, "search_unavailable", "Search is unavailable right now.")

// Search calls GET /api/v1/search.
func (c *Client) Search(ctx context.Context, q Query) (Result, error) {
	if err := q.Validate(); err != nil {
		return Result{}, err // the same answer as the index, without a round trip
	}
	var r Result
	return r, c.caller.Call(ctx, "GET", "/api/v1/search?"+EncodeQuery(q).Encode(), nil, &r)
}

// Suggest calls GET /api/v1/search/suggest.
func (c *Client) Suggest(ctx context.Context, prefix string) ([]Suggestion, error) {
	var out struct {
		Suggestions []Suggestion `json:"suggestions"`
	}
	return out.Suggestions, c.caller.Call(ctx, "GET", "/api/v1/search/suggest?"+url.Values{"q": {prefix}}.Encode(), nil, &out)
}

// EncodeQuery is the inverse of ParseQuery: the URL parameters that ask for q.
func EncodeQuery(q Query) url.Values {
	v := url.Values{}
	if q.Text != "" {
		v.Set("q", q.Text)
	}
	v["category"] = q.Categories
	v["brand"] = q.Brands
	for name, vals := range q.Attributes {
		v[attrPrefix+name] = vals
	}
	if q.PriceMin != nil {
		v.Set("price_min", strconv.FormatInt(*q.PriceMin, 10))
	}
	if q.PriceMax != nil {
		v.Set("price_max", strconv.FormatInt(*q.PriceMax, 10))
	}
	if q.InStock != nil {
		v.Set("in_stock", strconv.FormatBool(*q.InStock))
	}
	if q.Sort != "" {
		v.Set("sort", string(q.Sort))
	}
	if q.Page != 0 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	if q.PageSize != 0 {
		v.Set("page_size", strconv.Itoa(q.PageSize))
	}
	for k, vals := range v {
		if len(vals) == 0 {
			delete(v, k)
		}
	}
	return v
}
