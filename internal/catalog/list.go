package catalog

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/db"
)

// likeEscaper makes text match itself in a LIKE pattern with ESCAPE '\'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// checkQuery validates q and fills its defaults.
func checkQuery(q *Query) error {
	var errs []apperr.FieldError
	if q.Sort == "" {
		q.Sort = Newest
	}
	if q.Sort != Newest && q.Sort != PriceAsc && q.Sort != PriceDesc {
		errs = append(errs, apperr.FieldError{Field: "sort", Detail: "must be newest, price_asc or price_desc"})
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		errs = append(errs, apperr.FieldError{Field: "limit", Detail: "must be between 1 and " + strconv.Itoa(MaxLimit)})
	}
	if q.PriceMin < 0 {
		errs = append(errs, apperr.FieldError{Field: "price_min", Detail: "must not be negative"})
	}
	if q.PriceMax < 0 || (q.PriceMax > 0 && q.PriceMax < q.PriceMin) {
		errs = append(errs, apperr.FieldError{Field: "price_max", Detail: "must not be negative or below price_min"})
	}
	if len(q.Text) > MaxTextLength || !utf8.ValidString(q.Text) || strings.ContainsFunc(q.Text, unicode.IsControl) {
		errs = append(errs, apperr.FieldError{Field: "q", Detail: "must be text of at most " + strconv.Itoa(MaxTextLength) + " bytes"})
	}
	if q.Status != "" && q.Status != Draft && q.Status != Active && q.Status != Archived {
		errs = append(errs, apperr.FieldError{Field: "status", Detail: "must be draft, active or archived"})
	}
	if len(errs) > 0 {
		return &apperr.Error{Kind: apperr.BadRequest, Code: "bad_query", Message: "The list query is invalid.", Fields: errs}
	}
	return nil
}

// cursor is the position after the last row of a page: the sort key's value and the id.
type cursor struct {
	sort Sort
	key  int64
	id   string
}

func (c cursor) encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte(string(c.sort) + "|" + strconv.FormatInt(c.key, 10) + "|" + c.id))
}

func decodeCursor(s string, sort Sort) (cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, ErrBadCursor
	}
	parts := strings.SplitN(string(raw), "|", 3)
	if len(parts) != 3 || Sort(parts[0]) != sort {
		return cursor{}, ErrBadCursor
	}
	key, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return cursor{}, ErrBadCursor
	}
	return cursor{sort: sort, key: key, id: parts[2]}, nil
}

// listProducts returns the page q selects; the category filter includes descendants (from t).
func listProducts(ctx context.Context, d db.Querier, t tree, q Query) (Page, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if q.Status != "" {
		where = append(where, "status = "+arg(string(q.Status)))
	}
	if q.Brand != "" {
		where = append(where, "brand = "+arg(q.Brand))
	}
	if t := strings.TrimSpace(q.Text); t != "" {
		where = append(where, `search_text LIKE `+arg("%"+likeEscaper.Replace(strings.ToLower(t))+"%")+` ESCAPE '\'`)
	}
	if q.PriceMin > 0 {
		where = append(where, "min_price >= "+arg(q.PriceMin))
	}
	if q.PriceMax > 0 {
		where = append(where, "min_price <= "+arg(q.PriceMax))
	}
	if q.Category != "" {
		if _, ok := t[q.Category]; !ok {
			return Page{Items: []Product{}}, nil
		}
		var in []string
		for _, c := range t.descendants(q.Category) {
			in = append(in, arg(c))
		}
		where = append(where, "EXISTS (SELECT 1 FROM product_categories pc WHERE pc.product_id = p.id AND pc.category IN ("+
			strings.Join(in, ", ")+"))")
	}
	keyCol, dir, cmpOp := "created_at", "DESC", "<"
	switch q.Sort {
	case PriceAsc:
		keyCol, dir, cmpOp = "min_price", "ASC", ">"
	case PriceDesc:
		keyCol = "min_price"
	}
	if q.Cursor != "" {
		c, err := decodeCursor(q.Cursor, q.Sort)
		if err != nil {
			return Page{}, err
		}
		where = append(where, "("+keyCol+", id) "+cmpOp+" ("+arg(c.key)+", "+arg(c.id)+")")
	}
	sql := `SELECT doc, ` + keyCol + `, id FROM products p`
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY " + keyCol + " " + dir + ", id " + dir + " LIMIT " + arg(q.Limit+1)
	rows, err := d.QueryContext(ctx, sql, args...)
	if err != nil {
		return Page{}, fmt.Errorf("list products: %w", err)
	}
	defer rows.Close()
	page := Page{Items: make([]Product, 0, q.Limit)}
	var last cursor
	for rows.Next() {
		var doc string
		var c cursor
		if err := rows.Scan(&doc, &c.key, &c.id); err != nil {
			return Page{}, fmt.Errorf("list products: %w", err)
		}
		if len(page.Items) == q.Limit {
			page.NextCursor = cursor{sort: q.Sort, key: last.key, id: last.id}.encode()
			break
		}
		p, err := decodeDoc(doc)
		if err != nil {
			return Page{}, err
		}
		page.Items = append(page.Items, p)
		last = c
	}
	return page, rows.Err()
}
