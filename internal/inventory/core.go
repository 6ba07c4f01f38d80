package inventory

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// Core is the inventory service on its SQL store. Every change that publishes an event writes
// it through the outbox in the same transaction.
type Core struct {
	d         *db.DB
	outbox    *events.Outbox
	threshold int64
	now       func() time.Time
}

var _ Service = (*Core)(nil)

// Options tune a Core; the zero value is ready to use.
type Options struct {
	// LowStockThreshold is the threshold of a SKU whose first adjustment sets none; default 5.
	LowStockThreshold int64
	// Now is the clock (tests move it to expire reservations); default time.Now.
	Now func() time.Time
}

// NewCore returns the inventory on store d (with Migrations applied), publishing through o.
func NewCore(d *db.DB, o *events.Outbox, opt Options) *Core {
	if opt.LowStockThreshold <= 0 {
		opt.LowStockThreshold = 5
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Core{d: d, outbox: o, threshold: opt.LowStockThreshold, now: opt.Now}
}

// Get returns the stock of sku over all its warehouses.
func (c *Core) Get(ctx context.Context, sku string) (Stock, error) {
	if err := checkSKU("sku", sku); err != nil {
		return Stock{}, err
	}
	return loadStock(ctx, c.d, sku)
}

// maxAvailableSKUs bounds one Available call; a cart or order is far smaller.
const maxAvailableSKUs = 1000

// Available returns the available units of each known SKU of skus.
func (c *Core) Available(ctx context.Context, skus []string) (map[string]int64, error) {
	if len(skus) > maxAvailableSKUs {
		return nil, apperr.Invalid(apperr.FieldError{Field: "skus",
			Detail: fmt.Sprintf("at most %d SKUs at once", maxAvailableSKUs)})
	}
	out := make(map[string]int64, len(skus))
	if len(skus) == 0 {
		return out, nil
	}
	args := make([]any, len(skus))
	marks := make([]string, len(skus))
	for i, s := range skus {
		args[i] = s
		marks[i] = fmt.Sprintf("$%d", i+1)
	}
	rows, err := c.d.QueryContext(ctx, `SELECT sku, SUM(on_hand - reserved) FROM inventory_stock
		WHERE sku IN (`+strings.Join(marks, ",")+`) GROUP BY sku`, args...)
	if err != nil {
		return nil, fmt.Errorf("available: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sku string
		var n int64
		if err := rows.Scan(&sku, &n); err != nil {
			return nil, fmt.Errorf("available: %w", err)
		}
		out[sku] = n
	}
	return out, rows.Err()
}

// ms is the store's time unit.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }
