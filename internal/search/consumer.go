package search

import (
	"context"
	"log/slog"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// ConsumerName is the durable consumer that feeds the index. The broker keeps its position, so
// a process that was down catches up on the events it missed.
const ConsumerName = "search-indexer"

// Handler applies one catalog event to x, recording the version applied in tx. The index itself
// is not transactional: an event applied to it whose tx then fails to commit is applied again,
// harmlessly, when it is redelivered. Subscribe uses BatchHandler, which applies runs of events.
func (x *Index) Handler() events.Handler {
	bh := x.BatchHandler()
	return func(ctx context.Context, tx *db.Tx, ev events.Event) error { return bh(ctx, tx, []events.Event{ev}) }
}

// Subscribe starts the durable consumer that keeps x up to date with the catalog. d is the search
// service's own store (with Migrations applied), where the consumer records the events and
// versions it applied. If x was just created, the versions recorded for a lost index are
// forgotten, and the log says to run a reindex.
func Subscribe(ctx context.Context, bus *events.Bus, d *db.DB, x *Index, log *slog.Logger) (*events.Consumer, error) {
	return SubscribeAs(ctx, ConsumerName, bus, d, x, log)
}

// SubscribeAs is Subscribe under durable consumer name: each search replica keeps its own index,
// so each needs a consumer of its own that receives every event (ConsumerName plus its replica id).
func SubscribeAs(ctx context.Context, name string, bus *events.Bus, d *db.DB, x *Index, log *slog.Logger) (*events.Consumer, error) {
	if x.created {
		n, err := forgetVersions(ctx, d)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			log.Warn("search index was missing and starts empty; run `pasar search reindex` to fill it", "forgotten_versions", n)
		}
	}
	return events.SubscribeBatch(ctx, bus, d, events.ConsumerOptions{
		Name:   name,
		Types:  []string{"product.*"},
		Logger: log,
	}, x.BatchHandler())
}
