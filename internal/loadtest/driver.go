package loadtest

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// driver makes the steps of one run and keeps their figures.
type driver struct {
	shop     *Shop
	products []Product
	sold     []Product // the products carts and checkouts buy
	words    []string
	tag      string // makes idempotency keys unique to the run

	stats            map[string]*kindStats
	requests, failed atomic.Int64
}

type kindStats struct {
	mu      sync.Mutex
	latency []time.Duration
	ok      int
	errors  map[string]int
}

// step makes step n of kind k.
func (d *driver) step(ctx context.Context, k string, n int64) {
	p := d.products[n%int64(len(d.products))]
	switch k {
	case KindBrowse:
		d.timed(ctx, KindBrowse, func() (int, error) { return d.shop.Get(ctx, "/api/v1/products?limit=20") })
	case KindProduct:
		d.timed(ctx, KindProduct, func() (int, error) { return d.shop.Get(ctx, "/api/v1/products/"+url.PathEscape(p.Slug)) })
	case KindSearch:
		q := d.words[n%int64(len(d.words))]
		d.timed(ctx, KindSearch, func() (int, error) { return d.shop.Get(ctx, "/api/v1/search?q="+url.QueryEscape(q)) })
	case KindCart, KindCheckout:
		cart, ok := d.cart(ctx, d.sold[n%int64(len(d.sold))].SKU)
		if ok && k == KindCheckout {
			key := d.tag + "-" + strconv.FormatInt(n, 10)
			d.timed(ctx, KindCheckout, func() (int, error) { return d.shop.Checkout(ctx, cart, key) })
		}
	}
}

// cart makes a cart with one line of sku, two cart requests.
func (d *driver) cart(ctx context.Context, sku string) (string, bool) {
	var id string
	ok := d.timed(ctx, KindCart, func() (code int, err error) {
		id, code, err = d.shop.CreateCart(ctx)
		return code, err
	})
	return id, ok && d.timed(ctx, KindCart, func() (int, error) { return d.shop.AddItem(ctx, id, sku, 1) })
}

// timed makes one request and records its latency and outcome under kind k; it reports
// whether the request succeeded. Requests cut off because ctx ended are not counted.
func (d *driver) timed(ctx context.Context, k string, call func() (int, error)) bool {
	start := time.Now()
	code, err := call()
	took := time.Since(start)
	if ctx.Err() != nil {
		return false
	}
	s := d.stats[k]
	s.mu.Lock()
	s.latency = append(s.latency, took)
	switch {
	case err == nil:
		s.ok++
	case code == 0:
		s.errors["network"]++
	default:
		s.errors[strconv.Itoa(code)]++
	}
	s.mu.Unlock()
	d.requests.Add(1)
	if err != nil {
		d.failed.Add(1)
	}
	return err == nil
}

// reportProgress calls progress every second until the returned stop is called.
func (d *driver) reportProgress(start time.Time, progress func(Snapshot)) (stop func()) {
	if progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				progress(Snapshot{Elapsed: time.Since(start), Requests: d.requests.Load(), Errors: d.failed.Load()})
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

func (d *driver) report(mix map[string]int, took time.Duration) Report {
	r := Report{Duration: took}
	for _, k := range Kinds {
		s := d.stats[k]
		// A checkout step also makes cart requests.
		if mix[k] == 0 && !(k == KindCart && mix[KindCheckout] > 0) {
			continue
		}
		s.mu.Lock()
		lat := slices.Clone(s.latency)
		kr := KindReport{Kind: k, Requests: len(lat), OK: s.ok, Errors: s.errors,
			PerSec: float64(len(lat)) / took.Seconds()}
		s.mu.Unlock()
		if len(lat) > 0 {
			slices.Sort(lat)
			kr.P50, kr.P99 = lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)]
		}
		r.Kinds = append(r.Kinds, kr)
	}
	return r
}
