package catalog

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/pasarhq/pasar/internal/platform/apperr"
)

// parseQuery reads a list query from a raw URL query string. It works on the string in place
// (no map, no copies unless a value is escaped), since it runs on every list request. Unknown
// parameters are rejected by name so a misspelt filter is not silently ignored; admin lists
// also accept status.
func parseQuery(raw string, admin bool) (Query, error) {
	var q Query
	var errs []apperr.FieldError
	bad := func(field, detail string) { errs = append(errs, apperr.FieldError{Field: field, Detail: detail}) }
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, kerr := unescape(k)
		v, verr := unescape(v)
		if kerr != nil || verr != nil {
			bad("(query)", "is not a valid URL query")
			continue
		}
		var err error
		switch k {
		case "category":
			q.Category = v
		case "brand":
			q.Brand = v
		case "price_min":
			if q.PriceMin, err = strconv.ParseInt(v, 10, 64); err != nil || q.PriceMin < 0 {
				bad(k, "must be a non-negative integer amount in minor units")
			}
		case "price_max":
			if q.PriceMax, err = strconv.ParseInt(v, 10, 64); err != nil || q.PriceMax < 0 {
				bad(k, "must be a non-negative integer amount in minor units")
			}
		case "sort":
			q.Sort = Sort(v)
		case "cursor":
			q.Cursor = v
		case "limit":
			if q.Limit, err = strconv.Atoi(v); err != nil || q.Limit < 1 {
				bad(k, "must be a whole number from 1 to "+strconv.Itoa(MaxLimit))
			}
		case "status":
			if admin {
				q.Status = Status(v)
				break
			}
			bad(k, "is not a filter here: only active products are listed")
		case "q":
			if admin {
				q.Text = v
				break
			}
			bad(k, "is not a filter here: search products with /api/v1/search")
		default:
			if len(k) > 64 {
				k = k[:64]
			}
			bad(k, "is not a known parameter (category, brand, price_min, price_max, sort, cursor, limit; admin lists also status, q)")
		}
	}
	if len(errs) > 0 {
		return Query{}, &apperr.Error{Kind: apperr.BadRequest, Code: "bad_query",
			Message: "The list query is invalid.", Fields: errs}
	}
	return q, nil
}

func unescape(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, nil
	}
	return url.QueryUnescape(s)
}
