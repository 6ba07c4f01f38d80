package identity

import (
	"context"
	"crypto/subtle"
	"fmt"
	"time"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
)

// SessionRecord is a browser session as stored: keyed by the hash of the cookie's token, with
// enough of the user to serve a page without reading the users table.
type SessionRecord struct {
	Hash      string    `json:"-"`
	UserID    string    `json:"user_id"`
	Email     string    `json:"email"`
	Role      auth.Role `json:"role"`
	CSRF      string    `json:"csrf"`
	ExpiresAt time.Time `json:"expires_at"`
}

// SessionStore keeps browser sessions: SQLSessions in all-in-one, RedisSessions when
// PASAR_REDIS_URL is set. Get returns ErrNoSession for a missing or expired session.
type SessionStore interface {
	Create(ctx context.Context, s SessionRecord) error
	Get(ctx context.Context, hash string) (SessionRecord, error)
	Delete(ctx context.Context, hash string) error
	DeleteUser(ctx context.Context, userID string) error
}

// StartSession checks credentials like Login and opens a browser session.
func (c *Core) StartSession(ctx context.Context, in Credentials) (Session, error) {
	u, err := c.authenticate(ctx, in)
	if err != nil {
		return Session{}, err
	}
	token := randomToken(32)
	rec := SessionRecord{Hash: tokenHash(token), UserID: u.ID, Email: u.Email, Role: u.Role,
		CSRF: randomToken(24), ExpiresAt: c.opts.Now().Add(c.opts.SessionTTL).UTC().Truncate(time.Millisecond)}
	if err := c.sessions.Create(ctx, rec); err != nil {
		return Session{}, err
	}
	return sessionOf(token, rec), nil
}

// Session returns the live session of a cookie token.
func (c *Core) Session(ctx context.Context, token string) (Session, error) {
	if token == "" || len(token) > 128 {
		return Session{}, ErrNoSession
	}
	rec, err := c.sessions.Get(ctx, tokenHash(token))
	if err != nil {
		return Session{}, err
	}
	if !rec.ExpiresAt.After(c.opts.Now()) {
		return Session{}, ErrNoSession
	}
	return sessionOf(token, rec), nil
}

// SessionAccessTTL is how long an access token from SessionAccess lives (less when
// Options.AccessTTL is shorter): long enough for one page's calls, short enough that a token
// outliving a sign-out does little. A page server asks again on every request.
const SessionAccessTTL = 2 * time.Minute

// SessionAccess returns the live session of a cookie token, as Session does, with a short-lived
// access token of its principal: a page server in another process calls services on the
// signed-in person's behalf with it. The caller needs auth.SessionsExchange.
func (c *Core) SessionAccess(ctx context.Context, token string) (Session, error) {
	if err := auth.Check(ctx, auth.SessionsExchange); err != nil {
		return Session{}, err
	}
	s, err := c.Session(ctx, token)
	if err != nil {
		return Session{}, err
	}
	p := s.Principal
	p.Actor = auth.FromContext(ctx).Subject
	if s.AccessToken, err = c.accessTokenFor(ctx, p, min(c.opts.AccessTTL, SessionAccessTTL)); err != nil {
		return Session{}, err
	}
	return s, nil
}

// EndSession signs a browser out.
func (c *Core) EndSession(ctx context.Context, token string) error {
	if token == "" || len(token) > 128 {
		return nil
	}
	return c.sessions.Delete(ctx, tokenHash(token))
}

func sessionOf(token string, rec SessionRecord) Session {
	p := userPrincipal(User{ID: rec.UserID, Email: rec.Email, Role: rec.Role})
	p.SessionID = rec.Hash[:16]
	return Session{Token: token, CSRF: rec.CSRF, Principal: p, ExpiresAt: rec.ExpiresAt}
}

// ValidCSRF reports whether token is the session's CSRF token, in constant time.
func (s Session) ValidCSRF(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.CSRF)) == 1
}

type sqlSessions struct{ d *db.DB }

// SQLSessions keeps sessions in identity's SQL store.
func SQLSessions(d *db.DB) SessionStore { return sqlSessions{d} }

func (s sqlSessions) Create(ctx context.Context, r SessionRecord) error {
	_, err := s.d.ExecContext(ctx, `INSERT INTO sessions (hash, user_id, csrf, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)`,
		r.Hash, r.UserID, r.CSRF, r.ExpiresAt.UnixMilli(), time.Now().UnixMilli())
	return wrap("create session", err)
}

func (s sqlSessions) Get(ctx context.Context, hash string) (SessionRecord, error) {
	r := SessionRecord{Hash: hash}
	var expires int64
	var disabled *int64
	err := s.d.QueryRowContext(ctx, `SELECT s.user_id, u.email, u.role, u.disabled_at, s.csrf, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.hash = $1`, hash).
		Scan(&r.UserID, &r.Email, &r.Role, &disabled, &r.CSRF, &expires)
	if isNoRows(err) || disabled != nil {
		return SessionRecord{}, ErrNoSession
	}
	if err != nil {
		return SessionRecord{}, fmt.Errorf("load session: %w", err)
	}
	r.ExpiresAt = time.UnixMilli(expires).UTC()
	return r, nil
}

func (s sqlSessions) Delete(ctx context.Context, hash string) error {
	_, err := s.d.ExecContext(ctx, `DELETE FROM sessions WHERE hash = $1`, hash)
	return wrap("delete session", err)
}

func (s sqlSessions) DeleteUser(ctx context.Context, userID string) error {
	_, err := s.d.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	return wrap("delete sessions", err)
}
