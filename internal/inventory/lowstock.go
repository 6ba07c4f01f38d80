package inventory

import (
	"context"
	"fmt"

	"github.com/pasarhq/pasar/internal/platform/auth"
)

// LowStock returns the SKUs whose available units (summed over warehouses) are at or below their
// low-stock threshold, sold out ones included, fewest available first (then by SKU), at most
// limit (0: DefaultLimit; at most MaxLowStockLimit), without the per-warehouse split. One
// aggregate query over the stock table, so a dashboard asks once rather than once per SKU. It
// needs auth.InventoryWrite.
func (c *Core) LowStock(ctx context.Context, limit int) ([]Stock, error) {
	if err := auth.Check(ctx, auth.InventoryWrite); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxLowStockLimit {
		limit = DefaultLimit
	}
	rows, err := c.d.QueryContext(ctx, `SELECT s.sku, SUM(s.on_hand), SUM(s.reserved), k.low_stock_threshold
		FROM inventory_stock s JOIN inventory_skus k ON k.sku = s.sku
		GROUP BY s.sku, k.low_stock_threshold
		HAVING SUM(s.on_hand) - SUM(s.reserved) <= k.low_stock_threshold
		ORDER BY SUM(s.on_hand) - SUM(s.reserved), s.sku LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("low stock: %w", err)
	}
	defer rows.Close()
	out := []Stock{}
	for rows.Next() {
		var s Stock
		if err := rows.Scan(&s.SKU, &s.OnHand, &s.Reserved, &s.LowStockThreshold); err != nil {
			return nil, fmt.Errorf("low stock: %w", err)
		}
		s.settle()
		out = append(out, s)
	}
	return out, rows.Err()
}
