package app

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// backupLockKey is the PostgreSQL advisory lock the replicas of a shop take turns on for
// scheduled backups.
const backupLockKey int64 = 0x70617361725f626b // "pasar_bk"

// pgLease serves the distributed shape: replicas share the database, so the lease is a session
// advisory lock (freed by PostgreSQL when its holder dies), and the time of the last backup is a
// row there (pasar_backup.runs), whichever replica took it and wherever it wrote it.
type pgLease struct {
	url, replica string
	conn         *pgx.Conn // the lock's session, while the lease is held
}

func (l *pgLease) acquire(ctx context.Context) (func(), bool, error) {
	conn, err := pgx.Connect(ctx, l.url)
	if err != nil {
		return nil, false, err
	}
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, backupLockKey).Scan(&ok); err != nil || !ok {
		conn.Close(context.Background())
		return nil, false, err
	}
	// Created under the lock, so two first starts do not race on it.
	if _, err := conn.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS pasar_backup;
		CREATE TABLE IF NOT EXISTS pasar_backup.runs (
			taken_at   TIMESTAMPTZ NOT NULL,
			dir        TEXT        NOT NULL,
			size_bytes BIGINT      NOT NULL,
			replica    TEXT        NOT NULL)`); err != nil {
		conn.Close(context.Background())
		return nil, false, err
	}
	l.conn = conn
	return func() {
		l.conn = nil
		// Unlocked explicitly: closing the session frees the lock too, but only once the server
		// has ended the session, a moment after the close returns, and the next replica to try in
		// that moment would skip its turn. Closing is the fallback when the unlock fails.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, backupLockKey)
		conn.Close(ctx)
	}, true, nil
}

func (l *pgLease) last(ctx context.Context) (time.Time, error) {
	var t *time.Time
	if err := l.conn.QueryRow(ctx, `SELECT max(taken_at) FROM pasar_backup.runs`).Scan(&t); err != nil || t == nil {
		return time.Time{}, err
	}
	return *t, nil
}

func (l *pgLease) record(ctx context.Context, t time.Time, dir string, size int64) error {
	_, err := l.conn.Exec(ctx, `INSERT INTO pasar_backup.runs (taken_at, dir, size_bytes, replica)
		VALUES ($1, $2, $3, $4)`, t, dir, size, l.replica)
	return err
}
