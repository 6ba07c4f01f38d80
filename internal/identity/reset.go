package identity

import (
	"context"
	"fmt"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
)

// EventPasswordResetRequested carries a reset token to the notification service, which mails
// the link to the account's address.
const EventPasswordResetRequested = "user.password_reset_requested"

// PasswordResetRequested is the payload of EventPasswordResetRequested; the notification
// service mails Token to Email.
type PasswordResetRequested struct {
	UserID    string `json:"user_id"`
	Email     string `json:"email"`
	Token     string `json:"token"`
	ExpiresAt int64  `json:"expires_at"` // unix seconds
}

// RequestPasswordReset sends a single-use reset token to email if it has an account. The
// answer is the same either way, so it cannot be used to find out who has an account.
func (c *Core) RequestPasswordReset(ctx context.Context, email string) error {
	e, problem := normalizeEmail(email)
	if problem != "" {
		return invalid("email", problem)
	}
	keys := c.resetKeys(ctx, e)
	if err := c.checkLimits(ctx, keys); err != nil {
		return err
	}
	// Every request counts, found or not, so the limit caps mails to one inbox.
	if err := c.fail(ctx, keys); err != nil {
		return err
	}
	u, err := userByEmail(ctx, c.d, e)
	if isNotFound(err) || (err == nil && u.Disabled) {
		c.audit(ctx, "user.password_reset_request", "email:"+e, auth.Failure, nil)
		return nil
	}
	if err != nil {
		return err
	}
	token, now := randomToken(32), c.opts.Now()
	expires := now.Add(c.opts.ResetTTL)
	err = c.d.InTx(ctx, func(tx *db.Tx) error {
		// Only the newest mail's link works.
		if _, err := tx.ExecContext(ctx, `UPDATE reset_tokens SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL`,
			now.UnixMilli(), u.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO reset_tokens (hash, user_id, expires_at, created_at) VALUES ($1, $2, $3, $4)`,
			tokenHash(token), u.ID, expires.UnixMilli(), now.UnixMilli()); err != nil {
			return err
		}
		_, err := c.outbox.Add(ctx, tx, EventPasswordResetRequested, 1, PasswordResetRequested{
			UserID: u.ID, Email: u.Email, Token: token, ExpiresAt: expires.Unix()})
		if c.opts.LogMail {
			tx.AfterCommit(func() {
				c.opts.Log.Info("password reset mail (logged because no mailer is configured)",
					"to", u.Email, "token", token, "expires", expires)
			})
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("request password reset: %w", err)
	}
	c.audit(ctx, "user.password_reset_request", "user:"+u.ID, auth.Success, nil)
	return nil
}

// ResetPassword sets a new password with a reset token. The token works once, before it
// expires; using it ends every other sign-in of the account.
func (c *Core) ResetPassword(ctx context.Context, in PasswordReset) error {
	if in.Token == "" || len(in.Token) > 128 {
		return invalid("token", "is invalid or expired")
	}
	now := c.opts.Now()
	var userID string
	err := c.d.InTx(ctx, func(tx *db.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE reset_tokens SET used_at = $1
			WHERE hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id`,
			now.UnixMilli(), tokenHash(in.Token)).Scan(&userID)
		if isNoRows(err) {
			return invalid("token", "is invalid or expired")
		}
		if err != nil {
			return fmt.Errorf("use reset token: %w", err)
		}
		u, err := userByID(ctx, tx, userID)
		if err != nil {
			return err
		}
		if p := passwordProblem(in.Password, u.Email, c.common); p != "" {
			return invalid("password", p) // rolls back, so the token still works with a better password
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := c.setPassword(ctx, userID, in.Password); err != nil {
		return err
	}
	c.audit(auth.WithPrincipal(ctx, auth.Principal{Subject: userID}), "user.password_reset", "user:"+userID, auth.Success, nil)
	return nil
}
