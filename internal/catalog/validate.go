package catalog

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/pasarhq/pasar/internal/platform/apperr"
)

// Limits on product fields, so one document cannot grow without bound.
const (
	maxTitle       = 300
	maxDescription = 20000
	maxBrand       = 100
	maxVariants    = 100
	maxImages      = 50
	maxCategories  = 20
	maxAttributes  = 16 << 10
)

var (
	slugPattern = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
	skuPattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
)

// normalize fills what a client may leave out: a slug from the title, draft status, image order.
func normalize(p *Product) {
	p.Title = strings.TrimSpace(p.Title)
	p.Brand = strings.TrimSpace(p.Brand)
	p.Slug = strings.TrimSpace(p.Slug)
	if p.Slug == "" {
		p.Slug = Slugify(p.Title)
	}
	if p.Status == "" {
		p.Status = Draft
	}
	if p.Categories == nil {
		p.Categories = []string{}
	}
	if p.Images == nil {
		p.Images = []Image{}
	}
	if p.Variants == nil {
		p.Variants = []Variant{}
	}
}

// validate checks the rules a product must keep on its own (uniqueness and known categories need
// the store and are checked there), naming every broken field.
func validate(p *Product) []apperr.FieldError {
	var errs []apperr.FieldError
	add := func(field, detail string) { errs = append(errs, apperr.FieldError{Field: field, Detail: detail}) }
	switch {
	case p.Title == "":
		add("title", "is required")
	case utf8.RuneCountInString(p.Title) > maxTitle:
		add("title", "must be at most "+strconv.Itoa(maxTitle)+" characters")
	}
	switch {
	case p.Slug == "":
		add("slug", "is required (or give a title to derive it from)")
	case len(p.Slug) > 200 || !slugPattern.MatchString(p.Slug):
		add("slug", "must be lower-case letters, digits and single hyphens, at most 200 characters")
	case uuid.Validate(p.Slug) == nil:
		add("slug", "must not look like a product id")
	}
	if utf8.RuneCountInString(p.Description) > maxDescription {
		add("description", "must be at most "+strconv.Itoa(maxDescription)+" characters")
	}
	if utf8.RuneCountInString(p.Brand) > maxBrand {
		add("brand", "must be at most "+strconv.Itoa(maxBrand)+" characters")
	}
	if p.Status != Draft && p.Status != Active && p.Status != Archived {
		add("status", "must be draft, active or archived")
	}
	if len(p.Attributes) > 0 {
		var obj map[string]json.RawMessage
		switch {
		case len(p.Attributes) > maxAttributes:
			add("attributes", "must be at most "+strconv.Itoa(maxAttributes)+" bytes")
		case string(p.Attributes) == "null":
			p.Attributes = nil
		case json.Unmarshal(p.Attributes, &obj) != nil:
			add("attributes", "must be a JSON object")
		}
	}
	if len(p.Categories) > maxCategories {
		add("categories", "must list at most "+strconv.Itoa(maxCategories)+" categories")
	}
	for i, c := range p.Categories {
		if !slugPattern.MatchString(c) {
			add("categories["+strconv.Itoa(i)+"]", "must be a category slug")
		}
	}
	if len(p.Images) > maxImages {
		add("images", "must list at most "+strconv.Itoa(maxImages)+" images")
	}
	for i, im := range p.Images {
		if strings.TrimSpace(im.URL) == "" {
			add("images["+strconv.Itoa(i)+"].url", "is required")
		}
		if im.Position < 0 {
			add("images["+strconv.Itoa(i)+"].position", "must not be negative")
		}
	}
	errs = append(errs, validateVariants(p.Variants)...)
	return errs
}

func validateVariants(vs []Variant) []apperr.FieldError {
	var errs []apperr.FieldError
	add := func(field, detail string) { errs = append(errs, apperr.FieldError{Field: field, Detail: detail}) }
	switch {
	case len(vs) == 0:
		add("variants", "at least one variant is required")
	case len(vs) > maxVariants:
		add("variants", "must list at most "+strconv.Itoa(maxVariants)+" variants")
	}
	seen := make(map[string]int, len(vs))
	for i, v := range vs {
		f := "variants[" + strconv.Itoa(i) + "]"
		switch j, dup := seen[v.SKU]; {
		case v.SKU == "":
			add(f+".sku", "is required")
		case !skuPattern.MatchString(v.SKU):
			add(f+".sku", "must be 1-64 letters, digits, '.', '_' or '-'")
		case dup:
			add(f+".sku", "duplicates variants["+strconv.Itoa(j)+"].sku")
		default:
			seen[v.SKU] = i
		}
		errs = append(errs, validateMoney(f+".price", v.Price)...)
		if v.CompareAtPrice != nil {
			errs = append(errs, validateMoney(f+".compare_at_price", *v.CompareAtPrice)...)
			if v.CompareAtPrice.Currency != v.Price.Currency {
				add(f+".compare_at_price.currency", "must be the price's currency")
			}
		}
		if i > 0 && ValidCurrency(vs[0].Price.Currency) && v.Price.Currency != vs[0].Price.Currency {
			add(f+".price.currency", "must be the same as variants[0].price.currency")
		}
		if v.WeightGrams < 0 {
			add(f+".weight_grams", "must not be negative")
		}
		if len(v.Barcode) > 64 {
			add(f+".barcode", "must be at most 64 characters")
		}
	}
	return errs
}

func validateMoney(field string, m Money) []apperr.FieldError {
	var errs []apperr.FieldError
	if m.Amount < 0 {
		errs = append(errs, apperr.FieldError{Field: field + ".amount", Detail: "must not be negative"})
	}
	if !ValidCurrency(m.Currency) {
		errs = append(errs, apperr.FieldError{Field: field + ".currency", Detail: "must be an ISO 4217 currency code such as USD"})
	}
	return errs
}

// Slugify turns a title into a slug: lower-case ASCII letters and digits joined by hyphens.
func Slugify(s string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
		default:
			hyphen = true
		}
		if b.Len() >= 120 {
			break
		}
	}
	return b.String()
}

// minPrice is the lowest variant price, which lists filter and sort on.
func minPrice(vs []Variant) int64 {
	var m int64
	for i, v := range vs {
		if i == 0 || v.Price.Amount < m {
			m = v.Price.Amount
		}
	}
	return m
}
