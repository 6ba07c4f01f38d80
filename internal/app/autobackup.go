package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pasarhq/pasar/internal/backup"
	"github.com/pasarhq/pasar/internal/platform/config"
)

// stampLayout names each scheduled backup's folder after the time it was taken; the names sort
// in time order.
const stampLayout = "20060102T150405Z"

// partialPrefix marks a scheduled backup still being written; it is renamed when complete.
const partialPrefix = ".partial-"

// autobackup takes a backup into a timestamped folder of dir every `every`, keeps the newest
// `keep`, and with several replicas lets only the one holding the lease do it.
type autobackup struct {
	dir   string
	every time.Duration
	keep  int
	take  func(ctx context.Context, dir string) (backup.Manifest, error)
	lease backupLease
	now   func() time.Time
	log   *slog.Logger

	lastSuccess, lastDuration, lastSize prometheus.Gauge
	runs                                *prometheus.CounterVec
}

// backupLease decides which replica takes the scheduled backups and remembers when the last
// one finished.
type backupLease interface {
	// acquire returns ok false when another replica holds the lease.
	acquire(ctx context.Context) (release func(), ok bool, err error)
	// last returns when the newest scheduled backup was taken (zero when none was).
	last(ctx context.Context) (time.Time, error)
	// record notes a finished backup taken at t.
	record(ctx context.Context, t time.Time, dir string, size int64) error
}

func newAutobackup(cfg config.Config, log *slog.Logger, version string, reg prometheus.Registerer) *autobackup {
	log = log.With("component", "autobackup")
	b := &autobackup{
		dir: cfg.BackupDir, every: cfg.BackupEvery, keep: cfg.BackupKeep, now: time.Now, log: log,
		take: func(ctx context.Context, dir string) (backup.Manifest, error) {
			return Backup(ctx, cfg, log, dir, version, nil)
		},
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{Name: "pasar_backup_last_success_timestamp_seconds",
			Help: "When the last scheduled backup that succeeded was taken (Unix time)."}),
		lastDuration: prometheus.NewGauge(prometheus.GaugeOpts{Name: "pasar_backup_last_duration_seconds",
			Help: "How long the last successful scheduled backup took."}),
		lastSize: prometheus.NewGauge(prometheus.GaugeOpts{Name: "pasar_backup_last_size_bytes",
			Help: "Size of the last successful scheduled backup."}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pasar_backup_runs_total",
			Help: "Scheduled backups taken by this process, by result (ok, failed)."}, []string{"result"}),
	}
	reg.MustRegister(b.lastSuccess, b.lastDuration, b.lastSize, b.runs)
	if cfg.PostgresURL != "" {
		b.lease = &pgLease{url: cfg.PostgresURL, replica: cfg.Replica()}
	} else {
		b.lease = dirLease{b}
	}
	return b
}

// run checks every minute (or every `every`, when shorter) whether a backup is due, until ctx ends.
func (b *autobackup) run(ctx context.Context) {
	b.log.Info("scheduled backups on", "dir", b.dir, "every", b.every.String(), "keep", b.keep)
	poll := min(b.every, time.Minute)
	for {
		if _, err := b.tick(ctx); err != nil && ctx.Err() == nil {
			b.log.Error("scheduled backup failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(poll):
		}
	}
}

// tick takes a backup when this replica holds the lease and the last one is older than `every`,
// and reports whether it did.
func (b *autobackup) tick(ctx context.Context) (bool, error) {
	release, ok, err := b.lease.acquire(ctx)
	if err != nil || !ok {
		return false, err
	}
	defer release()
	last, err := b.lease.last(ctx)
	if err != nil {
		return false, err
	}
	now := b.now()
	if !last.IsZero() && now.Sub(last) < b.every {
		return false, nil
	}
	if err := os.MkdirAll(b.dir, 0o750); err != nil {
		return false, err
	}
	name := now.UTC().Format(stampLayout)
	tmp, final := filepath.Join(b.dir, partialPrefix+name), filepath.Join(b.dir, name)
	start := time.Now()
	b.log.Info("scheduled backup started", "dir", final)
	m, err := b.take(ctx, tmp)
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err == nil {
		err = b.lease.record(ctx, now, final, m.Size())
	}
	if err != nil {
		os.RemoveAll(tmp)
		b.runs.WithLabelValues("failed").Inc()
		return false, err
	}
	took := time.Since(start)
	b.runs.WithLabelValues("ok").Inc()
	b.lastSuccess.Set(float64(now.Unix()))
	b.lastDuration.Set(took.Seconds())
	b.lastSize.Set(float64(m.Size()))
	b.log.Info("scheduled backup done", "dir", final, "bytes", m.Size(), "files", len(m.Files),
		"duration", took.Round(time.Millisecond).String())
	return true, b.prune()
}

// prune deletes all but the newest `keep` backups, and any left unfinished by a crash (only the
// lease holder writes here, so none is still being written).
func (b *autobackup) prune() error {
	done, err := b.backups()
	if err != nil {
		return err
	}
	ents, _ := os.ReadDir(b.dir)
	var gone []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), partialPrefix) {
			gone = append(gone, e.Name())
		}
	}
	if len(done) > b.keep {
		gone = append(gone, done[:len(done)-b.keep]...)
	}
	for _, n := range gone {
		if err := os.RemoveAll(filepath.Join(b.dir, n)); err != nil {
			return fmt.Errorf("delete old backup: %w", err)
		}
		b.log.Info("old backup deleted", "dir", filepath.Join(b.dir, n))
	}
	return nil
}

// backups lists the complete scheduled backups in the folder, oldest first.
func (b *autobackup) backups() ([]string, error) {
	ents, err := os.ReadDir(b.dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if _, err := time.Parse(stampLayout, e.Name()); err != nil || !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(b.dir, e.Name(), backup.ManifestName)); err == nil {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

// dirLease serves the all-in-one shape, where one process owns the data folder: the lease is
// always its own, and the newest folder says when the last backup was taken.
type dirLease struct{ b *autobackup }

func (dirLease) acquire(context.Context) (func(), bool, error) { return func() {}, true, nil }

func (l dirLease) last(context.Context) (time.Time, error) {
	names, err := l.b.backups()
	if err != nil || len(names) == 0 {
		return time.Time{}, err
	}
	return time.Parse(stampLayout, names[len(names)-1])
}

func (dirLease) record(context.Context, time.Time, string, int64) error { return nil }
