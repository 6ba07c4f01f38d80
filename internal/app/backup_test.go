package app

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/pasarhq/pasar/internal/backup"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/config"
)

const backupPass = "tangerine submarine 42"

// shopState is what a test put into a shop and expects back after a restore.
type shopState struct {
	products   []string // ids of the first page of products
	sku        string   // the SKU sold in the order
	others     []string // SKUs of the other products
	available  int64
	orderID    string
	cartID     string // a cart left open, with cartQty of sku in it
	cartQty    int
	customer   string // email of a customer who can log in
	upload     string // a file under uploads
	uploadData []byte
}

// startShop runs an App on cfg behind an HTTP test server.
func startShop(t *testing.T, cfg config.Config) (*App, shopClient) {
	t.Helper()
	a, err := New(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(a.Close)
	return a, shopClient{t: t, base: srv.URL}
}

func login(t *testing.T, c shopClient, email string) shopClient {
	t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if code := c.do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": backupPass}, &tok); code != 200 {
		t.Fatalf("login %s: %d", email, code)
	}
	return shopClient{t: t, base: c.base, token: tok.AccessToken}
}

// fillShop puts a customer, stock, a paid order, an open cart and an uploaded file into the
// running shop c serves.
func fillShop(t *testing.T, cfg config.Config, c shopClient) shopState {
	t.Helper()
	s := shopState{customer: "ann@example.test", cartQty: 3}
	staff := login(t, c, "boss@example.test")
	if code := c.do("POST", "/api/v1/auth/register", map[string]string{"email": s.customer, "password": backupPass}, nil); code != 201 {
		t.Fatalf("register: %d", code)
	}
	ann := login(t, c, s.customer)
	var page struct {
		Items []struct {
			ID       string `json:"id"`
			Variants []struct {
				SKU string `json:"sku"`
			} `json:"variants"`
		} `json:"items"`
	}
	if code := c.do("GET", "/api/v1/products?limit=20", nil, &page); code != 200 || len(page.Items) < 2 {
		t.Fatalf("products: %d, %d", code, len(page.Items))
	}
	for _, p := range page.Items {
		s.products = append(s.products, p.ID)
	}
	s.sku = page.Items[0].Variants[0].SKU
	for _, p := range page.Items[1:] {
		s.others = append(s.others, p.Variants[0].SKU)
	}
	if code := staff.do("PUT", "/api/v1/admin/inventory/"+s.sku, map[string]any{"warehouse": "main", "on_hand": 10, "reason": "delivery"}, nil); code != 200 {
		t.Fatalf("stock: %d", code)
	}
	var cart struct {
		ID string `json:"id"`
	}
	if code := ann.do("POST", "/api/v1/carts", map[string]any{}, &cart); code != 201 {
		t.Fatalf("cart: %d", code)
	}
	if code := ann.do("POST", "/api/v1/carts/"+cart.ID+"/items", map[string]any{"sku": s.sku, "quantity": 2}, nil); code != 200 {
		t.Fatalf("add item: %d", code)
	}
	var o struct{ ID, Status string }
	code := ann.do("POST", "/api/v1/checkout", map[string]any{"cart_id": cart.ID, "email": s.customer,
		"shipping_address": map[string]string{"name": "Ann", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"},
		"payment":          map[string]string{"provider": "test", "card_number": "4242424242424242"}}, &o, "Idempotency-Key", "backup-1")
	if code != 201 || o.Status != "paid" {
		t.Fatalf("checkout: %d %+v", code, o)
	}
	s.orderID, s.available = o.ID, 8
	if code := c.do("POST", "/api/v1/carts", map[string]any{}, &cart); code != 201 {
		t.Fatalf("cart: %d", code)
	}
	if code := c.do("POST", "/api/v1/carts/"+cart.ID+"/items", map[string]any{"sku": s.sku, "quantity": s.cartQty}, nil); code != 200 {
		t.Fatalf("add item: %d", code)
	}
	s.cartID = cart.ID
	s.upload, s.uploadData = "uploads/0123abcd.png", []byte("\x89PNG\r\n\x1a\n not really a picture")
	if err := os.WriteFile(filepath.Join(cfg.DataDir, s.upload), s.uploadData, 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

// keepWriting changes the shop (stock of other SKUs, new carts) until the returned stop is
// called, which reports how many writes succeeded.
func keepWriting(t *testing.T, c shopClient, skus []string) (stop func() int) {
	staff := login(t, c, "boss@example.test")
	done := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	writes := 0
	for w := range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				code := 0
				if w == 0 {
					code = staff.do("PUT", "/api/v1/admin/inventory/"+skus[i%len(skus)], map[string]any{"warehouse": "main", "on_hand": 100 + i, "reason": "count"}, nil)
				} else {
					code = c.do("POST", "/api/v1/carts", map[string]any{}, nil)
				}
				if code < 300 {
					mu.Lock()
					writes++
					mu.Unlock()
				}
			}
		})
	}
	return func() int {
		close(done)
		wg.Wait()
		return writes
	}
}

