package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/pasarhq/pasar/internal/platform/db"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations creates identity's tables; apply with db.Migrate(ctx, d, "identity", Migrations).
var Migrations fs.FS = func() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // unreachable: the embed directive guarantees the folder
	}
	return sub
}()

// userRow is a users row, with the hash only the core sees.
type userRow struct {
	User
	hash string
}

const userColumns = `id, email, password_hash, role, disabled_at, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (userRow, error) {
	var u userRow
	var disabled sql.NullInt64
	var created, updated int64
	if err := row.Scan(&u.ID, &u.Email, &u.hash, &u.Role, &disabled, &created, &updated); err != nil {
		return userRow{}, err
	}
	u.Disabled = disabled.Valid
	u.CreatedAt, u.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return u, nil
}

func userByEmail(ctx context.Context, q db.Querier, email string) (userRow, error) {
	return userWhere(ctx, q, `email = $1`, email)
}

func userByID(ctx context.Context, q db.Querier, id string) (userRow, error) {
	return userWhere(ctx, q, `id = $1`, id)
}

func userWhere(ctx context.Context, q db.Querier, where string, arg any) (userRow, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return userRow{}, ErrUserNotFound
	}
	if err != nil {
		return userRow{}, fmt.Errorf("load user: %w", err)
	}
	return u, nil
}

func insertUser(ctx context.Context, tx *db.Tx, u userRow) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, password_hash, role, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5)`, u.ID, u.Email, u.hash, string(u.Role), u.CreatedAt.UnixMilli())
	if db.IsUniqueViolation(err) {
		return ErrEmailTaken
	}
	if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

func setPasswordHash(ctx context.Context, q db.Querier, id, hash string, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3`,
		hash, now.UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("store password hash: %w", err)
	}
	return nil
}

// listUsers returns up to limit+1 users after the cursor, oldest first.
func listUsers(ctx context.Context, q db.Querier, f UserFilter, after cursor) ([]User, error) {
	where, args := []string{"1=1"}, []any{}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.Email != "" {
		where = append(where, "email LIKE "+arg("%"+escapeLike(strings.ToLower(f.Email))+"%")+` ESCAPE '\'`)
	}
	if f.Role != "" {
		where = append(where, "role = "+arg(string(f.Role)))
	}
	if f.Disabled != nil {
		where = append(where, map[bool]string{true: "disabled_at IS NOT NULL", false: "disabled_at IS NULL"}[*f.Disabled])
	}
	if !after.zero() {
		where = append(where, "(created_at > "+arg(after.at)+" OR (created_at = "+arg(after.at)+" AND id > "+arg(after.id)+"))")
	}
	rows, err := q.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+strings.Join(where, " AND ")+
		` ORDER BY created_at, id LIMIT `+arg(f.Limit+1), args...)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u.User)
	}
	return out, rows.Err()
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// randomToken returns n random bytes as base64url: the secret handed to a client.
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenHash is how secrets are stored: a SHA-256 is enough for 256-bit random tokens, which
// cannot be guessed, and lets a lookup use the primary key.
func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}
