// Package catalog is the catalog service: products (JSON documents whose attributes differ per
// product type), their variants and prices, and the category tree. It publishes product.upserted
// and product.deleted; the search service builds its index only from those events.
package catalog

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Status is where a product is in its life.
type Status string

// Product statuses. Only active products are shown to shoppers.
const (
	Draft    Status = "draft"
	Active   Status = "active"
	Archived Status = "archived"
)

// Money is an amount in a currency's minor units (cents for USD), never a float.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"` // ISO 4217, e.g. "USD"
}

// Image is one picture of a product.
type Image struct {
	URL      string `json:"url"`
	Alt      string `json:"alt"`
	Position int    `json:"position"`
}

// Variant is one buyable version of a product, identified by its SKU.
type Variant struct {
	SKU            string            `json:"sku"`
	Options        map[string]string `json:"options,omitempty"` // e.g. {"size": "M", "colour": "blue"}
	Price          Money             `json:"price"`
	CompareAtPrice *Money            `json:"compare_at_price,omitempty"`
	WeightGrams    int               `json:"weight_grams,omitempty"`
	Barcode        string            `json:"barcode,omitempty"`
}

// OptionsText shows a variant's options to people, as "colour: grey, size: 15\"", sorted by
// name so every page and mail shows one variant alike; "" when there are none.
func OptionsText(options map[string]string) string {
	if len(options) == 0 {
		return ""
	}
	names := make([]string, 0, len(options))
	for k := range options {
		names = append(names, k)
	}
	slices.Sort(names)
	var b strings.Builder
	for i, k := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(options[k])
	}
	return b.String()
}

// OptionsJSON is a variant's options as other services' stores keep them: a JSON object, "{}"
// for none (never empty, so a NULL can mark a row from before options were kept), keys sorted
// so one variant always stores the same text. ParseOptions reads it back.
func OptionsJSON(options map[string]string) (string, error) {
	if len(options) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(options)
	if err != nil {
		return "", fmt.Errorf("options: %w", err)
	}
	return string(b), nil
}

// ParseOptions reads options written by OptionsJSON; "" and "{}" are none (nil).
func ParseOptions(s string) (map[string]string, error) {
	if s == "" || s == "{}" {
		return nil, nil
	}
	var o map[string]string
	if err := json.Unmarshal([]byte(s), &o); err != nil {
		return nil, fmt.Errorf("options: %w", err)
	}
	return o, nil
}

// Product is a product document as stored, served and published.
type Product struct {
	ID          string          `json:"id"`
	Slug        string          `json:"slug"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Brand       string          `json:"brand"`
	Type        string          `json:"type,omitempty"`       // product type, e.g. "laptop"; decides which attributes are expected
	Categories  []string        `json:"categories"`           // category slugs; a product is also in every ancestor
	Attributes  json.RawMessage `json:"attributes,omitempty"` // free-form per product type: {"material": "wool", "screen_in": 13.3}
	Images      []Image         `json:"images"`
	Status      Status          `json:"status"`
	Variants    []Variant       `json:"variants"`
	Version     int64           `json:"version"` // bumped on every write; the ETag, and If-Match on writes
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// Category is a node of the category tree.
type Category struct {
	Slug     string     `json:"slug"`
	Name     string     `json:"name"`
	Parent   string     `json:"parent,omitempty"` // parent slug; empty for a root
	Position int        `json:"position"`
	Children []Category `json:"children,omitempty"` // filled when the tree is returned
}

// Event types the catalog publishes, and their payload versions.
const (
	EventProductUpserted = "product.upserted" // data: ProductUpserted
	EventProductDeleted  = "product.deleted"  // data: ProductDeleted
	EventVersion         = 1
)

// ProductUpserted carries the whole product after a create or update, so consumers never call
// back into the catalog. CategoryPath lists every category the product is in, ancestors
// included, so a search filter on a parent category finds it.
type ProductUpserted struct {
	Product      Product  `json:"product"`
	CategoryPath []string `json:"category_path"`
}

// ProductDeleted names a deleted product and the version it had.
type ProductDeleted struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
}