// checkShop asserts that the shop c serves holds s.
func checkShop(t *testing.T, c shopClient, s shopState, dataDir string) {
	t.Helper()
	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if code := c.do("GET", "/api/v1/products?limit=20", nil, &page); code != 200 {
		t.Fatalf("products: %d", code)
	}
	var ids []string
	for _, p := range page.Items {
		ids = append(ids, p.ID)
	}
	if !slices.Equal(ids, s.products) {
		t.Errorf("products after restore %v, want %v", ids, s.products)
	}
	var stock struct {
		Available int64 `json:"available"`
	}
	if code := c.do("GET", "/api/v1/inventory/"+s.sku, nil, &stock); code != 200 || stock.Available != s.available {
		t.Errorf("stock of %s after restore: %d %+v, want %d", s.sku, code, stock, s.available)
	}
	ann := login(t, c, s.customer)
	var mine struct {
		Orders []struct{ ID, Status string } `json:"orders"`
	}
	if code := ann.do("GET", "/api/v1/orders", nil, &mine); code != 200 || len(mine.Orders) != 1 ||
		mine.Orders[0].ID != s.orderID || mine.Orders[0].Status != "paid" {
		t.Errorf("orders after restore: %d %+v, want %s paid", code, mine, s.orderID)
	}
	var cart struct {
		Items []struct {
			SKU      string `json:"sku"`
			Quantity int    `json:"quantity"`
		} `json:"items"`
	}
	if code := c.do("GET", "/api/v1/carts/"+s.cartID, nil, &cart); code != 200 || len(cart.Items) != 1 ||
		cart.Items[0].SKU != s.sku || cart.Items[0].Quantity != s.cartQty {
		t.Errorf("cart after restore: %d %+v", code, cart)
	}
	var found struct {
		Total int `json:"total"`
	}
	if code := c.do("GET", "/api/v1/search?q=", nil, &found); code != 200 || found.Total < len(s.products) {
		t.Errorf("search after restore: %d, %d products found, want at least %d", code, found.Total, len(s.products))
	}
	got, err := os.ReadFile(filepath.Join(dataDir, s.upload))
	if err != nil || string(got) != string(s.uploadData) {
		t.Errorf("upload after restore: %q %v", got, err)
	}
}

func shopConfig(t *testing.T, engine string) config.Config {
	t.Helper()
	cfg := config.Default()
	if engine == "postgres" {
		cfg = distributedConfig(t)
		stream := "BACKUP" + randomHex(t, 4)
		cfg.NATSStream, cfg.NATSPrefix = stream, "bk"+randomHex(t, 4)
		cfg.ReplicaID = "r1"
		// Registered first, so it runs after the shops started on cfg have stopped.
		t.Cleanup(func() { deleteStream(t, cfg.NATSURL, stream) })
	}
	cfg.DataDir, cfg.WAF = t.TempDir(), "off"
	cfg.PostgresMaxConns = 2 // the test server's connections are shared by every test running
	cfg.RateLimitClient, cfg.RateLimitAccount = 0, 0
	cfg.Argon2Memory, cfg.Argon2Iterations = 64, 1
	return cfg
}

