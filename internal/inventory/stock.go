package inventory

import (
	"context"
	"fmt"
	"strings"

	"github.com/pasarhq/pasar/internal/platform/db"
)

// loadStock reads sku's stock per warehouse and its threshold.
func loadStock(ctx context.Context, q db.Querier, sku string) (Stock, error) {
	s := Stock{SKU: sku}
	err := q.QueryRowContext(ctx, `SELECT low_stock_threshold FROM inventory_skus WHERE sku = $1`, sku).
		Scan(&s.LowStockThreshold)
	if err != nil {
		if isNoRows(err) {
			return Stock{}, ErrUnknownSKU
		}
		return Stock{}, fmt.Errorf("stock %s: %w", sku, err)
	}
	rows, err := q.QueryContext(ctx, `SELECT warehouse, on_hand, reserved FROM inventory_stock
		WHERE sku = $1 ORDER BY warehouse`, sku)
	if err != nil {
		return Stock{}, fmt.Errorf("stock %s: %w", sku, err)
	}
	defer rows.Close()
	for rows.Next() {
		var w WarehouseStock
		if err := rows.Scan(&w.Warehouse, &w.OnHand, &w.Reserved); err != nil {
			return Stock{}, fmt.Errorf("stock %s: %w", sku, err)
		}
		w.Available = w.OnHand - w.Reserved
		s.Warehouses = append(s.Warehouses, w)
		s.OnHand += w.OnHand
		s.Reserved += w.Reserved
	}
	if err := rows.Err(); err != nil {
		return Stock{}, fmt.Errorf("stock %s: %w", sku, err)
	}
	s.settle()
	return s, nil
}

// settle derives Available, InStock and LowStock from the counts.
func (s *Stock) settle() {
	s.Available = s.OnHand - s.Reserved
	s.InStock = s.Available > 0
	s.LowStock = lowStock(s.Available, s.LowStockThreshold)
}

func lowStock(available, threshold int64) bool { return available > 0 && available <= threshold }

// totals reads the stock of skus summed over warehouses (no per-warehouse detail), for events.
func totals(ctx context.Context, q db.Querier, skus []string) (map[string]Stock, error) {
	args := make([]any, len(skus))
	marks := make([]string, len(skus))
	for i, s := range skus {
		args[i] = s
		marks[i] = fmt.Sprintf("$%d", i+1)
	}
	rows, err := q.QueryContext(ctx, `SELECT s.sku, SUM(s.on_hand), SUM(s.reserved), k.low_stock_threshold
		FROM inventory_stock s JOIN inventory_skus k ON k.sku = s.sku
		WHERE s.sku IN (`+strings.Join(marks, ",")+`) GROUP BY s.sku, k.low_stock_threshold`, args...)
	if err != nil {
		return nil, fmt.Errorf("stock totals: %w", err)
	}
	defer rows.Close()
	out := make(map[string]Stock, len(skus))
	for rows.Next() {
		var s Stock
		if err := rows.Scan(&s.SKU, &s.OnHand, &s.Reserved, &s.LowStockThreshold); err != nil {
			return nil, fmt.Errorf("stock totals: %w", err)
		}
		s.settle()
		out[s.SKU] = s
	}
	return out, rows.Err()
}

// publishFlips publishes stock.changed for each SKU whose in_stock or low_stock differs from what
// it was before its available count moved by delta[sku] (after = before + delta).
func (c *Core) publishFlips(ctx context.Context, tx *db.Tx, delta map[string]int64, cause string) error {
	if len(delta) == 0 {
		return nil
	}
	skus := make([]string, 0, len(delta))
	for s := range delta {
		skus = append(skus, s)
	}
	now, err := totals(ctx, tx, skus)
	if err != nil {
		return err
	}
	for _, sku := range skus {
		after, ok := now[sku]
		if !ok {
			continue
		}
		before := after.Available - delta[sku]
		if (before > 0) == after.InStock && lowStock(before, after.LowStockThreshold) == after.LowStock {
			continue
		}
		if err := c.publish(ctx, tx, after, cause); err != nil {
			return err
		}
	}
	return nil
}

func (c *Core) publish(ctx context.Context, tx *db.Tx, s Stock, cause string) error {
	if c.outbox == nil {
		return nil
	}
	s.Warehouses = nil
	if _, err := c.outbox.Add(ctx, tx, EventStockChanged, 1, StockChanged{Stock: s, Cause: cause}); err != nil {
		return fmt.Errorf("publish stock.changed %s: %w", s.SKU, err)
	}
	return nil
}
