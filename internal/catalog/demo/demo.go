// Package demo generates Pasar's demo catalog: a category tree, brands, per-type attributes,
// variants and prices. Product i is the same on every run and for every catalog size, so demo
// shops, benchmarks and bug reports agree on what "product 42" is.
package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pasarhq/pasar/internal/catalog"
)

// Categories returns the demo category tree, parents before children.
func Categories() []catalog.Category { return append([]catalog.Category(nil), categories...) }

// maxVariants bounds the variants of a demo product (sizes x colours would give 42).
const maxVariants = 8

// namespace makes demo product ids deterministic (UUID v5 of the slug).
var namespace = uuid.MustParse("6f1c1f0e-7d5b-4c62-9a57-2b8f0c3e9d11")

// epoch is when the demo shop "opened"; product i was added i minutes later.
var epoch = time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)

// rng is a deterministic random source with helpers for picking.
type rng struct{ *rand.Rand }

func (r rng) intn(n int) int { return r.IntN(n) }

func (r rng) pick(values any) any {
	switch v := values.(type) {
	case []string:
		return v[r.IntN(len(v))]
	case []int:
		return v[r.IntN(len(v))]
	case []float64:
		return v[r.IntN(len(v))]
	}
	return nil
}

func pickString(r rng, v []string) string { return v[r.IntN(len(v))] }

// Product returns demo product i (0-based).
func Product(i int) catalog.Product {
	r := rng{rand.New(rand.NewPCG(uint64(i), 0x5eed))}
	k := kinds[i%len(kinds)]
	brand := pickString(r, k.brands)
	title := fmt.Sprintf("%s %s %s %d", brand, pickString(r, k.adjectives), pickString(r, k.nouns), 100+r.IntN(900))
	slug := catalog.Slugify(title) + "-" + fmt.Sprint(i)
	attrs, _ := json.Marshal(k.attrs(r))
	base := k.price[0] + r.Int64N(k.price[1]-k.price[0])
	base = base/100*100 + 99 // prices end in .99
	status := catalog.Active
	switch i % 50 {
	case 7:
		status = catalog.Draft
	case 13:
		status = catalog.Archived
	}
	p := catalog.Product{
		ID:          uuid.NewSHA1(namespace, []byte(slug)).String(),
		Slug:        slug,
		Title:       title,
		Description: describe(r, k, brand, title),
		Brand:       brand,
		Type:        k.name,
		Categories:  []string{k.category},
		Attributes:  attrs,
		Status:      status,
		CreatedAt:   epoch.Add(time.Duration(i) * time.Minute),
	}
	for j := range 1 + r.IntN(3) {
		seed := fmt.Sprintf("%s-%d-%d", k.name, i, j)
		p.Images = append(p.Images, catalog.Image{URL: catalog.PlaceholderURL(seed), Alt: title, Position: j})
	}
	p.Variants = variants(r, k, i, base)
	return p
}

// variants crosses the kind's options (all values of the first, a few of the second), each
// with its own SKU, price and barcode.
func variants(r rng, k kind, i int, base int64) []catalog.Variant {
	combos := []map[string]string{{}}
	extras := []int64{0}
	for _, o := range k.options {
		var next []map[string]string
		var nextExtra []int64
		values := o.values
		if len(combos) > 1 && len(values) > 2 {
			start := r.IntN(len(values) - 1)
			values = values[start : start+2]
		}
		for ci, c := range combos {
			for _, v := range values {
				m := map[string]string{o.name: v}
				for key, val := range c {
					m[key] = val
				}
				extra := extras[ci]
				if o.extra != nil {
					extra += o.extra[indexOf(o.values, v)]
				}
				next, nextExtra = append(next, m), append(nextExtra, extra)
			}
		}
		combos, extras = next, nextExtra
	}
	if len(combos) > maxVariants {
		combos, extras = combos[:maxVariants], extras[:maxVariants]
	}
	weight := k.weight[0] + r.IntN(k.weight[1]-k.weight[0]+1)
	out := make([]catalog.Variant, len(combos))
	for j, opts := range combos {
		price := catalog.Money{Amount: base + extras[j], Currency: "USD"}
		v := catalog.Variant{
			SKU:         fmt.Sprintf("%s-%06d-%02d", strings.ToUpper(k.name[:3]), i, j),
			Price:       price,
			WeightGrams: weight,
			Barcode:     fmt.Sprintf("20%09d%02d", i, j),
		}
		if len(opts) > 0 {
			v.Options = opts
		}
		if r.IntN(5) == 0 { // one in five is on sale
			v.CompareAtPrice = &catalog.Money{Amount: price.Amount + price.Amount/4/100*100, Currency: "USD"}
		}
		out[j] = v
	}
	return out
}

func indexOf(values []string, v string) int {
	for i, x := range values {
		if x == v {
			return i
		}
	}
	return 0
}

func describe(r rng, k kind, brand, title string) string {
	openers := []string{"Made to last", "Designed for everyday use", "A customer favourite", "Thoughtfully made",
		"Our best-selling " + k.name}
	middles := []string{"with carefully chosen materials", "tested by our team for months", "built to a high standard",
		"with attention to every detail"}
	return fmt.Sprintf("%s: the %s by %s, %s. %s.", pickString(r, openers), title, brand, pickString(r, middles),
		pickString(r, []string{"Free returns within 30 days", "Ships within two working days", "Two-year warranty included"}))
}

// Seeder is what Seed writes through: the catalog core's bulk path.
type Seeder interface {
	SeedBatch(ctx context.Context, cats []catalog.Category, ps []catalog.Product) (int, error)
}

// batchSize is how many products one transaction stores: large enough that commits do not
// dominate, small enough that progress moves and memory stays flat.
const batchSize = 500

// Seed stores the category tree and products 0..n-1 (skipping those already there), reporting
// progress after each batch. ctx must carry a principal allowed to write the catalog.
func Seed(ctx context.Context, s Seeder, n int, progress func(done, total int)) (int, error) {
	stored := 0
	cats := Categories()
	for start := 0; start < n || (n == 0 && cats != nil); start += batchSize {
		end := min(start+batchSize, n)
		batch := make([]catalog.Product, 0, end-start)
		for i := start; i < end; i++ {
			batch = append(batch, Product(i))
		}
		k, err := s.SeedBatch(ctx, cats, batch)
		if err != nil {
			return stored, fmt.Errorf("seed products %d-%d: %w", start, end-1, err)
		}
		stored += k
		cats = nil
		if progress != nil {
			progress(end, n)
		}
	}
	return stored, nil
}
