package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pasarhq/pasar/deploy/deploytest"
)

// process is one running `pasar serve`.
type process struct {
	base string
	out  *deploytest.SyncBuffer
}

// startServe runs `pasar serve` with env added to a clean shop environment, waits until it is
// ready and stops it with SIGTERM at the end of the test, which it must survive with exit 0.
func startServe(t *testing.T, bin, name, addr string, env ...string) *process {
	t.Helper()
	p := &process{base: "http://" + addr, out: &deploytest.SyncBuffer{}}
	cmd := exec.Command(bin, "serve", "--addr", addr)
	cmd.Env = append(os.Environ(), "PASAR_POSTGRES_URL=", "PASAR_NATS_URL=", "PASAR_REDIS_URL=", "PASAR_WAF=off",
		"PASAR_RATE_LIMIT_CLIENT=0", "PASAR_RATE_LIMIT_ACCOUNT=0", "PASAR_ARGON2_MEMORY=64", "PASAR_LOG_LEVEL=warn")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("%s exit: %v", name, err)
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Errorf("%s still running 30s after SIGTERM", name)
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.out.String())
		}
	})
	waitReady(t, p.base, exited)
	return p
}

// call sends a JSON request and decodes the answer into out (when not nil), returning the status.
func call(t *testing.T, method, url, token string, in, out any, hdr ...string) int {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, url, err, b)
		}
	}
	if res.StatusCode >= 300 {
		t.Logf("%s %s = %d: %s", method, url, res.StatusCode, b)
	}
	return res.StatusCode
}

