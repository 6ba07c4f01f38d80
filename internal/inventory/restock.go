package inventory

import (
	"context"
	"fmt"

	"github.com/pasarhq/pasar/internal/platform/db"
)

// Restock gives back what orderID's reservation took: sold units return to on hand, held ones
// are released.
func (c *Core) Restock(ctx context.Context, orderID string) error {
	if err := checkSKU("order_id", orderID); err != nil {
		return err
	}
	return c.d.InTx(ctx, func(tx *db.Tx) error {
		if ok, err := c.unhold(ctx, tx, orderID, Released); err != nil || ok {
			return err
		}
		now := ms(c.now())
		var raw string
		// The conditional UPDATE lets one of two racing restocks return the units.
		err := tx.QueryRowContext(ctx, `UPDATE inventory_reservations SET status = $1, updated_at = $2
			WHERE order_id = $3 AND status = $4 RETURNING lines`, Returned, now, orderID, Committed).Scan(&raw)
		if isNoRows(err) {
			_, found, err := getReservation(ctx, tx, orderID)
			if err == nil && !found {
				return ErrReservationNotFound
			}
			return err // released, expired or already returned: nothing to give back
		}
		if err != nil {
			return fmt.Errorf("restock %s: %w", orderID, err)
		}
		lines, err := lockOrder(raw)
		if err != nil {
			return fmt.Errorf("restock %s: lines: %w", orderID, err)
		}
		delta := make(map[string]int64, len(lines))
		for _, l := range lines {
			if _, err := tx.ExecContext(ctx, `UPDATE inventory_stock SET on_hand = on_hand + $1, updated_at = $2
				WHERE sku = $3 AND warehouse = $4`, l.Quantity, now, l.SKU, l.Warehouse); err != nil {
				return fmt.Errorf("restock %s: %w", l.SKU, err)
			}
			delta[l.SKU] += l.Quantity
		}
		return c.publishFlips(ctx, tx, delta, string(Returned))
	})
}
