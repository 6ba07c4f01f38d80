package gateway

import (
	"slices"
	"strings"
)

// Route sends the requests under one path prefix to one service.
type Route struct {
	// Prefix matches the path itself and everything below it ("/api/v1/me" matches "/api/v1/me"
	// and "/api/v1/me/password", never "/api/v1/meow").
	Prefix  string
	Service string // "" for Internal
	// Internal routes are service-to-service calls: services reach each other directly at their
	// PASAR_<SERVICE>_URL, so the public entry point refuses them (404) instead of relaying them.
	Internal bool
}

// Services are the services the gateway knows, in the order its status and docs list them.
// "web" is whatever serves the HTML pages; it takes every path outside /api no other route
// covers.
var Services = []string{"identity", "catalog", "search", "inventory", "cart", "order", "payment", "notification", "web"}

// Table is the one place that says which service answers which paths. It follows the routes the
// services register (each service's openapi.json); TestTableCoversEveryRoute fails when a route
// is added that no entry covers or that an entry sends to the wrong service.
var Table = []Route{
	{Prefix: "/", Service: "web"},
	{Prefix: "/api", Internal: true}, // an /api path no service below claims
	{Prefix: "/api/v1/internal", Internal: true},

	{Prefix: "/api/v1/auth", Service: "identity"},
	{Prefix: "/api/v1/me", Service: "identity"},
	{Prefix: "/.well-known/jwks.json", Service: "identity"},
	{Prefix: "/api/v1/admin/users", Service: "identity"},
	{Prefix: "/api/v1/admin/service-clients", Service: "identity"},
	{Prefix: "/api/v1/admin/audit", Service: "identity"},

	{Prefix: "/api/v1/products", Service: "catalog"},
	{Prefix: "/api/v1/categories", Service: "catalog"},
	{Prefix: "/api/v1/admin/products", Service: "catalog"},
	{Prefix: "/api/v1/admin/categories", Service: "catalog"},
	{Prefix: "/images/placeholder", Service: "catalog"}, // other /images are the pages' (web)

	{Prefix: "/api/v1/search", Service: "search"},

	{Prefix: "/api/v1/inventory", Service: "inventory"},
	{Prefix: "/api/v1/admin/inventory", Service: "inventory"},

	{Prefix: "/api/v1/carts", Service: "cart"},
	{Prefix: "/api/v1/admin/discounts", Service: "cart"},

	{Prefix: "/api/v1/checkout", Service: "order"},
	{Prefix: "/api/v1/orders", Service: "order"},
	{Prefix: "/api/v1/admin/orders", Service: "order"},

	{Prefix: "/api/v1/payments", Service: "payment"},
	{Prefix: "/api/v1/admin/payments", Service: "payment"},

	{Prefix: "/api/v1/admin/webhooks", Service: "notification"},
}

// Lookup returns the route with the longest prefix that covers path.
func Lookup(path string) (Route, bool) {
	best, found := Route{}, false
	for _, r := range Table {
		if covers(r.Prefix, path) && len(r.Prefix) > len(best.Prefix) {
			best, found = r, true
		}
	}
	return best, found
}

func covers(prefix, path string) bool {
	rest, ok := strings.CutPrefix(path, prefix)
	return ok && (rest == "" || rest[0] == '/' || prefix == "/")
}

// known reports whether service is one the gateway routes to.
func known(service string) bool { return slices.Contains(Services, service) }
