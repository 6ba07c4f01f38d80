package app

import (
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pasarhq/pasar/internal/backup"
	"github.com/pasarhq/pasar/internal/platform/auth"
)

// TestAutobackupInServe starts a shop with PASAR_BACKUP_DIR inside its data folder: it takes a
// backup at once, which verifies, leaves the backup folder out, and shows in the metrics.
func TestAutobackupInServe(t *testing.T) {
	t.Parallel()
	cfg := seededConfig(t, "sqlite")
	cfg.BackupDir, cfg.BackupEvery, cfg.BackupKeep = filepath.Join(cfg.DataDir, "backups"), time.Hour, 2
	a, c := startShop(t, cfg)
	var names []string
	for deadline := time.Now().Add(2 * time.Minute); len(names) == 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no scheduled backup after 2 minutes")
		}
		var err error
		if names, err = a.autobackup.backups(); err != nil {
			t.Fatal(err)
		}
	}
	m, err := backup.Verify(filepath.Join(cfg.BackupDir, names[0]), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Stores) < 8 {
		t.Errorf("scheduled backup holds %d stores", len(m.Stores))
	}
	for _, f := range m.Files {
		if strings.Contains(f.Path, "backups") {
			t.Errorf("the backup copied the backup folder: %s", f.Path)
		}
	}
	req := shopClient{t: t, base: c.base}
	var metrics string
	for deadline := time.Now().Add(time.Minute); !strings.Contains(metrics, `pasar_backup_runs_total{result="ok"} 1`); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("metrics after the backup:\n%s", metrics)
		}
		metrics = req.text("/metrics")
	}
	for _, name := range []string{"pasar_backup_last_success_timestamp_seconds", "pasar_backup_last_duration_seconds", "pasar_backup_last_size_bytes"} {
		if !strings.Contains(metrics, name+" ") || strings.Contains(metrics, name+" 0\n") {
			t.Errorf("metric %s missing or zero", name)
		}
	}
}

// TestAutobackupSchedule steps a clock past the schedule: a backup only when the last is older
// than PASAR_BACKUP_EVERY, the newest PASAR_BACKUP_KEEP kept, an unfinished one cleared.
func TestAutobackupSchedule(t *testing.T) {
	t.Parallel()
	cfg := shopConfig(t, "sqlite")
	if _, err := CreateUser(t.Context(), cfg, slog.New(slog.DiscardHandler), "boss@example.test", backupPass, auth.Admin); err != nil {
		t.Fatal(err)
	}
	cfg.BackupDir, cfg.BackupEvery, cfg.BackupKeep = t.TempDir(), time.Hour, 2
	b := newAutobackup(cfg, slog.New(slog.DiscardHandler), "test", prometheus.NewRegistry())
	t0 := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	if err := os.Mkdir(filepath.Join(cfg.BackupDir, partialPrefix+"20261125T000000Z"), 0o750); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		after time.Duration
		ran   bool
	}{{0, true}, {30 * time.Minute, false}, {59 * time.Minute, false}, {61 * time.Minute, true}, {90 * time.Minute, false}, {3 * time.Hour, true}}
	for _, s := range steps {
		b.now = func() time.Time { return t0.Add(s.after) }
		ran, err := b.tick(t.Context())
		if err != nil || ran != s.ran {
			t.Fatalf("at +%s: ran %v (%v), want %v", s.after, ran, err, s.ran)
		}
	}
	names, err := b.backups()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, " ") != "20261126T040100Z 20261126T060000Z" {
		t.Errorf("kept %v, want the newest two", names)
	}
	if ents, _ := os.ReadDir(cfg.BackupDir); len(ents) != 2 {
		t.Errorf("backup folder holds %d entries, want 2 (the unfinished one cleared)", len(ents))
	}
}

// TestAutobackupOneReplica runs two replicas' schedules on one PostgreSQL database: while one
// holds the lease the other takes no backup, and a backup either takes counts for both.
func TestAutobackupOneReplica(t *testing.T) {
	t.Parallel()
	cfg := shopConfig(t, "postgres")
	if _, err := CreateUser(t.Context(), cfg, slog.New(slog.DiscardHandler), "boss@example.test", backupPass, auth.Admin); err != nil {
		t.Fatal(err)
	}
	cfg.BackupEvery, cfg.BackupKeep = time.Hour, 3
	replica := func(id string) *autobackup {
		c := cfg
		c.BackupDir, c.ReplicaID = t.TempDir(), id
		return newAutobackup(c, slog.New(slog.DiscardHandler), "test", prometheus.NewRegistry())
	}
	b1, b2 := replica("r1"), replica("r2")
	t0 := time.Now()
	b1.now, b2.now = func() time.Time { return t0 }, func() time.Time { return t0 }
	release, ok, err := b1.lease.acquire(t.Context())
	if err != nil || !ok {
		t.Fatalf("first lease: %v %v", ok, err)
	}
	if ran, err := b2.tick(t.Context()); ran || err != nil {
		t.Fatalf("second replica ran %v (%v) while the first held the lease", ran, err)
	}
	release()
	if ran, err := b2.tick(t.Context()); !ran || err != nil {
		t.Fatalf("second replica with the lease free: ran %v (%v)", ran, err)
	}
	if ran, err := b1.tick(t.Context()); ran || err != nil {
		t.Fatalf("first replica right after the second's backup: ran %v (%v)", ran, err)
	}
	b1.now = func() time.Time { return t0.Add(61 * time.Minute) }
	if ran, err := b1.tick(t.Context()); !ran || err != nil {
		t.Fatalf("first replica an hour later: ran %v (%v)", ran, err)
	}
	for _, b := range []*autobackup{b1, b2} {
		names, _ := b.backups()
		if len(names) != 1 {
			t.Fatalf("%s holds %v", b.dir, names)
		}
		if _, err := backup.Verify(filepath.Join(b.dir, names[0]), nil); err != nil {
			t.Fatal(err)
		}
	}
}

// text returns the body of GET path.
func (c shopClient) text(path string) string {
	c.t.Helper()
	resp, err := http.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return string(raw)
}
