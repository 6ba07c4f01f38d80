package app

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/config"
)

// TestServicesSubset: a process running catalog and search opens only their stores, documents
// and routes only their API, and its /readyz checks only what it uses.
func TestServicesSubset(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Services = "catalog,search"
	cfg.IdentityURL = "http://127.0.0.1:1" // nothing listens: the process must start regardless
	cfg.ServiceClientID, cfg.ServiceClientSecret = "client", "secret"
	a, err := New(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	var stores []string
	for _, s := range a.stores {
		stores = append(stores, s.Name)
	}
	if !slices.Equal(stores, []string{"catalog", "search"}) {
		t.Errorf("stores opened: %v", stores)
	}
	files, _ := filepath.Glob(filepath.Join(cfg.DataDir, "*.db"))
	for _, f := range files {
		if b := filepath.Base(f); !strings.HasPrefix(b, "catalog") && !strings.HasPrefix(b, "search") {
			t.Errorf("store file of another service: %s", b)
		}
	}
	h := a.Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
	var doc struct {
		Paths map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for p := range doc.Paths {
		if strings.Contains(p, "/carts") || strings.Contains(p, "/orders") || strings.Contains(p, "/auth/") {
			t.Errorf("/openapi.json documents %s, which this process does not serve", p)
		}
	}
	for _, p := range []string{"/api/v1/products", "/api/v1/search"} {
		if doc.Paths[p] == nil {
			t.Errorf("/openapi.json lacks %s", p)
		}
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/carts/x", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("cart route answered %d here", rec.Code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	var ready struct {
		Checks map[string]string `json:"checks"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &ready); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("readyz %d: %s", rec.Code, rec.Body)
	}
	var checks []string
	for k := range ready.Checks {
		checks = append(checks, k)
	}
	slices.Sort(checks)
	if !slices.Equal(checks, []string{"bus", "db:catalog", "db:search", "search"}) {
		t.Errorf("readyz checks %v", checks)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "identity.db")); err == nil {
		t.Error("identity's store was created")
	}
	// Its clients of identity count their calls in the process's metrics.
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if want := `pasar_client_breaker_state{replica="http://127.0.0.1:1",service="identity"} 0`; !strings.Contains(rec.Body.String(), want) {
		t.Errorf("/metrics lacks %s", want)
	}
}
