package loadtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Kinds of request a load test makes. A cart step is a new cart and an item put in it; a
// checkout step builds a cart (counted as cart requests) and then checks it out.
const (
	KindBrowse   = "browse"   // GET /api/v1/products?limit=20
	KindProduct  = "product"  // GET /api/v1/products/{slug}
	KindSearch   = "search"   // GET /api/v1/search?q=<a word of a title>
	KindCart     = "cart"     // POST /api/v1/carts, POST /api/v1/carts/{id}/items
	KindCheckout = "checkout" // POST /api/v1/checkout with the test card
)

// Kinds lists the kinds in the order reports show them.
var Kinds = []string{KindBrowse, KindProduct, KindSearch, KindCart, KindCheckout}

// DefaultMix weighs the steps roughly as a shop's traffic: mostly reading.
const DefaultMix = "browse=40,product=30,search=20,cart=5,checkout=5"

// Options says what to drive and how hard.
type Options struct {
	Target      string        // the shop's base URL
	Duration    time.Duration // how long to run (when Steps is 0)
	Steps       int           // stop after this many steps instead
	Concurrency int           // steps at once
	Mix         string        // weights of the steps, e.g. DefaultMix
	// Token is an admin's access token; with it the products checked out are stocked first, so
	// checkouts do not run out.
	Token    string
	Progress func(Snapshot) // called about every second
}

// Snapshot is a running test's figures so far.
type Snapshot struct {
	Elapsed  time.Duration
	Requests int64
	Errors   int64
}

// Report is a finished test's figures.
type Report struct {
	Duration time.Duration
	Kinds    []KindReport // in the order of Kinds, those the mix has
}

// KindReport is the figures of one kind of request.
type KindReport struct {
	Kind     string
	Requests int
	OK       int // 2xx answers (for checkouts: paid or placed orders)
	PerSec   float64
	P50, P99 time.Duration
	Errors   map[string]int // by status code, or "network" when no answer came
}

// ParseMix reads "kind=weight,..." into weights per kind.
func ParseMix(s string) (map[string]int, error) {
	mix := map[string]int{}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		w, err := strconv.Atoi(v)
		if !ok || err != nil || w < 0 {
			return nil, fmt.Errorf("mix %q: want kind=weight pairs such as %s", part, DefaultMix)
		}
		if !slices.Contains(Kinds, k) {
			return nil, fmt.Errorf("mix: unknown kind %q (want %s)", k, strings.Join(Kinds, ", "))
		}
		mix[k] = w
	}
	total := 0
	for _, w := range mix {
		total += w
	}
	if total == 0 {
		return nil, errors.New("mix: every weight is 0")
	}
	return mix, nil
}

// schedule spreads the kinds over one cycle in proportion to their weights, interleaved (smooth
// weighted round robin), so that any stretch of steps follows the mix and a run of a whole
// number of cycles makes exactly the weights.
func schedule(mix map[string]int) []string {
	total := 0
	for _, w := range mix {
		total += w
	}
	current := map[string]int{}
	var seq []string
	for range total {
		best := ""
		for _, k := range Kinds {
			if mix[k] == 0 {
				continue
			}
			current[k] += mix[k]
			if best == "" || current[k] > current[best] {
				best = k
			}
		}
		current[best] -= total
		seq = append(seq, best)
	}
	return seq
}

// Run drives the shop until the duration has passed (or Steps are done, or ctx ends) and
// reports what it measured. It fails only when the shop cannot be prepared (no products).
func Run(ctx context.Context, o Options) (Report, error) {
	mix, err := ParseMix(o.Mix)
	if err != nil {
		return Report{}, err
	}
	o.Concurrency = max(o.Concurrency, 1)
	shop := NewShop(strings.TrimRight(o.Target, "/"), o.Concurrency)
	products, err := shop.Products(ctx, 50)
	if err != nil {
		return Report{}, fmt.Errorf("list products at %s: %w", o.Target, err)
	}
	if len(products) == 0 {
		return Report{}, fmt.Errorf("the shop at %s has no products to browse (seed it, or serve --demo)", o.Target)
	}
	sold := products[:min(3, len(products))]
	if o.Token != "" && mix[KindCheckout] > 0 {
		for _, p := range sold {
			if err := shop.Stock(ctx, o.Token, p.SKU, 1_000_000); err != nil {
				return Report{}, fmt.Errorf("stock %s for checkouts: %w", p.SKU, err)
			}
		}
	}
	d := &driver{shop: shop, products: products, sold: sold, words: titleWords(products),
		tag: strconv.FormatInt(time.Now().UnixNano(), 36), stats: map[string]*kindStats{}}
	for _, k := range Kinds {
		d.stats[k] = &kindStats{errors: map[string]int{}}
	}
	seq := schedule(mix)

	start := time.Now()
	deadline := start.Add(o.Duration)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range o.Concurrency {
		wg.Go(func() {
			for ctx.Err() == nil {
				n := next.Add(1) - 1
				if o.Steps > 0 && n >= int64(o.Steps) || o.Steps == 0 && time.Now().After(deadline) {
					return
				}
				d.step(ctx, seq[n%int64(len(seq))], n)
			}
		})
	}
	stopProgress := d.reportProgress(start, o.Progress)
	wg.Wait()
	stopProgress()
	return d.report(mix, time.Since(start)), nil
}

// titleWords picks words of the products' titles to search for.
func titleWords(ps []Product) []string {
	var words []string
	for _, p := range ps {
		for _, w := range strings.Fields(p.Title) {
			if len(w) >= 4 {
				words = append(words, strings.ToLower(w))
			}
		}
	}
	if len(words) == 0 {
		words = []string{"a"}
	}
	return words
}
