package notification

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pasarhq/pasar/internal/platform/db"
)

// pruneBatch is how many finished deliveries one retention transaction removes, so a large
// backlog is cleared in short transactions that never hold the store for long.
const pruneBatch = 500

// Pruned counts what a retention pass removed.
type Pruned struct {
	MailFiles  int   // files removed from the mail log folder: day files (and .eml files of earlier versions)
	MailKeys   int64 // notification_mails rows
	Deliveries int64 // finished webhook deliveries, with their attempts
	Endpoints  int64 // endpoints deleted before the cutoff whose log is gone
	Skipped    bool  // another replica ran the store's part within the interval
}

// pruner is a Mailer that keeps files it can prune (*FileMailer).
type pruner interface {
	Prune(before time.Time) (int, error)
}

// Prune removes mail and webhook records older than their retention (MailRetention,
// DeliveryRetention; zero keeps them). The mail log folder is this process's own and is always
// pruned; the store's rows are pruned by whichever replica claims the pass first in each
// RetentionInterval, so replicas do not repeat each other's work.
func (s *Service) Prune(ctx context.Context) (Pruned, error) {
	var p Pruned
	now := s.o.Now()
	if r, ok := s.o.Mailer.(pruner); ok && s.o.MailRetention > 0 {
		n, err := r.Prune(now.Add(-s.o.MailRetention))
		p.MailFiles = n
		if err != nil {
			return p, fmt.Errorf("prune mail log: %w", err)
		}
	}
	res, err := s.d.ExecContext(ctx, `UPDATE notification_jobs SET next_at = $1 WHERE name = 'retention' AND next_at <= $2`,
		ms(now.Add(s.o.RetentionInterval)), ms(now))
	if err != nil {
		return p, fmt.Errorf("claim retention pass: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		p.Skipped = true
		return p, nil
	}
	if s.o.MailRetention > 0 {
		res, err := s.d.ExecContext(ctx, `DELETE FROM notification_mails WHERE sent_at < $1`, ms(now.Add(-s.o.MailRetention)))
		if err != nil {
			return p, fmt.Errorf("prune sent mail keys: %w", err)
		}
		p.MailKeys, _ = res.RowsAffected()
	}
	if s.o.DeliveryRetention > 0 {
		cutoff := ms(now.Add(-s.o.DeliveryRetention))
		if p.Deliveries, err = s.pruneDeliveries(ctx, cutoff); err != nil {
			return p, err
		}
		// An endpoint deleted before the cutoff goes once its log has.
		res, err := s.d.ExecContext(ctx, `DELETE FROM notification_endpoints WHERE deleted_at < $1
			AND NOT EXISTS (SELECT 1 FROM notification_deliveries d WHERE d.endpoint_id = notification_endpoints.id)`, cutoff)
		if err != nil {
			return p, fmt.Errorf("prune deleted webhook endpoints: %w", err)
		}
		p.Endpoints, _ = res.RowsAffected()
	}
	return p, nil
}

// pruneDeliveries removes delivered and failed deliveries finished before cutoff, with their
// attempts, a batch per transaction. Pending ones stay whatever their age. A finished
// delivery's next_at is the time it finished, so the (status, next_at) index finds them.
func (s *Service) pruneDeliveries(ctx context.Context, cutoff int64) (int64, error) {
	const batch = `SELECT id FROM notification_deliveries WHERE status IN ('delivered', 'failed') AND next_at < $1
		ORDER BY next_at, id LIMIT $2`
	var total int64
	for {
		var n int64
		err := s.d.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, `DELETE FROM notification_attempts WHERE delivery_id IN (`+batch+`)`,
				cutoff, pruneBatch); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `DELETE FROM notification_deliveries WHERE id IN (`+batch+`)`, cutoff, pruneBatch)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return total, fmt.Errorf("prune webhook deliveries: %w", err)
		}
		total += n
		if n < pruneBatch || ctx.Err() != nil {
			return total, ctx.Err()
		}
	}
}

// RunRetention runs Prune every RetentionInterval until ctx ends, the first time a minute after
// the start, logging what went.
func (s *Service) RunRetention(ctx context.Context) {
	wait := time.Minute
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = s.o.RetentionInterval
		p, err := s.Prune(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			s.o.Logger.Warn("notification retention", "error", err)
		case p.MailFiles > 0 || p.MailKeys > 0 || p.Deliveries > 0 || p.Endpoints > 0:
			s.o.Logger.Info("notification retention", "mail_files", p.MailFiles, "mail_keys", p.MailKeys,
				"deliveries", p.Deliveries, "endpoints", p.Endpoints)
		}
	}
}

// Prune removes the day files whose whole day is over before before: a day's file goes once
// its last possible mail is older than the retention, so a mail is kept at least the retention
// and at most a day longer, and the current day's file (before is in the past) is never removed.
// It also removes the one-file-per-mail .eml files of earlier versions written before before, and
// their temporary files a crash left mid-write, so an upgrade leaves nothing behind. Those names
// start with the mail's UTC time. Files it did not write are left alone; a file another process
// removed first is not an error.
func (f *FileMailer) Prune(before time.Time) (int, error) {
	entries, err := os.ReadDir(f.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() {
			continue
		}
		var end time.Time // when the newest mail the file can hold was written
		if day, ok := strings.CutSuffix(name, mboxSuffix); ok {
			d, err := time.Parse(time.DateOnly, day)
			if err != nil {
				continue
			}
			end = d.AddDate(0, 0, 1)
		} else {
			tmp := strings.HasPrefix(name, ".") && strings.HasSuffix(name, legacyMailSuffix+".tmp")
			if !tmp && !strings.HasSuffix(name, legacyMailSuffix) {
				continue
			}
			stamp := strings.TrimPrefix(name, ".")
			at, err := time.Parse(legacyStamp, stamp[:min(len(stamp), len(legacyStamp))])
			if err != nil {
				continue
			}
			end = at
		}
		if end.After(before) {
			continue
		}
		if err := f.remove(name); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// legacyStamp starts the names of the .eml files of earlier versions.
const legacyStamp = "20060102T150405.000Z"

// remove deletes the file name of the folder, closing it first if it is the open day file (a
// late mail dated that day then recreates it rather than going to a deleted file).
func (f *FileMailer) remove(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.file != nil && f.day+mboxSuffix == name {
		f.closeFile()
	}
	if err := os.Remove(filepath.Join(f.Dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
