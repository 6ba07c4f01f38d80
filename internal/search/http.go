package search

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// Handler serves the search API on any Service.
type Handler struct {
	s Service
}

// NewHandler returns the HTTP handlers for s.
func NewHandler(s Service) *Handler { return &Handler{s: s} }

// Routes registers the search endpoints on r.
func (h *Handler) Routes(r *httpx.Router) {
	r.HandleFunc("GET /api/v1/search", h.search)
	r.HandleFunc("GET /api/v1/search/suggest", h.suggest)
}

// cacheControl lets a CDN or browser reuse an answer briefly; the index changes within seconds
// of a catalog write, so longer would show stale results.
const cacheControl = "public, max-age=5"

func (h *Handler) search(w http.ResponseWriter, r *http.Request) {
	q, err := ParseQuery(r.URL.Query())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	res, err := h.s.Search(r.Context(), q)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", cacheControl)
	httpx.JSON(w, http.StatusOK, res)
}

func (h *Handler) suggest(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	for name, vs := range v {
		if name != "q" {
			httpx.WriteError(w, r, badParam(name, "is not a parameter of search suggestions; use q"))
			return
		}
		if len(vs) > 1 {
			httpx.WriteError(w, r, badParam(name, "is given more than once"))
			return
		}
	}
	s, err := h.s.Suggest(r.Context(), v.Get("q"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", cacheControl)
	httpx.JSON(w, http.StatusOK, map[string]any{"suggestions": s})
}

// attrPrefix starts an attribute filter's parameter name: attr.colour=blue.
const attrPrefix = "attr."

// ParseQuery reads a Query from URL parameters. Unknown parameters, repeated single-valued ones
// and values that do not parse are a 400 naming the parameter; Query.Validate checks the rest.
func ParseQuery(v url.Values) (Query, error) {
	var q Query
	var fields []apperr.FieldError
	bad := func(name, detail string) { fields = append(fields, apperr.FieldError{Field: name, Detail: detail}) }
	one := func(name string) (string, bool) {
		vs := v[name]
		if len(vs) > 1 {
			bad(name, "is given more than once")
			return "", false
		}
		if len(vs) == 0 {
			return "", false
		}
		return vs[0], true
	}
	integer := func(name string) (int64, bool) {
		s, ok := one(name)
		if !ok || s == "" {
			return 0, false
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			bad(name, "must be a whole number")
			return 0, false
		}
		return n, true
	}
	for name, vs := range v {
		switch {
		case name == "q" || name == "sort" || name == "page" || name == "page_size" ||
			name == "price_min" || name == "price_max" || name == "in_stock":
		case name == "category":
			q.Categories = nonEmpty(vs)
		case name == "brand":
			q.Brands = nonEmpty(vs)
		case strings.HasPrefix(name, attrPrefix):
			if q.Attributes == nil {
				q.Attributes = map[string][]string{}
			}
			attr := strings.ToLower(strings.TrimPrefix(name, attrPrefix))
			q.Attributes[attr] = append(q.Attributes[attr], nonEmpty(vs)...)
		default:
			bad(name, "is not a search parameter; use q, category, brand, price_min, price_max, "+
				"in_stock, attr.<name>, sort, page or page_size")
		}
	}
	q.Text, _ = one("q")
	s, _ := one("sort")
	q.Sort = Sort(s)
	if n, ok := integer("price_min"); ok {
		q.PriceMin = &n
	}
	if n, ok := integer("price_max"); ok {
		q.PriceMax = &n
	}
	if n, ok := integer("page"); ok {
		q.Page = clampInt(n)
		if n < 1 {
			bad("page", "must be 1 or more")
		}
	}
	if n, ok := integer("page_size"); ok {
		q.PageSize = clampInt(n)
		if n < 1 {
			bad("page_size", "must be 1 or more")
		}
	}
	if s, ok := one("in_stock"); ok && s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			bad("in_stock", "must be true or false")
		} else {
			q.InStock = &b
		}
	}
	if len(fields) > 0 {
		e := *ErrBadQuery
		e.Fields = fields
		return q, &e
	}
	return q, nil
}

// nonEmpty drops empty values, so "brand=" is no filter rather than a filter nothing matches.
func nonEmpty(vs []string) []string {
	var out []string
	for _, s := range vs {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// clampInt keeps a parsed number within int; Validate rejects anything this large anyway.
func clampInt(n int64) int {
	const limit = 1 << 30
	return int(max(min(n, limit), -limit))
}

func badParam(name, detail string) error {
	e := *ErrBadQuery
	e.Fields = []apperr.FieldError{{Field: name, Detail: detail}}
	return &e
}
