package search

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/pasarhq/pasar/internal/catalog"
)

// priceBand is a price facet bucket: [Min, Max) in minor units; Max 0 means no upper bound.
type priceBand struct {
	Key      string
	Min, Max int64
}

// priceBands are the price facet's buckets. The band of each product is computed when it is
// indexed, so the facet is a cheap keyword count rather than a numeric range facet.
var priceBands = []priceBand{
	{"0-1000", 0, 1000},
	{"1000-2500", 1000, 2500},
	{"2500-5000", 2500, 5000},
	{"5000-10000", 5000, 10000},
	{"10000-25000", 10000, 25000},
	{"25000-50000", 25000, 50000},
	{"50000-100000", 50000, 100000},
	{"100000+", 100000, 0},
}

// bandOf returns the key of the price band amount falls in.
func bandOf(amount int64) string {
	for _, b := range priceBands {
		if amount < b.Max || b.Max == 0 {
			return b.Key
		}
	}
	return priceBands[len(priceBands)-1].Key
}

// Limits on what one product puts into the index, so a huge document cannot bloat it.
const (
	maxAttrValues  = 64
	maxAttrValueSz = 100
	maxDescription = 8 << 10
)

// document turns a published product into the fields the index holds.
func document(p catalog.Product, categoryPath []string, rid uint32) map[string]any {
	price := cheapest(p.Variants)
	hit, _ := json.Marshal(Hit{
		ID: p.ID, Slug: p.Slug, Title: p.Title, Brand: p.Brand, Price: price, Image: firstImage(p.Images),
	})
	cats := categoryPath
	if len(cats) == 0 {
		cats = p.Categories
	}
	// Stock is not part of the document: it changes far more often than the product and lives in
	// the search store (stock.go). The SKUs let the table tell which products a change touches.
	rd := rowDoc{RID: rid, Price: price.Amount, Created: p.CreatedAt.UnixMilli(), SKUs: skus(p.Variants)}
	for _, c := range cats {
		rd.Values = append(rd.Values, string(kindCategory)+c)
	}
	if p.Brand != "" {
		rd.Values = append(rd.Values, string(kindBrand)+p.Brand)
	}
	rd.Values = append(rd.Values, string(kindBand)+bandOf(price.Amount))
	attrs := attributes(p)
	values := make([]string, 0, len(attrs))
	for _, a := range attrs {
		pair := a.name + "=" + a.value
		values = append(values, a.value)
		if a.facet {
			rd.Values = append(rd.Values, string(kindAttr)+pair)
		} else {
			rd.Values = append(rd.Values, string(kindNumAttr)+pair)
		}
	}
	row, _ := json.Marshal(rd)
	desc := p.Description
	if len(desc) > maxDescription {
		desc = strings.ToValidUTF8(desc[:maxDescription], "")
	}
	return map[string]any{
		fTitle:       p.Title,
		fBrand:       p.Brand,
		fDescription: desc,
		fAttrText:    strings.Join(values, " "),
		fSuggest:     p.Title + " " + p.Brand,
		fHit:         string(hit),
		fRow:         string(row),
		fRID:         strconv.FormatUint(uint64(rid), 36),
	}
}

// rowOf reads back the table row document() stored.
func rowOf(doc map[string]any) rowDoc {
	var d rowDoc
	_ = json.Unmarshal([]byte(doc[fRow].(string)), &d)
	return d
}

// cheapest returns the lowest variant price, which is what a listing shows and filters on.
func cheapest(vs []catalog.Variant) catalog.Money {
	var m catalog.Money
	for i, v := range vs {
		if i == 0 || v.Price.Amount < m.Amount {
			m = v.Price
		}
	}
	return m
}

// skus returns the variants' SKUs, sorted and without blanks or duplicates.
func skus(vs []catalog.Variant) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		if v.SKU != "" {
			out = append(out, v.SKU)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func firstImage(imgs []catalog.Image) string {
	if len(imgs) == 0 {
		return ""
	}
	best := imgs[0]
	for _, im := range imgs[1:] {
		if im.Position < best.Position {
			best = im
		}
	}
	return best.URL
}

// attr is one attribute or option value of a product.
type attr struct {
	name, value string
	// facet is false for numbers: a weight or a screen size has so many distinct values that
	// counting them costs much and shows little. They can still be filtered on.
	facet bool
}

// attributes returns the product's attribute values and variant option values, lowercased,
// sorted and without duplicates. Nested objects become "outer.inner"; arrays give one value per
// element.
func attributes(p catalog.Product) []attr {
	var out []attr
	add := func(name, value string, facet bool) {
		name, value = strings.ToLower(strings.TrimSpace(name)), strings.ToLower(strings.TrimSpace(value))
		if name == "" || value == "" || len(value) > maxAttrValueSz || len(out) >= maxAttrValues {
			return
		}
		out = append(out, attr{name, value, facet})
	}
	if len(p.Attributes) > 0 {
		d := json.NewDecoder(bytes.NewReader(p.Attributes))
		d.UseNumber()
		var v any
		if d.Decode(&v) == nil {
			flatten("", v, add)
		}
	}
	for _, vr := range p.Variants {
		for _, k := range slices.Sorted(maps.Keys(vr.Options)) {
			add(k, vr.Options[k], true)
		}
	}
	slices.SortFunc(out, func(a, b attr) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	return slices.Compact(out)
}

func flatten(name string, v any, add func(name, value string, facet bool)) {
	switch x := v.(type) {
	case map[string]any:
		// Sorted, so that which values the per-product limit keeps does not vary between runs.
		for _, k := range slices.Sorted(maps.Keys(x)) {
			sub := k
			if name != "" {
				sub = name + "." + k
			}
			flatten(sub, x[k], add)
		}
	case []any:
		for _, e := range x {
			flatten(name, e, add)
		}
	case string:
		add(name, x, true)
	case json.Number:
		add(name, x.String(), false)
	case bool:
		add(name, strconv.FormatBool(x), true)
	}
}
