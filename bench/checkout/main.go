// Command checkout drives checkouts over HTTP against a running pasar serve: it stocks three
// products, builds carts of three lines (untimed), then checks them out at a set concurrency and
// prints checkouts per second with p50 and p99 latency. bench/checkout.sh runs it. It calls the
// shop through the client of `pasar loadtest`, which mixes checkouts with browsing instead.
//
//	go run ./bench/checkout -base http://127.0.0.1:18190 -token $ADMIN_TOKEN -n 2000 -c 16
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pasarhq/pasar/internal/loadtest"
)

func main() {
	base := flag.String("base", "http://127.0.0.1:8080", "the shop's base URL")
	token := flag.String("token", "", "an admin's access token, to stock the products")
	n := flag.Int("n", 1000, "checkouts to make")
	conc := flag.Int("c", 16, "checkouts at once")
	tag := flag.String("tag", strconv.FormatInt(time.Now().UnixNano(), 36), "prefix of the idempotency keys")
	flag.IntVar(&servePID, "pid", 0, "the server's process id (Linux), to report its CPU time per checkout")
	flag.Parse()
	if err := run(*base, *token, *tag, *n, *conc); err != nil {
		fmt.Fprintln(os.Stderr, "checkout:", err)
		os.Exit(1)
	}
}

var servePID int

// cpuTime returns the CPU time (user and system) process servePID has used, or 0 when unknown.
// CPU per checkout moves far less with other load on the machine than checkouts per second.
func cpuTime() time.Duration {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(servePID) + "/stat")
	i := bytes.LastIndexByte(raw, ')')
	if servePID == 0 || err != nil || i < 0 {
		return 0
	}
	f := strings.Fields(string(raw[i+1:]))
	if len(f) < 13 {
		return 0
	}
	// utime and stime, fields 14 and 15 of the file, in clock ticks (100 a second on Linux).
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * 10 * time.Millisecond
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
	ctx := context.Background()
	shop := loadtest.NewShop(base, conc)
	products, err := shop.Products(ctx, 3)
	if err != nil {
		return err
	}
	if len(products) < 3 {
		return fmt.Errorf("the catalog has %d products; three are needed (serve --demo)", len(products))
	}
	for _, p := range products {
		if err := shop.Stock(ctx, token, p.SKU, 1_000_000); err != nil {
			return err
		}
	}
	carts := make([]string, n)
	start := time.Now()
	err = each(n, conc, func(i int) error {
		id, _, err := shop.CreateCart(ctx)
		if err != nil {
			return err
		}
		for j, p := range products {
			if _, err := shop.AddItem(ctx, id, p.SKU, j+1); err != nil {
				return err
			}
		}
		carts[i] = id
		return nil
	})
	if err != nil {
		return err
	}
	cartTime := time.Since(start)

	lat := make([]time.Duration, n)
	cpu := cpuTime()
	start = time.Now()
	err = each(n, conc, func(i int) error {
		t := time.Now()
		_, err := shop.Checkout(ctx, carts[i], tag+"-"+strconv.Itoa(i))
		lat[i] = time.Since(t)
		return err
	})
	if err != nil {
		return err
	}
	took := time.Since(start)
	cpu = cpuTime() - cpu
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	// One line: checkouts/s p50-ms p99-ms carts/s (the untimed cart building, for reference), and
	// with -pid the server's CPU ms per checkout (0 without).
	fmt.Printf("%.0f %.1f %.1f %.0f %.2f\n", float64(n)/took.Seconds(), ms(lat[n/2]), ms(lat[n*99/100]),
		float64(n)/cartTime.Seconds(), ms(cpu)/float64(n))
	return nil
}
