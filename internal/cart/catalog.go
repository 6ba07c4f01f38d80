package cart

import (
	"context"

	"github.com/pasarhq/pasar/internal/pricing"
)

// Catalog gives the cart the current facts of variants by SKU. A SKU the catalog does not sell
// is absent from the map.
type Catalog interface {
	Variants(ctx context.Context, skus []string) (map[string]Variant, error)
}

// Variant is what a cart needs of a catalog variant.
type Variant struct {
	SKU         string
	ProductID   string
	Title       string
	Options     map[string]string // the variant's options, e.g. {"size": "M", "colour": "blue"}
	Price       pricing.Money
	WeightGrams int64
	Active      bool // the product is for sale
}

// Stock tells how many units of each SKU are available. A SKU the inventory does not track is
// absent from the map and not limited. inventory.Service satisfies it.
type Stock interface {
	Available(ctx context.Context, skus []string) (map[string]int64, error)
}
