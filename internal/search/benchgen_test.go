package search

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/pasarhq/pasar/internal/catalog"
)

// Vocabulary of the generated catalog: realistic words for what shoppers type, and enough
// made-up words in descriptions to give the term dictionary a real catalog's size.
var (
	benchRoots = []string{"clothing", "shoes", "electronics", "home", "garden", "sports", "toys", "beauty"}
	benchNouns = map[string][]string{
		"clothing":    {"jacket", "sweater", "shirt", "trousers", "dress", "hoodie", "scarf", "coat"},
		"shoes":       {"sneakers", "boots", "sandals", "loafers", "trainers", "slippers", "heels", "clogs"},
		"electronics": {"laptop", "headphones", "speaker", "monitor", "keyboard", "camera", "tablet", "charger"},
		"home":        {"lamp", "blanket", "pillow", "curtain", "mirror", "candle", "rug", "vase"},
		"garden":      {"shovel", "planter", "hose", "trowel", "lantern", "bench", "sprinkler", "shears"},
		"sports":      {"racket", "helmet", "bicycle", "dumbbell", "backpack", "tent", "gloves", "bottle"},
		"toys":        {"puzzle", "robot", "blocks", "doll", "kite", "train", "marbles", "yoyo"},
		"beauty":      {"serum", "lipstick", "shampoo", "perfume", "lotion", "brush", "mascara", "cleanser"},
	}
	benchAdjectives = []string{"lightweight", "waterproof", "classic", "vintage", "organic", "premium",
		"compact", "wireless", "ergonomic", "durable", "handmade", "modern", "rustic", "portable", "deluxe", "essential"}
	benchColours   = []string{"black", "white", "grey", "navy", "blue", "red", "green", "yellow", "brown", "beige", "pink", "purple"}
	benchMaterials = []string{"cotton", "wool", "leather", "polyester", "bamboo", "steel", "aluminium", "oak", "ceramic", "silicone"}
	benchSizes     = []string{"xs", "s", "m", "l", "xl"}
)

// syllables build made-up brand names and description filler.
var syllables = []string{"ka", "lo", "mi", "ra", "ven", "tor", "bel", "zu", "nor", "fi", "qua", "sel", "dor", "pli", "mar", "tek"}

func benchWord(r *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		b.WriteString(syllables[r.IntN(len(syllables))])
	}
	return b.String()
}

// benchCatalog generates n products deterministically; it implements Scanner.
type benchCatalog struct {
	n      int
	brands []string
	filler []string
}

func newBenchCatalog(n int) *benchCatalog {
	r := rand.New(rand.NewPCG(1, 2))
	c := &benchCatalog{n: n}
	for range 200 {
		w := benchWord(r, 2+r.IntN(2))
		c.brands = append(c.brands, strings.ToUpper(w[:1])+w[1:])
	}
	for range 5000 {
		c.filler = append(c.filler, benchWord(r, 2+r.IntN(3)))
	}
	return c
}

func (c *benchCatalog) product(i int) catalog.ProductUpserted {
	r := rand.New(rand.NewPCG(uint64(i), 7))
	root := benchRoots[r.IntN(len(benchRoots))]
	nouns := benchNouns[root]
	noun := nouns[r.IntN(len(nouns))]
	sub := root + "-" + noun
	adj1, adj2 := benchAdjectives[r.IntN(len(benchAdjectives))], benchAdjectives[r.IntN(len(benchAdjectives))]
	brand := c.brands[r.IntN(len(c.brands))]
	title := fmt.Sprintf("%s %s %s %s-%d", strings.ToUpper(adj1[:1])+adj1[1:], adj2, noun, strings.ToUpper(benchWord(r, 1)), r.IntN(900)+100)
	var desc strings.Builder
	for j := range 25 + r.IntN(25) {
		if j%6 == 0 {
			desc.WriteString(benchAdjectives[r.IntN(len(benchAdjectives))])
		} else {
			desc.WriteString(c.filler[r.IntN(len(c.filler))])
		}
		desc.WriteByte(' ')
	}
	// Log-uniform prices from 5.00 to 3,000.00, as real catalogs have many cheap and few dear items.
	price := int64(500 * pow(600, r.Float64()))
	attrs, _ := json.Marshal(map[string]any{"material": benchMaterials[r.IntN(len(benchMaterials))], "weight_g": 100 + r.IntN(5000)})
	p := catalog.Product{
		ID: fmt.Sprintf("p%07d", i), Slug: fmt.Sprintf("%s-%d", noun, i), Title: title, Brand: brand,
		Description: desc.String(), Categories: []string{sub}, Attributes: attrs, Status: catalog.Active, Version: 1,
		Images:    []catalog.Image{{URL: fmt.Sprintf("/images/p%07d.png", i), Alt: title}},
		CreatedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute),
	}
	for v, colour := range []string{benchColours[r.IntN(len(benchColours))], benchColours[r.IntN(len(benchColours))]} {
		p.Variants = append(p.Variants, catalog.Variant{
			SKU: fmt.Sprintf("%s-%d", p.ID, v), Options: map[string]string{"colour": colour, "size": benchSizes[r.IntN(len(benchSizes))]},
			Price: catalog.Money{Amount: price + int64(v*100), Currency: "USD"},
		})
	}
	return catalog.ProductUpserted{Product: p, CategoryPath: []string{root, sub}}
}

func pow(b, e float64) float64 { return math.Pow(b, e) }

func (c *benchCatalog) ScanProducts(ctx context.Context, after string, limit int) ([]catalog.ProductUpserted, error) {
	start := 0
	if after != "" {
		fmt.Sscanf(after, "p%d", &start)
		start++
	}
	var out []catalog.ProductUpserted
	for i := start; i < c.n && len(out) < limit; i++ {
		out = append(out, c.product(i))
	}
	return out, nil
}
