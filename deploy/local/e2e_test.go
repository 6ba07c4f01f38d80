// Package local holds the end-to-end test of the distributed shape that pasar-local starts.
package local

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pasarhq/pasar/deploy/deploytest"
	"github.com/pasarhq/pasar/internal/platform/events"
	"github.com/pasarhq/pasar/internal/web/webtest"
)

// TestDistributedShape starts the whole distributed shape with pasar-local on this machine's
// PostgreSQL, Redis and NATS (each under names of its own), runs the shopper journey through
// the gateway, over the API and over the pages, then kills a catalog replica under a steady
// stream of reads: none may fail.
func TestDistributedShape(t *testing.T) {
	env := map[string]string{}
	for _, k := range []string{"PASAR_TEST_POSTGRES_URL", "PASAR_TEST_REDIS_URL", "PASAR_TEST_NATS_URL"} {
		if env[k] = os.Getenv(k); env[k] == "" {
			t.Skipf("%s is not set; the distributed shape needs PostgreSQL, Redis and NATS", k)
		}
	}
	start := time.Now()
	dir := t.TempDir()
	bin := filepath.Join(dir, "pasar")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/pasar")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		t.Fatalf("build: %v", err)
	}
	pg, err := url.Parse(env["PASAR_TEST_POSTGRES_URL"])
	if err != nil {
		t.Fatal(err)
	}
	pg.Path = ""
	name := "pasar_e2e_" + strings.ToLower(rand.Text()[:10])
	port := freeBlock(t, 11)
	const adminPassword = "a long e2e operator passphrase"
	script, _ := filepath.Abs("pasar-local")
	local := func(verb string) (string, error) {
		cmd := exec.Command(script, verb)
		cmd.Env = append(os.Environ(),
			"PASAR_LOCAL_DIR="+filepath.Join(dir, "shop"), "PASAR_LOCAL_BIN="+bin,
			"PASAR_LOCAL_PORT="+strconv.Itoa(port), "PASAR_LOCAL_PG="+pg.String(), "PASAR_LOCAL_DB="+name,
			"PASAR_LOCAL_REDIS_URL="+env["PASAR_TEST_REDIS_URL"], "PASAR_LOCAL_NATS_URL="+env["PASAR_TEST_NATS_URL"],
			"PASAR_LOCAL_NAME="+name, "PASAR_LOCAL_DEMO=40", "PASAR_LOCAL_ADMIN_PASSWORD="+adminPassword,
			// Cheap password hashing and no client limit: the test signs in and reads in bursts.
			"PASAR_ARGON2_MEMORY=64", "PASAR_RATE_LIMIT_CLIENT=0", "PASAR_CART_TTL=10m",
			// Fast health checks, so a dead replica is seen quickly.
			"PASAR_GATEWAY_HEALTH_INTERVAL=250ms")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	t.Cleanup(func() {
		if out, err := local("purge"); err != nil {
			t.Errorf("purge: %v\n%s", err, out)
		}
		// purge deletes the stream: if it did not, delete it here and fail.
		if existed, err := events.DeleteStream(context.Background(), env["PASAR_TEST_NATS_URL"], name); existed || err != nil {
			t.Errorf("NATS stream %s left after purge (%v)", name, err)
		}
		if t.Failed() {
			logs, _ := filepath.Glob(filepath.Join(dir, "shop", "logs", "*.log"))
			for _, l := range logs {
				b, _ := os.ReadFile(l)
				t.Logf("--- %s (last 3000 bytes)\n%s", filepath.Base(l), tail(b, 3000))
			}
		}
	})
	if out, err := local("up"); err != nil {
		t.Fatalf("pasar-local up: %v\n%s", err, out)
	}
	t.Logf("distributed shape up in %v", time.Since(start).Round(time.Millisecond))
	gw := "http://127.0.0.1:" + strconv.Itoa(port)
	c := &client{t: t, base: gw}

	// The shopper journey, every request through the gateway.
	admin := c.login("admin@pasar.local", adminPassword)
	var list struct {
		Items []struct {
			Slug     string `json:"slug"`
			Title    string `json:"title"`
			Variants []struct {
				SKU string `json:"sku"`
			} `json:"variants"`
		} `json:"items"`
	}
	c.must("GET", "/api/v1/products?limit=1", "", nil, &list, 200)
	if len(list.Items) != 1 || len(list.Items[0].Variants) == 0 {
		t.Fatalf("demo catalog: %+v", list)
	}
	p := list.Items[0]
	sku := p.Variants[0].SKU
	c.must("PUT", "/api/v1/admin/inventory/"+sku, admin, map[string]any{"on_hand": 10, "reason": "delivery"}, nil, 200)

	word := strings.Fields(p.Title)[0]
	deploytest.Eventually(t, "the product found by search", 20*time.Second, func() bool {
		var r struct {
			Hits []struct{ Slug string } `json:"hits"`
		}
		if c.call("GET", "/api/v1/search?q="+url.QueryEscape(word), "", nil, &r) != 200 {
			return false
		}
		for _, h := range r.Hits {
			if h.Slug == p.Slug {
				return true
			}
		}
		return false
	})

	email := "shopper-" + strings.ToLower(rand.Text()[:8]) + "@example.test"
	c.must("POST", "/api/v1/auth/register", "", map[string]string{"email": email, "password": "a long shopper passphrase"}, nil, 201)
	shopper := c.login(email, "a long shopper passphrase")
	var cart struct {
		ID string `json:"id"`
	}
	c.must("POST", "/api/v1/carts", shopper, map[string]any{}, &cart, 201)
	deploytest.Eventually(t, "the item in the cart", 20*time.Second, func() bool {
		return c.call("POST", "/api/v1/carts/"+cart.ID+"/items", shopper, map[string]any{"sku": sku, "quantity": 2}, nil) == 200
	})
	var order struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	checkout := map[string]any{"cart_id": cart.ID, "email": email,
		"shipping_address": map[string]any{"name": "Ann Shopper", "line1": "1 Main St", "city": "Springfield",
			"postal_code": "12345", "country": "US"},
		"payment": map[string]any{"provider": "test", "card_number": "4242424242424242"}}
	c.must("POST", "/api/v1/checkout", shopper, checkout, &order, 201, "Idempotency-Key", "e2e-"+cart.ID)
	if order.ID == "" || order.Status != "paid" {
		t.Fatalf("order after checkout: %+v", order)
	}
	var mine struct {
		Orders []struct{ ID string } `json:"orders"`
	}
	c.must("GET", "/api/v1/orders", shopper, nil, &mine, 200)
	if len(mine.Orders) != 1 || mine.Orders[0].ID != order.ID {
		t.Fatalf("the shopper's orders: %+v, want %s", mine, order.ID)
	}
	c.must("GET", "/api/v1/orders/"+order.ID, shopper, nil, nil, 200)
	t.Logf("journey done at %v", time.Since(start).Round(time.Millisecond))

	// The same through the pages, which the gateway sends to the web process: a guest and a
	// customer buy with the card that succeeds, the admin ships, staff are held to their role,
	// a password is reset from the mail's link.
	webtest.Journey{Base: gw, Slug: p.Slug, SKU: sku, Word: word, AdminEmail: "admin@pasar.local",
		AdminPassword: adminPassword,
		ResetLink: func(email string) string {
			return webtest.ResetLink(filepath.Join(dir, "shop", "data", "notification", "mail"), email)
		},
	}.Run(t)
	t.Logf("page journey done at %v", time.Since(start).Round(time.Millisecond))

	// A catalog replica dies under a steady stream of reads: the gateway sends what it refused,
	// or lost mid-request, to the other replica, so no read fails.
	pid := readPid(t, filepath.Join(dir, "shop", "pids", "catalog-1"))
	var total, failed atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			paths := []string{"/api/v1/products/" + p.Slug, "/api/v1/products?limit=5"}
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				code, err := c.get(paths[(n+i)%2])
				total.Add(1)
				if err != nil || code != 200 {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("%d %v", code, err))
				}
			}
		})
	}
	time.Sleep(time.Second)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killedAt := total.Load()
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()
	t.Logf("%d reads, %d after the kill, %d failed", total.Load(), total.Load()-killedAt, failed.Load())
	if failed.Load() != 0 {
		t.Fatalf("%d of %d reads failed after a catalog replica was killed; first: %v", failed.Load(), total.Load(), firstErr.Load())
	}
	if total.Load()-killedAt < 50 {
		t.Errorf("only %d reads after the kill; the stream was not steady", total.Load()-killedAt)
	}
	var ready struct {
		Services []struct {
			Service string   `json:"service"`
			Healthy int      `json:"healthy"`
			Down    []string `json:"down"`
		} `json:"services"`
	}
	c.must("GET", "/readyz", "", nil, &ready, 200)
	for _, s := range ready.Services {
		if s.Service == "catalog" && (s.Healthy != 1 || len(s.Down) != 1 || s.Down[0] != "127.0.0.1:"+strconv.Itoa(port+2)) {
			t.Errorf("gateway's view of the catalog: %+v", s)
		}
	}
	t.Logf("done in %v", time.Since(start).Round(time.Millisecond))
}

