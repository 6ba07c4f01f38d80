package config

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ServiceNames are the services `pasar serve --services` can run, in start order. "web" is the
// storefront and admin pages, which own no store.
var ServiceNames = []string{"identity", "catalog", "search", "inventory", "cart", "payment", "order", "notification", "web"}

// ParseServices returns the services of a --services list, or nil for an empty one (every
// service: the all-in-one shape). Unknown and repeated names are errors.
func ParseServices(list string) ([]string, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	var out []string
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		if !slices.Contains(ServiceNames, n) {
			return nil, fmt.Errorf("unknown service %q (known: %s)", n, strings.Join(ServiceNames, ", "))
		}
		if slices.Contains(out, n) {
			return nil, fmt.Errorf("service %q named twice", n)
		}
		out = append(out, n)
	}
	return out, nil
}

// RunsService tells whether this process runs service name.
func (c Config) RunsService(name string) bool {
	list, _ := ParseServices(c.Services) // validated in Load
	return list == nil || slices.Contains(list, name)
}

// ServiceURL returns the configured base URL(s) of service name, comma separated; empty when the
// service has none.
func (c Config) ServiceURL(name string) string {
	switch name {
	case "identity":
		return c.IdentityURL
	case "catalog":
		return c.CatalogURL
	case "search":
		return c.SearchURL
	case "inventory":
		return c.InventoryURL
	case "cart":
		return c.CartURL
	case "payment":
		return c.PaymentURL
	case "order":
		return c.OrderURL
	case "web":
		return c.WebURL
	}
	return ""
}

// Replica returns the replica id: PASAR_REPLICA_ID, or the host name plus a short hash of the
// data folder, which is stable across restarts of one replica and differs between two replicas
// on one host (each needs a data folder of its own for its search index).
func (c Config) Replica() string {
	if c.ReplicaID != "" {
		return c.ReplicaID
	}
	host, _ := os.Hostname()
	dir, err := filepath.Abs(c.DataDir)
	if err != nil {
		dir = c.DataDir
	}
	sum := sha256.Sum256([]byte(dir))
	return strings.Map(func(r rune) rune {
		if validNameRune(r) {
			return r
		}
		return '_'
	}, host) + "-" + hex.EncodeToString(sum[:4])
}

func validNameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
}
