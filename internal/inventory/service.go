// Package inventory keeps stock per SKU per warehouse and holds it for orders.
//
// Units of a SKU are on hand (in a warehouse), reserved (held for an order that is checking out)
// or available (on hand minus reserved). A checkout reserves its lines all or nothing with an
// expiry; the order then commits the reservation (the units are sold and leave on hand) or
// releases it. A reservation nobody commits or releases is released by the sweeper when it
// expires, so an abandoned checkout's stock returns by itself.
package inventory

import (
	"context"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
)

// Service is the inventory's contract. The core implements it on a SQL store; an HTTP client can
// implement it for an inventory that runs in another process. Adjust needs auth.InventoryWrite;
// the reservation calls are made by the order service on the shopper's behalf.
type Service interface {
	// Get returns the stock of sku summed over its warehouses (ErrUnknownSKU if it has none).
	Get(ctx context.Context, sku string) (Stock, error)
	// Available returns the available units of each of skus summed over warehouses. A SKU the
	// inventory does not know is absent from the map, so a caller can tell it from one sold out.
	Available(ctx context.Context, skus []string) (map[string]int64, error)

	// Adjust sets the units on hand of a SKU in a warehouse (and optionally its low-stock
	// threshold), recording who did it, when, the old and new count and the reason.
	Adjust(ctx context.Context, a Adjustment) (Stock, error)
	// Adjustments returns the adjustment trail of sku, newest first, at most limit entries
	// (0: DefaultLimit).
	Adjustments(ctx context.Context, sku string, limit int) ([]AdjustmentRecord, error)
	// LowStock returns the SKUs at or below their low-stock threshold (sold out ones included),
	// fewest available first, at most limit (0: DefaultLimit), in one call.
	LowStock(ctx context.Context, limit int) ([]Stock, error)

	// Reserve holds every line for orderID until ttl has passed, or none of them: when one line
	// cannot be held it returns ErrOutOfStock or ErrUnknownSKU (naming each such line in Fields,
	// e.g. "lines[1].quantity") and holds nothing. Reserving again for the same order with the same lines returns the
	// existing reservation while it is held (so a retried saga step holds stock once); other
	// lines, or a reservation of that order no longer held, are ErrReservationExists.
	Reserve(ctx context.Context, orderID string, lines []Line, ttl time.Duration) (Reservation, error)
	// Release returns a held reservation's units to available. Releasing one already released or
	// expired is a no-op; a committed one is ErrReservationCommitted.
	Release(ctx context.Context, orderID string) error
	// Commit turns a held reservation into a sale: its units leave on hand and reserved.
	// Committing twice is a no-op; a released reservation is ErrReservationReleased and an
	// expired one ErrReservationExpired (its units are released then, if the sweeper had not yet).
	Commit(ctx context.Context, orderID string) error
	// Restock gives back what orderID's reservation took: a committed (sold) reservation's units
	// return to on hand, a held one is released. Restocking twice, or a released or expired
	// reservation, is a no-op. The order service calls it when a sold order is cancelled.
	Restock(ctx context.Context, orderID string) error
	// Reservation returns the reservation of orderID.
	Reservation(ctx context.Context, orderID string) (Reservation, error)
}

// DefaultWarehouse is the warehouse of a SKU when none is named.
const DefaultWarehouse = "main"

// Limits on input, so a typo cannot overflow a counter or hold stock for a year.
const (
	MaxQuantity  = 1_000_000      // per line, and units on hand per SKU per warehouse
	MaxLines     = 100            // lines per reservation
	MaxTTL       = 24 * time.Hour // longest reservation
	DefaultTTL   = 15 * time.Minute
	DefaultLimit = 50 // adjustment trail entries, low-stock SKUs
	// MaxLowStockLimit is the most SKUs one LowStock call returns.
	MaxLowStockLimit = 200
	MaxReasonLength  = 500
)