// seededConfig is shopConfig with a small catalog in its store (the demo's thousand products,
// each stocked, would only slow the tests down).
func seededConfig(t *testing.T, engine string) config.Config {
	t.Helper()
	cfg := shopConfig(t, engine)
	if _, err := SeedCatalog(t.Context(), cfg, slog.New(slog.DiscardHandler), 20, func(int, int) {}); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestBackupRestore backs a serving shop up while writes go on, restores it into an empty data
// folder or database, and starts a shop on it with the same products, stock, orders, customers
// (who log in), carts, uploads and a rebuilt search index, on both engines.
func TestBackupRestore(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			ctx, log := t.Context(), slog.New(slog.DiscardHandler)
			cfg := seededConfig(t, engine)
			if _, err := CreateUser(ctx, cfg, log, "boss@example.test", backupPass, auth.Admin); err != nil {
				t.Fatal(err)
			}
			a, c := startShop(t, cfg)
			want := fillShop(t, cfg, c)
			stop := keepWriting(t, c, want.others)
			dir := filepath.Join(t.TempDir(), "b")
			m, err := Backup(ctx, cfg, log, dir, "test", nil)
			if writes := stop(); err == nil && writes == 0 {
				t.Error("no write went through during the backup")
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Engine != engine || len(m.Stores) < 8 {
				t.Fatalf("manifest: engine %s, %d stores", m.Engine, len(m.Stores))
			}
			a.Close()

			restored := shopConfig(t, engine)
			if _, err := Restore(ctx, restored, log, dir, false, nil, nil); err != nil {
				t.Fatal(err)
			}
			b, c2 := startShop(t, restored)
			checkShop(t, c2, want, restored.DataDir)
			b.Close()

			// Over a shop, only with force.
			_, err = Restore(ctx, restored, log, dir, false, nil, nil)
			if !errors.Is(err, backup.ErrNotEmpty) {
				t.Fatalf("restore over a shop: %v, want ErrNotEmpty", err)
			}
			if _, err := Restore(ctx, restored, log, dir, true, nil, nil); err != nil {
				t.Fatalf("restore --force: %v", err)
			}
			_, c3 := startShop(t, restored)
			checkShop(t, c3, want, restored.DataDir)
			// Not from under a shop that is serving.
			if _, err := Restore(ctx, restored, log, dir, true, nil, nil); err == nil || !strings.Contains(err.Error(), "stop pasar serve") {
				t.Fatalf("restore --force under a serving shop: %v", err)
			}
			checkShop(t, c3, want, restored.DataDir)
		})
	}
}

// TestCorruptBackupRefused changes one byte of a backup's store: the restore refuses it and
// writes nothing, neither into the data folder nor into the database.
func TestCorruptBackupRefused(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			ctx, log := t.Context(), slog.New(slog.DiscardHandler)
			cfg := seededConfig(t, engine)
			a, _ := startShop(t, cfg)
			dir := filepath.Join(t.TempDir(), "b")
			m, err := Backup(ctx, cfg, log, dir, "test", nil)
			if err != nil {
				t.Fatal(err)
			}
			a.Close()
			var catalogFile string
			for _, f := range m.Files {
				if filepath.Base(filepath.Dir(f.Path)) == "catalog" || f.Path == "stores/catalog.db" {
					catalogFile = f.Path
				}
			}
			path := filepath.Join(dir, filepath.FromSlash(catalogFile))
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			raw[len(raw)/2] ^= 0x20
			if err := os.WriteFile(path, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			restored := shopConfig(t, engine)
			_, err = Restore(ctx, restored, log, dir, false, nil, nil)
			if !errors.Is(err, backup.ErrInvalid) {
				t.Fatalf("restore of a corrupt backup: %v, want ErrInvalid", err)
			}
			if ents, _ := os.ReadDir(restored.DataDir); len(ents) != 0 {
				t.Errorf("the refused restore wrote %d entries into the data folder", len(ents))
			}
			if engine == "postgres" {
				conn, err := pgx.Connect(ctx, restored.PostgresURL)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close(context.Background())
				var n int
				if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`).Scan(&n); err != nil || n != 0 {
					t.Errorf("the refused restore created %d tables (%v)", n, err)
				}
			}
		})
	}
}
