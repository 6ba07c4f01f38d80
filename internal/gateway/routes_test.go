package gateway_test

import (
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/app"
	"github.com/pasarhq/pasar/internal/cart"
	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/gateway"
	"github.com/pasarhq/pasar/internal/identity"
	"github.com/pasarhq/pasar/internal/inventory"
	"github.com/pasarhq/pasar/internal/notification"
	"github.com/pasarhq/pasar/internal/order"
	"github.com/pasarhq/pasar/internal/payment"
	"github.com/pasarhq/pasar/internal/platform/config"
	"github.com/pasarhq/pasar/internal/search"
)

// documents are the services' OpenAPI documents: who owns which path.
var documents = map[string][]byte{
	"identity":     identity.OpenAPI,
	"catalog":      catalog.OpenAPI,
	"search":       search.OpenAPI,
	"inventory":    inventory.OpenAPI,
	"cart":         cart.OpenAPI,
	"order":        order.OpenAPI,
	"payment":      payment.OpenAPI,
	"notification": notification.OpenAPI,
}

// operations are the process's own endpoints; every gateway and replica answers its own.
var operations = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true, "/openapi.json": true}

// TestTableCoversEveryRoute holds gateway.Table to what the all-in-one process serves: every
// route it registers goes to the service whose document describes that path, and
// service-to-service routes are refused.
func TestTableCoversEveryRoute(t *testing.T) {
	t.Parallel()
	owner := map[string]string{}
	for service, doc := range documents {
		var d struct {
			Paths map[string]json.RawMessage `json:"paths"`
		}
		if err := json.Unmarshal(doc, &d); err != nil {
			t.Fatalf("%s openapi.json: %v", service, err)
		}
		for path := range d.Paths {
			owner[path] = service
		}
	}
	if len(documents)+1 != len(gateway.Services) { // and web, which has no API document
		t.Errorf("the test knows %d services' documents, the gateway %d services", len(documents), len(gateway.Services))
	}

	for _, s := range config.ServiceNames {
		if !slices.Contains(gateway.Services, s) {
			t.Errorf("pasar serve --services knows %s, the gateway does not", s)
		}
	}

	cfg := config.Default()
	cfg.DataDir, cfg.WAF = t.TempDir(), "off"
	a, err := app.New(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	n := 0
	for _, pattern := range a.Routes() {
		_, path, _ := strings.Cut(pattern, " ")
		if operations[path] {
			continue
		}
		n++
		r, ok := gateway.Lookup(path)
		switch {
		case !ok:
			t.Errorf("%s: no gateway route covers it; add its prefix to gateway.Table", pattern)
		case strings.HasPrefix(path, "/api/v1/internal/"):
			if !r.Internal {
				t.Errorf("%s is service-to-service but the gateway would relay it to %s", pattern, r.Service)
			}
		case r.Internal:
			t.Errorf("%s is public but the gateway refuses it", pattern)
		case owner[path] == "" && strings.HasPrefix(path, "/api/"):
			t.Errorf("%s: no service's openapi.json describes it", pattern)
		case owner[path] == "":
			if r.Service != "web" {
				t.Errorf("%s is a page, but the gateway sends it to %s", pattern, r.Service)
			}
		case r.Service != owner[path]:
			t.Errorf("%s goes to %s, but %s serves it", pattern, r.Service, owner[path])
		}
	}
	if n < 50 {
		t.Errorf("only %d routes checked; the all-in-one process should serve many more", n)
	}
}

// TestTableSendsPagesToWeb holds the table to what a page server alone (`serve
// --services=web`) registers: every page, asset, image and upload path goes to web, so the
// gateway in front of the distributed shape reaches all of them at PASAR_WEB_URL.
func TestTableSendsPagesToWeb(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.DataDir, cfg.WAF, cfg.Services = t.TempDir(), "off", "web"
	// Nothing listens there: the page server calls its services only when asked for a page.
	for _, s := range []*string{&cfg.IdentityURL, &cfg.CatalogURL, &cfg.SearchURL, &cfg.InventoryURL, &cfg.CartURL, &cfg.OrderURL} {
		*s = "http://127.0.0.1:9"
	}
	cfg.ServiceClientID, cfg.ServiceClientSecret = "web", "secret"
	a, err := app.New(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	var pages []string
	for _, pattern := range a.Routes() {
		_, path, _ := strings.Cut(pattern, " ")
		if operations[path] {
			continue
		}
		if strings.HasPrefix(path, "/api/") {
			t.Errorf("the page server registers the API route %s", pattern)
		}
		pages = append(pages, path)
		if r, ok := gateway.Lookup(path); !ok || r.Service != "web" || r.Internal {
			t.Errorf("%s goes to %+v, not to the page server", pattern, r)
		}
	}
	for _, want := range []string{"/{$}", "/c/{category}", "/p/{slug}", "/search", "/cart", "/checkout", "/orders/{id}",
		"/account/{$}", "/admin/{$}", "/assets/{name}", "/images/{size}/{name}", "/uploads/{name}"} {
		if !slices.Contains(pages, want) {
			t.Errorf("the page server does not serve %s", want)
		}
	}
}