// Stock is a SKU's stock, over all its warehouses unless Warehouse is set.
type Stock struct {
	SKU       string `json:"sku"`
	Available int64  `json:"available"` // OnHand - Reserved
	OnHand    int64  `json:"on_hand"`
	Reserved  int64  `json:"reserved"`
	InStock   bool   `json:"in_stock"`  // Available > 0
	LowStock  bool   `json:"low_stock"` // in stock with Available at or below LowStockThreshold
	// LowStockThreshold is the available count at or below which the SKU is low on stock.
	LowStockThreshold int64            `json:"low_stock_threshold"`
	Warehouses        []WarehouseStock `json:"warehouses,omitempty"`
}

// WarehouseStock is a SKU's stock in one warehouse.
type WarehouseStock struct {
	Warehouse string `json:"warehouse"`
	Available int64  `json:"available"`
	OnHand    int64  `json:"on_hand"`
	Reserved  int64  `json:"reserved"`
}

// Adjustment sets the units on hand of SKU in Warehouse (DefaultWarehouse when empty).
type Adjustment struct {
	SKU       string
	Warehouse string
	OnHand    int64
	Reason    string // required: why the count changed (delivery, stock take, damage, ...)
	// LowStockThreshold, when not nil, sets the SKU's threshold (for all its warehouses).
	LowStockThreshold *int64
}

// AdjustmentRecord is one entry of a SKU's adjustment trail.
type AdjustmentRecord struct {
	ID        string    `json:"id"`
	SKU       string    `json:"sku"`
	Warehouse string    `json:"warehouse"`
	OldOnHand int64     `json:"old_on_hand"`
	NewOnHand int64     `json:"new_on_hand"`
	Reason    string    `json:"reason"`
	Actor     string    `json:"actor"` // the principal's subject
	At        time.Time `json:"at"`
}

// Line asks for Quantity units of SKU. Warehouse empty means any warehouse that has them all,
// DefaultWarehouse first; a line is never split between warehouses.
type Line struct {
	SKU       string `json:"sku"`
	Quantity  int64  `json:"quantity"`
	Warehouse string `json:"warehouse,omitempty"`
}

// ReservationStatus is where a reservation is in its life.
type ReservationStatus string

// Reservation statuses. Held is the only one that holds stock.
const (
	Held      ReservationStatus = "held"
	Committed ReservationStatus = "committed"
	Released  ReservationStatus = "released"
	Expired   ReservationStatus = "expired"  // released by the sweeper or a late Commit
	Returned  ReservationStatus = "returned" // committed, then its units were restocked
)

// Reservation is the stock held for one order.
type Reservation struct {
	OrderID   string            `json:"order_id"`
	Status    ReservationStatus `json:"status"`
	Lines     []Line            `json:"lines"` // each with the warehouse it was held in
	ExpiresAt time.Time         `json:"expires_at"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Event types the inventory publishes through its outbox.
const (
	// EventStockChanged (StockChanged) follows every adjustment, and any reservation or release
	// that flips a SKU's in_stock or low_stock, so readers such as search stay current without an
	// event per checkout. (A sale leaves available unchanged: the units were already reserved.)
	EventStockChanged = "stock.changed"
)

// StockChanged is the payload of EventStockChanged: the SKU's stock after the change.
type StockChanged struct {
	Stock
	Cause string `json:"cause"` // adjustment, reserved, released, expired or returned
}

// Errors the inventory returns; errors.Is matches them in both shapes.
var (
	ErrUnknownSKU = apperr.New(apperr.NotFound, "sku_not_found", "The inventory has no such SKU.")
	ErrOutOfStock = apperr.New(apperr.Conflict, "out_of_stock",
		"Not enough stock for one or more lines.")
	ErrBelowReserved = apperr.New(apperr.Conflict, "below_reserved",
		"The count on hand cannot go below the units reserved for orders.")
	ErrReservationNotFound = apperr.New(apperr.NotFound, "reservation_not_found", "No reservation for this order.")
	ErrReservationExists   = apperr.New(apperr.Conflict, "reservation_exists",
		"The order already holds a different reservation.")
	ErrReservationCommitted = apperr.New(apperr.Conflict, "reservation_committed",
		"The reservation was already committed.")
	ErrReservationReleased = apperr.New(apperr.Conflict, "reservation_released",
		"The reservation was released.")
	ErrReservationExpired = apperr.New(apperr.Conflict, "reservation_expired",
		"The reservation expired and its stock was released.")
)
