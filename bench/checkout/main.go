// Command checkout drives checkouts over HTTP against a running pasar serve: it stocks three
// products, builds carts of three lines (untimed), then checks them out at a set concurrency and
// prints checkouts per second with p50 and p99 latency. bench/checkout.sh runs it.
//
//	go run ./bench/checkout -base http://127.0.0.1:18190 -token $ADMIN_TOKEN -n 2000 -c 16
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	base := flag.String("base", "http://127.0.0.1:8080", "the shop's base URL")
	token := flag.String("token", "", "an admin's access token, to stock the products")
	n := flag.Int("n", 1000, "checkouts to make")
	conc := flag.Int("c", 16, "checkouts at once")
	tag := flag.String("tag", strconv.FormatInt(time.Now().UnixNano(), 36), "prefix of the idempotency keys")
	flag.Parse()
	if err := run(*base, *token, *tag, *n, *conc); err != nil {
		fmt.Fprintln(os.Stderr, "checkout:", err)
		os.Exit(1)
	}
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 60 * time.Second}

func call(method, url, token string, body, out any, hdr ...string) (int, error) {
	var r io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, raw)
	}
	if out != nil {
		return resp.StatusCode, json.Unmarshal(raw, out)
	}
	return resp.StatusCode, nil
}

// each runs f(i) for i in [0, n) on conc goroutines and returns the first error.
func each(n, conc int, f func(i int) error) error {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}

func run(base, token, tag string, n, conc int) error {
	var page struct {
		Items []struct {
			Variants []struct {
				SKU string `json:"sku"`
			} `json:"variants"`
		} `json:"items"`
	}
	if _, err := call("GET", base+"/api/v1/products?limit=3", "", nil, &page); err != nil {
		return err
	}
	if len(page.Items) < 3 {
		return fmt.Errorf("the catalog has %d products; three are needed (serve --demo)", len(page.Items))
	}
	var skus []string
	for _, p := range page.Items {
		skus = append(skus, p.Variants[0].SKU)
	}
	for _, sku := range skus {
		if _, err := call("PUT", base+"/api/v1/admin/inventory/"+sku, token,
			map[string]any{"warehouse": "main", "on_hand": 1_000_000, "reason": "checkout benchmark"}, nil); err != nil {
			return err
		}
	}
	carts := make([]string, n)
	start := time.Now()
	err := each(n, conc, func(i int) error {
		var c struct {
			ID string `json:"id"`
		}
		if _, err := call("POST", base+"/api/v1/carts", "", map[string]any{}, &c); err != nil {
			return err
		}
		for j, sku := range skus {
			if _, err := call("POST", base+"/api/v1/carts/"+c.ID+"/items", "", map[string]any{"sku": sku, "quantity": j + 1}, nil); err != nil {
				return err
			}
		}
		carts[i] = c.ID
		return nil
	})
	if err != nil {
		return err
	}
	cartTime := time.Since(start)

	lat := make([]time.Duration, n)
	start = time.Now()
	err = each(n, conc, func(i int) error {
		t := time.Now()
		var o struct {
			Status string `json:"status"`
		}
		_, err := call("POST", base+"/api/v1/checkout", "", map[string]any{"cart_id": carts[i], "email": "bench@example.test",
			"shipping_address": map[string]string{"name": "Bench", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"},
			"payment":          map[string]string{"provider": "test", "card_number": "4242424242424242"}},
			&o, "Idempotency-Key", tag+"-"+strconv.Itoa(i))
		if err == nil && o.Status != "paid" && o.Status != "placed" {
			err = fmt.Errorf("checkout answered status %q", o.Status)
		}
		lat[i] = time.Since(t)
		return err
	})
	if err != nil {
		return err
	}
	took := time.Since(start)
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	// One line: checkouts/s p50-ms p99-ms carts/s (the untimed cart building, for reference).
	fmt.Printf("%.0f %.1f %.1f %.0f\n", float64(n)/took.Seconds(), ms(lat[n/2]), ms(lat[n*99/100]), float64(n)/cartTime.Seconds())
	return nil
}
