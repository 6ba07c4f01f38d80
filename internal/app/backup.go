package app

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/pasarhq/pasar/internal/backup"
	"github.com/pasarhq/pasar/internal/platform/config"
	"github.com/pasarhq/pasar/internal/platform/events"
	"github.com/pasarhq/pasar/internal/search"
)

// Backup writes a backup of the shop cfg describes into dir while it keeps serving; `pasar
// backup --to DIR` and the scheduled backups of serve call it.
func Backup(ctx context.Context, cfg config.Config, log *slog.Logger, dir, version string, progress func(backup.Progress)) (backup.Manifest, error) {
	return backup.Run(ctx, dir, backupOptions(cfg, log, version, progress))
}

func backupOptions(cfg config.Config, log *slog.Logger, version string, progress func(backup.Progress)) backup.Options {
	names := make([]string, 0, len(services))
	for _, s := range services {
		names = append(names, s.name)
	}
	o := backup.Options{
		DataDir:      cfg.DataDir,
		PostgresURL:  cfg.PostgresURL,
		Schemas:      names,
		PasarVersion: version,
		Progress:     progress,
		Log:          log.With("component", "backup"),
	}
	if cfg.BackupDir != "" {
		o.Exclude = []string{cfg.BackupDir} // scheduled backups kept inside the data folder
	}
	if cfg.PostgresURL != "" {
		o.SchemaPrefixes = []string{"search_"} // each search replica's store (searchStore)
	}
	return o
}

// Restore checks the backup in dir and writes it into the data folder or the PostgreSQL database
// cfg names (over a shop there only with force), then rebuilds the search index from the
// restored catalog. `pasar restore --from DIR` calls it with the shop stopped.
func Restore(ctx context.Context, cfg config.Config, log *slog.Logger, dir string, force bool,
	progress func(backup.Progress), reindexed func(int)) (backup.Manifest, error) {
	if err := indexFree(searchIndexPath(cfg)); err != nil {
		return backup.Manifest{}, err
	}
	m, err := backup.Restore(ctx, dir, backup.RestoreOptions{
		DataDir:     cfg.DataDir,
		PostgresURL: cfg.PostgresURL,
		Force:       force,
		Migrations:  migrationsOf,
		Progress:    progress,
		Log:         log.With("component", "restore"),
	})
	if err != nil {
		return m, err
	}
	if reindexed == nil {
		reindexed = func(int) {}
	}
	if _, err := ReindexSearch(ctx, cfg, log, reindexed); err != nil {
		return m, fmt.Errorf("backup restored, but rebuilding the search index failed (run pasar search reindex): %w", err)
	}
	return m, nil
}

// migrationsOf returns the migrations of a store component: the events tables, or a service's.
func migrationsOf(component string) fs.FS {
	switch {
	case component == "events":
		return events.Migrations
	case strings.HasPrefix(component, "search_"):
		return search.Migrations // a search replica's store is migrated under its own name (searchStore)
	}
	for _, s := range services {
		if s.name == component {
			return s.migrations
		}
	}
	return nil
}

// indexFree fails when a running pasar holds the search index of the data folder: a restore
// (with --force) must not remove files from under a shop that is serving.
func indexFree(path string) error {
	if _, err := os.Stat(path); err != nil {
		return nil // no index: nothing to hold
	}
	x, err := search.Open(path, search.Options{LockTimeout: time.Second})
	if err != nil {
		return fmt.Errorf("the data folder is in use (stop pasar serve before restoring into it): %w", err)
	}
	return x.Close()
}
