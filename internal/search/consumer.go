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

// Handler applies catalog events to x, recording the versions applied in tx. The index itself is
// not transactional: an event applied to it whose tx then fails to commit is applied again,
// harmlessly, when it is redelivered.
func (x *Index) Handler() events.Handler {
	return func(ctx context.Context, tx *db.Tx, ev events.Event) error {
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
			_, err := x.Upsert(ctx, tx, p)
			return err
		case catalog.EventProductDeleted:
			var p catalog.ProductDeleted
			if err := ev.Decode(&p); err != nil {
				return err
			}
			_, err := x.Delete(ctx, tx, p)
			return err
		}
		return nil // other product events say nothing search shows
	}
}

// Subscribe starts the durable consumer that keeps x up to date with the catalog. d is the search
// service's own store (with Migrations applied), where the consumer records the events and
// versions it applied. If x was just created, the versions recorded for a lost index are
// forgotten, and the log says to run a reindex.
func Subscribe(ctx context.Context, bus *events.Bus, d *db.DB, x *Index, log *slog.Logger) (*events.Consumer, error) {
	if x.created {
		n, err := forgetVersions(ctx, d)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			log.Warn("search index was missing and starts empty; run `pasar search reindex` to fill it", "forgotten_versions", n)
		}
	}
	return events.Subscribe(ctx, bus, d, events.ConsumerOptions{
		Name:   ConsumerName,
		Types:  []string{"product.*"},
		Logger: log,
	}, x.Handler())
}
