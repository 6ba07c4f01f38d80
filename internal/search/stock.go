package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/pasarhq/pasar/internal/inventory"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// StockConsumerName is the durable consumer that feeds the inventory's stock into the index. It
// is apart from ConsumerName because stock lives in the search store, not the index: a lost or
// rebuilt index keeps it, and nothing has to be replayed to get it back.
const StockConsumerName = "search-stock"

// stockEventVersion is the newest stock.changed payload version this search reads.
const stockEventVersion = 1

// stockStamp orders a SKU's stock reports: the event's time, then its id (a UUIDv7, ordered by
// creation within the publishing process) for reports made in the same instant.
type stockStamp struct {
	time int64 // unix nanoseconds
	id   string
}

func (a stockStamp) after(b stockStamp) bool {
	if a.time != b.time {
		return a.time > b.time
	}
	return a.id > b.id
}

// StockHandler applies the inventory's stock.changed events to x, recording each SKU's latest
// report in tx.
func (x *Index) StockHandler() events.Handler {
	return func(ctx context.Context, tx *db.Tx, ev events.Event) error {
		if ev.Type != inventory.EventStockChanged {
			return nil
		}
		if ev.Version > stockEventVersion {
			// A newer inventory than this search: fail so the event is parked, not misread.
			return fmt.Errorf("search: %s version %d is newer than %d", ev.Type, ev.Version, stockEventVersion)
		}
		var s inventory.StockChanged
		if err := ev.Decode(&s); err != nil {
			return err
		}
		if s.SKU == "" {
			return errors.New("search: stock change without sku")
		}
		_, err := x.SetStock(ctx, tx, s.SKU, s.InStock, s.Available, ev.Time, ev.ID)
		return err
	}
}

// SetStock records that sku is (or is not) in stock as of the event eventID published at, unless q
// holds a later report for it, and reports whether it did. Products are in stock when any of their
// SKUs is. When q is a transaction, searches see the change once it commits.
func (x *Index) SetStock(ctx context.Context, q db.Querier, sku string, inStock bool, available int64, at time.Time, eventID string) (bool, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	stamp := stockStamp{at.UnixNano(), eventID}
	var last stockStamp
	err := q.QueryRowContext(ctx, `SELECT event_time, event_id FROM search_stock WHERE sku = $1`, sku).Scan(&last.time, &last.id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return false, fmt.Errorf("search stock of %s: %w", sku, err)
	case !stamp.after(last):
		return false, nil // a report as new or newer was applied: this one is late or repeated
	}
	_, err = q.ExecContext(ctx, `INSERT INTO search_stock (sku, in_stock, available, event_time, event_id)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (sku) DO UPDATE SET in_stock = excluded.in_stock, available = excluded.available,
			event_time = excluded.event_time, event_id = excluded.event_id`,
		sku, boolInt(inStock), available, stamp.time, stamp.id)
	if err != nil {
		return false, fmt.Errorf("record search stock of %s: %w", sku, err)
	}
	apply := func() {
		if x.tab.setStock(sku, inStock) {
			// Cached facet counts may include or leave out the product that just changed.
			x.facets.clear()
		}
	}
	if tx, ok := q.(*db.Tx); ok {
		tx.AfterCommit(apply)
	} else {
		apply()
	}
	return true, nil
}

// LoadStock reads the stock recorded in the search store d into x's table. SubscribeStock calls
// it; a process that opens an index without the consumer calls it to filter on stock.
func (x *Index) LoadStock(ctx context.Context, d db.Querier) error {
	rows, err := d.QueryContext(ctx, `SELECT sku FROM search_stock WHERE in_stock = 0`)
	if err != nil {
		return fmt.Errorf("load search stock: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var sku string
		if err := rows.Scan(&sku); err != nil {
			return fmt.Errorf("load search stock: %w", err)
		}
		out[sku] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load search stock: %w", err)
	}
	x.tab.loadStock(out)
	x.facets.clear()
	return nil
}

// SubscribeStock loads the stock recorded in d into x and starts the durable consumer that keeps
// it up to date with the inventory's stock.changed events. d is the search service's own store
// (with Migrations applied).
func SubscribeStock(ctx context.Context, bus *events.Bus, d *db.DB, x *Index, log *slog.Logger) (*events.Consumer, error) {
	return SubscribeStockAs(ctx, StockConsumerName, bus, d, x, log)
}

// SubscribeStockAs is SubscribeStock under durable consumer name, one per search replica.
func SubscribeStockAs(ctx context.Context, name string, bus *events.Bus, d *db.DB, x *Index, log *slog.Logger) (*events.Consumer, error) {
	if err := x.LoadStock(ctx, d); err != nil {
		return nil, err
	}
	return events.Subscribe(ctx, bus, d, events.ConsumerOptions{
		Name:   name,
		Types:  []string{inventory.EventStockChanged},
		Logger: log,
	}, x.StockHandler())
}