// TestSplitProcesses runs the shop as two processes of the same binary: catalog and search in
// one, everything else in the other, sharing the second's NATS. A product written to the first
// becomes searchable there and purchasable through the second, and a checkout works across the
// split: the cart prices from the catalog's events, the admin's token is verified with the
// keys identity publishes, and the catalog process audits its writes in identity under its
// own service credentials.
func TestSplitProcesses(t *testing.T) {
	t.Parallel()
	bin := buildPasar(t)
	restData, catalogData := t.TempDir(), t.TempDir()
	var o, e bytes.Buffer
	env := map[string]string{"PASAR_USER_PASSWORD": "a long admin passphrase", "PASAR_ARGON2_MEMORY": "64"}
	if code := run([]string{"user", "create", "--email", "boss@example.test", "--role", "admin", "--data", restData},
		func(k string) string { return env[k] }, &o, &e); code != 0 {
		t.Fatalf("user create: %d %s", code, e.String())
	}
	natsAddr := freeAddr(t)
	catalogAddr := freeAddr(t)
	rest := startServe(t, bin, "rest", freeAddr(t), "PASAR_DATA="+restData, "PASAR_NATS_LISTEN="+natsAddr,
		"PASAR_SERVICES=identity,inventory,cart,payment,order", "PASAR_CATALOG_URL=http://"+catalogAddr)

	var login struct {
		AccessToken string `json:"access_token"`
	}
	if call(t, "POST", rest.base+"/api/v1/auth/login", "", map[string]string{"email": "boss@example.test",
		"password": "a long admin passphrase"}, &login) != 200 {
		t.Fatal("admin login")
	}
	admin := login.AccessToken
	var client struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	if call(t, "POST", rest.base+"/api/v1/admin/service-clients", admin, map[string]any{"name": "catalog",
		"permissions": []string{"catalog:write"}}, &client) != 201 {
		t.Fatal("service client")
	}

	cat := startServe(t, bin, "catalog", catalogAddr, "PASAR_DATA="+catalogData, "PASAR_NATS_URL=nats://"+natsAddr,
		"PASAR_SERVICES=catalog,search", "PASAR_IDENTITY_URL="+rest.base,
		"PASAR_SERVICE_CLIENT_ID="+client.ID, "PASAR_SERVICE_CLIENT_SECRET="+client.Secret)

	// Each process serves only its own API.
	if code := call(t, "GET", cat.base+"/api/v1/carts/x", "", nil, nil); code != 404 {
		t.Errorf("catalog process answers carts: %d", code)
	}
	if code := call(t, "GET", rest.base+"/api/v1/products", "", nil, nil); code != 404 {
		t.Errorf("rest process answers products: %d", code)
	}

	product := map[string]any{"title": "Split Test Lantern", "slug": "split-lantern", "brand": "Lumen", "status": "active",
		"variants": []map[string]any{{"sku": "LANTERN-1", "price": map[string]any{"amount": 2500, "currency": "USD"}}}}
	if code := call(t, "POST", cat.base+"/api/v1/admin/products", admin, product, nil); code != 201 {
		t.Fatalf("create product: %d", code)
	}
	if code := call(t, "PUT", rest.base+"/api/v1/admin/inventory/LANTERN-1", admin,
		map[string]any{"on_hand": 5, "reason": "delivery"}, nil); code != 200 {
		t.Fatalf("stock: %d", code)
	}
	deploytest.Eventually(t, "product searchable in the catalog process", 30*time.Second, func() bool {
		var r struct {
			Hits []struct{ Slug string } `json:"hits"`
		}
		return call(t, "GET", cat.base+"/api/v1/search?q=lantern", "", nil, &r) == 200 && len(r.Hits) == 1 &&
			r.Hits[0].Slug == "split-lantern"
	})

	var cart struct {
		ID string `json:"id"`
	}
	if call(t, "POST", rest.base+"/api/v1/carts", "", nil, &cart) != 201 {
		t.Fatal("create cart")
	}
	deploytest.Eventually(t, "the cart process knows the product from the catalog's events", 30*time.Second, func() bool {
		return call(t, "POST", rest.base+"/api/v1/carts/"+cart.ID+"/items", "", map[string]any{"sku": "LANTERN-1", "quantity": 2}, nil) == 200
	})
	var order struct {
		ID     string                 `json:"id"`
		Status string                 `json:"status"`
		Total  struct{ Amount int64 } `json:"total"`
	}
	checkout := map[string]any{"cart_id": cart.ID, "email": "shopper@example.test",
		"shipping_address": map[string]any{"name": "Ann", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"},
		"payment":          map[string]any{"provider": "test", "card_number": "4242424242424242"}}
	if code := call(t, "POST", rest.base+"/api/v1/checkout", "", checkout, &order, "Idempotency-Key", "split-1"); code != 201 {
		t.Fatalf("checkout: %d", code)
	}
	if order.Status != "paid" || order.Total.Amount < 5000 {
		t.Fatalf("order %+v", order)
	}
	var stock struct {
		OnHand int64 `json:"on_hand"`
	}
	if call(t, "GET", rest.base+"/api/v1/admin/inventory/LANTERN-1", admin, nil, &stock) != 200 || stock.OnHand != 3 {
		t.Errorf("stock after the sale: %+v", stock)
	}

	// A browser signed in at identity is signed in at the catalog process too: the catalog looks
	// its session up through identity's client.
	res, err := http.Post(rest.base+"/api/v1/auth/session", "application/json",
		strings.NewReader(`{"email":"boss@example.test","password":"a long admin passphrase"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var session *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "pasar_session" {
			session = c
		}
	}
	if session == nil {
		t.Fatalf("sign-in answered %d without a session cookie", res.StatusCode)
	}
	for _, c := range []struct {
		cookie *http.Cookie
		want   int
	}{{nil, 401}, {session, 200}} {
		req, _ := http.NewRequest("GET", cat.base+"/api/v1/admin/products?limit=1", nil)
		if c.cookie != nil {
			req.AddCookie(c.cookie)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != c.want {
			t.Errorf("admin list at the catalog process with session %v: %d, want %d", c.cookie != nil, res.StatusCode, c.want)
		}
	}

	// The catalog process recorded its admin write in identity's audit log, as its service client.
	deploytest.Eventually(t, "the product write audited in identity", 30*time.Second, func() bool {
		var page struct {
			Entries []struct{ Action, Actor string } `json:"entries"`
		}
		if call(t, "GET", rest.base+"/api/v1/admin/audit?service=products", admin, nil, &page) != 200 {
			return false
		}
		for _, it := range page.Entries {
			if strings.Contains(it.Action, "/api/v1/admin/products") {
				return true
			}
		}
		return false
	})
}
