package app

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/platform/config"
	"github.com/pasarhq/pasar/internal/search"
)

// searchIndexPath is where the embedded search index lives.
func searchIndexPath(cfg config.Config) string { return filepath.Join(cfg.DataDir, "search") }

// searchStore names the store of this replica's search bookkeeping (applied versions, processed
// events, stock). It belongs with the replica's own index: in SQLite it sits beside the index in
// the data folder; in PostgreSQL, where replicas share a server, each replica has its own schema,
// search_<replica id>, so no replica skips an event because another applied it.
func searchStore(cfg config.Config) string {
	if cfg.PostgresURL == "" {
		return "search"
	}
	id := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '_'
	}, cfg.Replica())
	return ("search_" + id)[:min(63, len("search_"+id))]
}

// wireSearch opens the search index, feeds it from catalog events and the inventory's stock events
// through two durable consumers (whose processed-event records and stock live in the search
// store) and serves the search API.
func (a *App) wireSearch(ctx context.Context) error {
	st, err := a.OpenStore(ctx, searchStore(a.cfg), search.Migrations)
	if err != nil {
		return err
	}
	log := a.log.With("service", "search")
	x, err := search.Open(searchIndexPath(a.cfg), search.Options{Logger: log})
	if err != nil {
		return err
	}
	// Closed after the consumer stops, so no event is half-applied at shutdown.
	a.closers = append(a.closers, x.Close)
	// Durable consumers of this replica's own: every replica indexes every event.
	replica := a.cfg.Replica()
	log.Info("search replica", "replica", replica, "store", st.Name)
	c, err := search.SubscribeAs(ctx, search.ConsumerName+"-"+replica, a.bus, st.DB, x, log)
	if err != nil {
		return fmt.Errorf("search indexer: %w", err)
	}
	a.consumers = append(a.consumers, c)
	sc, err := search.SubscribeStockAs(ctx, search.StockConsumerName+"-"+replica, a.bus, st.DB, x, log)
	if err != nil {
		return fmt.Errorf("search stock consumer: %w", err)
	}
	a.consumers = append(a.consumers, sc)
	a.addCheck("search", func(context.Context) error {
		_, err := x.DocCount()
		return err
	})
	a.svc.search = x
	search.NewHandler(x).Routes(a.router)
	a.openapi = append(a.openapi, search.OpenAPI)
	return nil
}

// ReindexSearch rebuilds the search index under cfg.DataDir from the catalog's store, telling
// progress the running count. `pasar search reindex` runs it while pasar serve is stopped; events
// published meanwhile are applied when the server starts again.
func ReindexSearch(ctx context.Context, cfg config.Config, log *slog.Logger, progress func(int)) (int, error) {
	cd, err := openMigrated(ctx, cfg, "catalog", catalog.Migrations)
	if err != nil {
		return 0, err
	}
	defer cd.Close()
	sd, err := openMigrated(ctx, cfg, searchStore(cfg), search.Migrations)
	if err != nil {
		return 0, err
	}
	defer sd.Close()
	path := searchIndexPath(cfg)
	log.Info("rebuilding the search index", "path", path)
	// Reading needs no outbox: ScanProducts only reads.
	return search.Rebuild(ctx, path, catalog.NewCore(cd, nil), sd, progress)
}
