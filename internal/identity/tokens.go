package identity

import (
	"context"
	"fmt"
	"time"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
)

// issue signs an access token for u and stores a new refresh token in family.
func (c *Core) issue(ctx context.Context, u User, family, sessionID string) (Tokens, error) {
	return c.issueIn(ctx, c.d, u, family, sessionID)
}

func (c *Core) issueIn(ctx context.Context, q db.Querier, u User, family, sessionID string) (Tokens, error) {
	p := userPrincipal(u)
	p.SessionID = sessionID
	access, err := c.accessToken(ctx, p)
	if err != nil {
		return Tokens{}, err
	}
	refresh := randomToken(32)
	now := c.opts.Now()
	_, err = q.ExecContext(ctx, `INSERT INTO refresh_tokens (hash, family, user_id, session_id, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, tokenHash(refresh), family, u.ID, sessionID,
		now.Add(c.opts.RefreshTTL).UnixMilli(), now.UnixMilli())
	if err != nil {
		return Tokens{}, fmt.Errorf("store refresh token: %w", err)
	}
	return Tokens{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer",
		ExpiresIn: int(c.opts.AccessTTL / time.Second)}, nil
}

// Refresh exchanges a refresh token for new tokens. The presented token is used up; presenting
// it again means it was copied, so its whole family is revoked and both holders must sign in.
func (c *Core) Refresh(ctx context.Context, refreshToken string) (Tokens, error) {
	if refreshToken == "" {
		return Tokens{}, invalid("refresh_token", "is required")
	}
	hash, now := tokenHash(refreshToken), c.opts.Now()
	var out Tokens
	var reused, userID string
	err := c.d.InTx(ctx, func(tx *db.Tx) error {
		out, reused, userID = Tokens{}, "", ""
		var family, sessionID string
		var expires int64
		var used, revoked *int64
		err := tx.QueryRowContext(ctx, `SELECT family, user_id, session_id, expires_at, used_at, revoked_at
			FROM refresh_tokens WHERE hash = $1`, hash).Scan(&family, &userID, &sessionID, &expires, &used, &revoked)
		if isNoRows(err) {
			return ErrInvalidRefresh
		}
		if err != nil {
			return fmt.Errorf("load refresh token: %w", err)
		}
		if revoked != nil || expires <= now.UnixMilli() {
			return ErrInvalidRefresh
		}
		// The conditional update is the race guard: of two concurrent uses exactly one wins.
		res, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET used_at = $1 WHERE hash = $2 AND used_at IS NULL`,
			now.UnixMilli(), hash)
		if err != nil {
			return fmt.Errorf("use refresh token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 || used != nil {
			reused = family
			return revokeFamily(ctx, tx, family, now)
		}
		u, err := userByID(ctx, tx, userID)
		if isNotFound(err) || (err == nil && u.Disabled) {
			return ErrInvalidRefresh
		}
		if err != nil {
			return err
		}
		out, err = c.issueIn(ctx, tx, u.User, family, sessionID)
		return err
	})
	if reused != "" && err == nil {
		c.audit(auth.WithPrincipal(ctx, auth.Principal{Subject: userID}), "token.reuse", "user:"+userID,
			auth.Failure, map[string]string{"family": reused})
		return Tokens{}, ErrInvalidRefresh
	}
	return out, err
}

// Logout revokes the refresh token's family, ending that sign-in on every device it was
// refreshed on. An unknown token is not an error: the caller is signed out either way.
func (c *Core) Logout(ctx context.Context, refreshToken string) error {
	if refreshToken == "" {
		return invalid("refresh_token", "is required")
	}
	now := c.opts.Now()
	return c.d.InTx(ctx, func(tx *db.Tx) error {
		var family string
		err := tx.QueryRowContext(ctx, `SELECT family FROM refresh_tokens WHERE hash = $1`, tokenHash(refreshToken)).Scan(&family)
		if isNoRows(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("logout: %w", err)
		}
		return revokeFamily(ctx, tx, family, now)
	})
}

func revokeFamily(ctx context.Context, q db.Querier, family string, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE refresh_tokens SET revoked_at = $1 WHERE family = $2 AND revoked_at IS NULL`,
		now.UnixMilli(), family)
	return wrap("revoke token family", err)
}

func revokeUserTokens(ctx context.Context, q db.Querier, userID string, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`,
		now.UnixMilli(), userID)
	return wrap("revoke user tokens", err)
}
