package search

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// ConsumerName is the durable consumer that feeds the index. The broker keeps its position, so
// a process that was down catches up on the events it missed.
const ConsumerName = "search-indexer"

// Handler applies catalog events to x. It ignores tx: the index is not in the SQL store, and
// Upsert and Delete are idempotent by version, so an event applied to the index whose tx then
// fails to commit is applied again harmlessly when redelivered.
func (x *Index) Handler() events.Handler {
	return func(ctx context.Context, _ *db.Tx, ev events.Event) error {
		if ev.Version > catalog.EventVersion {
			// A newer catalog than this search: fail so the event is parked, not misread.
			return fmt.Errorf("search: %s version %d is newer than %d", ev.Type, ev.Version, catalog.EventVersion)
		}
		switch ev.Type {
		case catalog.EventProductUpserted:
			var p catalog.ProductUpserted
			if err := ev.Decode(&p); err != nil {
				return err
			}
			_, err := x.Upsert(ctx, p)
			return err
		case catalog.EventProductDeleted:
			var p catalog.ProductDeleted
			if err := ev.Decode(&p); err != nil {
				return err
			}
			_, err := x.Delete(ctx, p)
			return err
		}
		return nil // other product events say nothing search shows
	}
}

// Subscribe starts the durable consumer that keeps x up to date with the catalog. d is the search
// service's own store, where the consumer records the events it processed.
func Subscribe(ctx context.Context, bus *events.Bus, d *db.DB, x *Index, log *slog.Logger) (*events.Consumer, error) {
	return events.Subscribe(ctx, bus, d, events.ConsumerOptions{
		Name:   ConsumerName,
		Types:  []string{"product.*"},
		Logger: log,
	}, x.Handler())
}
