package loadtest_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/app"
	"github.com/pasarhq/pasar/internal/loadtest"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/config"
)

// TestRunAgainstShop drives an all-in-one shop served in-process through every kind of step and
// checks that the successes it counts are real: the orders it reports are in the shop.
func TestRunAgainstShop(t *testing.T) {
	t.Parallel()
	ctx, log := t.Context(), slog.New(slog.DiscardHandler)
	cfg := config.Default()
	cfg.DataDir, cfg.WAF = t.TempDir(), "off"
	cfg.RateLimitClient, cfg.RateLimitAccount = 0, 0
	cfg.Argon2Memory, cfg.Argon2Iterations = 64, 1
	if _, err := app.SeedCatalog(ctx, cfg, log, 20, func(int, int) {}); err != nil {
		t.Fatal(err)
	}
	const pass = "tangerine submarine 42"
	if _, err := app.CreateUser(ctx, cfg, log, "boss@example.test", pass, auth.Admin); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	token := login(t, srv.URL, "boss@example.test", pass)

	r, err := loadtest.Run(ctx, loadtest.Options{Target: srv.URL, Steps: 50, Concurrency: 4, Token: token,
		Mix: "browse=1,product=1,search=1,cart=1,checkout=1"})
	if err != nil {
		t.Fatal(err)
	}
	// 10 steps of each kind; a cart step makes two cart requests, and so does a checkout step.
	want := map[string]int{"browse": 10, "product": 10, "search": 10, "cart": 40, "checkout": 10}
	for _, k := range r.Kinds {
		if k.Requests != want[k.Kind] || k.OK != k.Requests || len(k.Errors) != 0 || k.P50 <= 0 || k.P99 < k.P50 {
			t.Errorf("%s: %+v, want %d requests, all OK", k.Kind, k, want[k.Kind])
		}
		delete(want, k.Kind)
	}
	if len(want) > 0 {
		t.Errorf("kinds missing from the report: %v", want)
	}
	var orders struct {
		Orders []struct {
			Status string `json:"status"`
		} `json:"orders"`
	}
	get(t, srv.URL+"/api/v1/admin/orders?limit=100", token, &orders)
	if len(orders.Orders) != 10 {
		t.Errorf("the shop holds %d orders, the load test counted 10 checkouts", len(orders.Orders))
	}
}

// TestRunCountsErrors runs against a shop whose search fails: the failures are counted by
// status, and the other kinds still succeed.
func TestRunCountsErrors(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/products", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"items":[{"id":"p1","slug":"red-boots","title":"Red leather boots","variants":[{"sku":"RB-1"}]}]}`))
	})
	mux.HandleFunc("GET /api/v1/products/{slug}", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"id":"p1"}`))
	})
	mux.HandleFunc("GET /api/v1/search", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "index unavailable", http.StatusServiceUnavailable)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	r, err := loadtest.Run(t.Context(), loadtest.Options{Target: srv.URL, Steps: 30, Concurrency: 3, Mix: "browse=1,product=1,search=1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range r.Kinds {
		switch {
		case k.Kind == "search" && (k.OK != 0 || k.Errors["503"] != 10):
			t.Errorf("search: %+v, want 10 errors with status 503", k)
		case k.Kind != "search" && (k.OK != 10 || len(k.Errors) != 0):
			t.Errorf("%s: %+v, want 10 OK", k.Kind, k)
		}
	}
}

// TestParseMix refuses unknown kinds and a mix that weighs nothing.
func TestParseMix(t *testing.T) {
	t.Parallel()
	if _, err := loadtest.ParseMix("browse=1,teleport=2"); err == nil || !strings.Contains(err.Error(), "teleport") {
		t.Errorf("unknown kind: %v", err)
	}
	if _, err := loadtest.ParseMix("browse=0"); err == nil {
		t.Error("a mix of zero weights was accepted")
	}
}

func login(t *testing.T, base, email, pass string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": pass})
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("login: %d %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

func get(t *testing.T, url, token string, out any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
}
