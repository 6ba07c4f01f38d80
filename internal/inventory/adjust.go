package inventory

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
)

// Adjust sets the units on hand of a.SKU in a.Warehouse and records the adjustment. The count
// may not go below the units reserved there (ErrBelowReserved): those are promised to orders.
func (c *Core) Adjust(ctx context.Context, a Adjustment) (Stock, error) {
	if err := auth.Check(ctx, auth.InventoryWrite); err != nil {
		return Stock{}, err
	}
	if err := checkAdjustment(&a); err != nil {
		return Stock{}, err
	}
	actor := auth.FromContext(ctx).Subject
	var out Stock
	err := c.d.InTx(ctx, func(tx *db.Tx) error {
		now := ms(c.now())
		threshold := c.threshold
		if a.LowStockThreshold != nil {
			threshold = *a.LowStockThreshold
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO inventory_skus (sku, low_stock_threshold, created_at)
			VALUES ($1, $2, $3) ON CONFLICT (sku) DO NOTHING`, a.SKU, threshold, now); err != nil {
			return fmt.Errorf("adjust %s: %w", a.SKU, err)
		}
		if a.LowStockThreshold != nil {
			// The stock rows carry a copy of the threshold (see migration 0002); keep them equal.
			for _, q := range []string{`UPDATE inventory_skus SET low_stock_threshold = $1 WHERE sku = $2`,
				`UPDATE inventory_stock SET low_stock_threshold = $1 WHERE sku = $2`} {
				if _, err := tx.ExecContext(ctx, q, threshold, a.SKU); err != nil {
					return fmt.Errorf("adjust %s: %w", a.SKU, err)
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO inventory_stock (sku, warehouse, on_hand, reserved, updated_at, low_stock_threshold)
			SELECT $1, $2, 0, 0, $3, low_stock_threshold FROM inventory_skus WHERE sku = $1
			ON CONFLICT (sku, warehouse) DO NOTHING`, a.SKU, a.Warehouse, now); err != nil {
			return fmt.Errorf("adjust %s: %w", a.SKU, err)
		}
		var old, reserved int64
		if err := tx.QueryRowContext(ctx, `SELECT on_hand, reserved FROM inventory_stock
			WHERE sku = $1 AND warehouse = $2`+forUpdate(tx), a.SKU, a.Warehouse).Scan(&old, &reserved); err != nil {
			return fmt.Errorf("adjust %s: %w", a.SKU, err)
		}
		if a.OnHand < reserved {
			return ErrBelowReserved.WithMessage(fmt.Sprintf(
				"%d units of %s are reserved for orders in %s; on_hand cannot go below that.", reserved, a.SKU, a.Warehouse))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE inventory_stock SET on_hand = $1, updated_at = $2
			WHERE sku = $3 AND warehouse = $4`, a.OnHand, now, a.SKU, a.Warehouse); err != nil {
			return fmt.Errorf("adjust %s: %w", a.SKU, err)
		}
		id, err := uuid.NewV7()
		if err != nil {
			return fmt.Errorf("adjustment id: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO inventory_adjustments
			(id, sku, warehouse, old_on_hand, new_on_hand, reason, actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			id.String(), a.SKU, a.Warehouse, old, a.OnHand, a.Reason, actor, now); err != nil {
			return fmt.Errorf("adjust %s: %w", a.SKU, err)
		}
		if out, err = loadStock(ctx, tx, a.SKU); err != nil {
			return err
		}
		return c.publish(ctx, tx, out, "adjustment")
	})
	if err != nil {
		return Stock{}, err
	}
	return out, nil
}

// forUpdate locks the row read on PostgreSQL, where concurrent writers would otherwise both read
// the old count; SQLite has one writer at a time, so its reads in a write transaction are stable.
func forUpdate(tx *db.Tx) string {
	if tx.Engine() == db.Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// Adjustments returns sku's adjustment trail, newest first.
func (c *Core) Adjustments(ctx context.Context, sku string, limit int) ([]AdjustmentRecord, error) {
	if err := checkSKU("sku", sku); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = DefaultLimit
	}
	rows, err := c.d.QueryContext(ctx, `SELECT id, warehouse, old_on_hand, new_on_hand, reason, actor, at
		FROM inventory_adjustments WHERE sku = $1 ORDER BY id DESC LIMIT $2`, sku, limit)
	if err != nil {
		return nil, fmt.Errorf("adjustments %s: %w", sku, err)
	}
	defer rows.Close()
	var out []AdjustmentRecord
	for rows.Next() {
		r := AdjustmentRecord{SKU: sku}
		var at int64
		if err := rows.Scan(&r.ID, &r.Warehouse, &r.OldOnHand, &r.NewOnHand, &r.Reason, &r.Actor, &at); err != nil {
			return nil, fmt.Errorf("adjustments %s: %w", sku, err)
		}
		r.At = fromMS(at)
		out = append(out, r)
	}
	return out, rows.Err()
}
