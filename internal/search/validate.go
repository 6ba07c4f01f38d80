package search

import (
	"fmt"
	"regexp"
	"unicode/utf8"

	"github.com/pasarhq/pasar/internal/platform/apperr"
)

// Limits on a query, so that no request can make the index do unbounded work.
const (
	MaxQueryRunes   = 200   // longer text is rejected: nobody types that into a search box
	MaxQueryTerms   = 16    // words past this are ignored
	DefaultPageSize = 20    // hits per page when none is asked for
	MaxPageSize     = 100   // the largest page
	MaxDepth        = 10000 // page*page_size: deeper pages cost more than they are worth
	MaxFilterValues = 20    // values of one filter, and attribute names in one query
	MaxSuggestions  = 8     // completions Suggest returns
	maxValueRunes   = 200   // one filter value
)

// attrName is what an attribute filter's name may look like.
var attrName = regexp.MustCompile(`^[a-z0-9_\-]{1,64}$`)

// ErrBadQuery is the sentinel for a query that cannot be run; its Fields name the parameters.
var ErrBadQuery = apperr.New(apperr.BadRequest, "bad_search_query", "The search query has invalid parameters.")

// Validate checks q against the limits and fills in its defaults. The field names in its errors
// are the HTTP parameters' names.
func (q *Query) Validate() error {
	var fields []apperr.FieldError
	bad := func(field, format string, args ...any) {
		fields = append(fields, apperr.FieldError{Field: field, Detail: fmt.Sprintf(format, args...)})
	}
	if n := utf8.RuneCountInString(q.Text); n > MaxQueryRunes {
		bad("q", "is %d characters long; the limit is %d", n, MaxQueryRunes)
	}
	if !utf8.ValidString(q.Text) {
		bad("q", "is not valid UTF-8")
	}
	checkValues := func(field string, vs []string) {
		if len(vs) > MaxFilterValues {
			bad(field, "has %d values; the limit is %d", len(vs), MaxFilterValues)
		}
		for _, v := range vs {
			if v == "" || utf8.RuneCountInString(v) > maxValueRunes || !utf8.ValidString(v) {
				bad(field, "values must be 1 to %d characters of UTF-8", maxValueRunes)
				return
			}
		}
	}
	checkValues("category", q.Categories)
	checkValues("brand", q.Brands)
	if len(q.Attributes) > MaxFilterValues {
		bad("attr", "filters on %d attributes; the limit is %d", len(q.Attributes), MaxFilterValues)
	}
	for name, vs := range q.Attributes {
		if !attrName.MatchString(name) {
			bad("attr."+name, "attribute names are 1 to 64 of a-z, 0-9, _ and -")
			continue
		}
		checkValues("attr."+name, vs)
	}
	if q.PriceMin != nil && *q.PriceMin < 0 {
		bad("price_min", "must not be negative")
	}
	if q.PriceMax != nil && *q.PriceMax < 0 {
		bad("price_max", "must not be negative")
	}
	if q.PriceMin != nil && q.PriceMax != nil && *q.PriceMin > *q.PriceMax {
		bad("price_max", "must not be below price_min")
	}
	switch q.Sort {
	case "":
		q.Sort = SortRelevance
	case SortRelevance, SortPriceAsc, SortPriceDesc, SortNewest:
	default:
		bad("sort", "must be one of relevance, price_asc, price_desc, newest")
	}
	if q.Page == 0 {
		q.Page = 1
	}
	if q.PageSize == 0 {
		q.PageSize = DefaultPageSize
	}
	if q.Page < 1 {
		bad("page", "must be 1 or more")
	}
	if q.PageSize < 1 || q.PageSize > MaxPageSize {
		bad("page_size", "must be between 1 and %d", MaxPageSize)
	}
	if q.Page >= 1 && q.PageSize >= 1 && q.PageSize <= MaxPageSize && (q.Page > MaxDepth || q.Page*q.PageSize > MaxDepth) {
		bad("page", "page times page_size must not exceed %d; narrow the search instead", MaxDepth)
	}
	if len(fields) > 0 {
		e := *ErrBadQuery
		e.Fields = fields
		return &e
	}
	return nil
}