// client calls the gateway with JSON.
type client struct {
	t    *testing.T
	base string
	last string // the body of the last answer, for failure messages
}

var hc = &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}

func (c *client) call(method, path, token string, in, out any, hdr ...string) int {
	c.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, body)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	c.last = string(tail(b, 400))
	return resp.StatusCode
}

func (c *client) must(method, path, token string, in, out any, want int, hdr ...string) {
	c.t.Helper()
	if got := c.call(method, path, token, in, out, hdr...); got != want {
		c.t.Fatalf("%s %s: %d, want %d: %s", method, path, got, want, c.last)
	}
}

func (c *client) get(path string) (int, error) {
	resp, err := hc.Get(c.base + path)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

func (c *client) login(email, password string) string {
	c.t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	c.must("POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": password}, &tok, 200)
	return tok.AccessToken
}

// freeBlock finds n consecutive free ports on 127.0.0.1 and returns the first. They are taken
// below the kernel's ephemeral range (32768 and up here): a block found free there can be taken
// meanwhile as the source port of any outgoing connection on the machine (another test's), and a
// service of the shape then cannot bind it.
func freeBlock(t *testing.T, n int) int {
	t.Helper()
	const low, high = 20000, 32000
	for range 200 {
		first := low + mrand.IntN(high-low-n)
		ok := true
		for p := first; p < first+n && ok; p++ {
			if l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p)); err != nil {
				ok = false
			} else {
				l.Close()
			}
		}
		if ok {
			return first
		}
	}
	t.Fatalf("no %d consecutive free ports", n)
	return 0
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func tail(b []byte, n int) string { // the last n bytes of b
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
