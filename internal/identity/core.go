package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// Options configure Core; zero values take the defaults named.
type Options struct {
	Issuer     string        // "iss" of access tokens; default "pasar"
	Argon2     Argon2Params  // default DefaultArgon2
	AccessTTL  time.Duration // default 15 min
	RefreshTTL time.Duration // default 30 days
	SessionTTL time.Duration // default 7 days
	ResetTTL   time.Duration // default 1 h
	Limits     Limits        // default DefaultLimits
	Sessions   SessionStore  // default: sessions in the SQL store
	LogMail    bool          // write reset mails, token included, to Log: for shops without a mailer yet
	KeySecret  string        // when set, private signing keys are stored encrypted with it
	Log        *slog.Logger
	Now        func() time.Time
}

func (o *Options) defaults() {
	if o.Issuer == "" {
		o.Issuer = "pasar"
	}
	if o.Argon2 == (Argon2Params{}) {
		o.Argon2 = DefaultArgon2
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.AccessTTL, 15*time.Minute)
	def(&o.RefreshTTL, 30*24*time.Hour)
	def(&o.SessionTTL, 7*24*time.Hour)
	def(&o.ResetTTL, time.Hour)
	if o.Limits == (Limits{}) {
		o.Limits = DefaultLimits
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Core is the identity service on its SQL store.
type Core struct {
	d        *db.DB
	outbox   *events.Outbox
	opts     Options
	keys     *keyring
	verifier *auth.KeySet
	sessions SessionStore
	common   map[string]struct{}
	dummy    string // a hash to check against when the email is unknown, so timing does not tell
}

var _ Service = (*Core)(nil)

// New returns the service on store d (migrated with Migrations and events.Migrations), writing
// its events to outbox. It creates the first signing key when the store has none.
func New(ctx context.Context, d *db.DB, outbox *events.Outbox, o Options) (*Core, error) {
	o.defaults()
	c := &Core{d: d, outbox: outbox, opts: o, common: loadCommonPasswords(), sessions: o.Sessions}
	if c.sessions == nil {
		c.sessions = SQLSessions(d)
	}
	seal, err := newKeySeal(o.KeySecret)
	if err != nil {
		return nil, err
	}
	c.keys = newKeyring(d, o.Now, seal)
	if err := c.keys.ensure(ctx); err != nil {
		return nil, err
	}
	c.verifier = auth.NewKeySet(auth.KeySourceFunc(c.keys.publicKeys), auth.KeySetOptions{
		Issuer: o.Issuer, MinRefresh: time.Second, MaxAge: keyReload, Now: o.Now,
	})
	dummy, err := hashPassword(randomToken(16), o.Argon2)
	if err != nil {
		return nil, err
	}
	c.dummy = dummy
	return c, nil
}

// Verifier returns the verifier of this service's access tokens, reading keys in-process.
func (c *Core) Verifier() auth.Verifier { return c.verifier }

// JWKS returns the public keys tokens may be signed with.
func (c *Core) JWKS(ctx context.Context) (auth.JWKS, error) { return c.keys.publicKeys(ctx) }

func newID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// audit records an entry about the caller in ctx, logging instead of failing the request when
// the write itself fails: the action already happened.
func (c *Core) audit(ctx context.Context, action, target, outcome string, detail map[string]string) {
	e := auth.AuditEntry{Service: "identity", Actor: auth.FromContext(ctx).Subject, Action: action,
		Target: target, Outcome: outcome, Detail: detail}
	if err := c.Record(ctx, e); err != nil {
		c.opts.Log.Error("audit write failed", "action", action, "target", target, "err", err)
	}
}

// userPrincipal is who a user is to other services.
func userPrincipal(u User) auth.Principal {
	return auth.Principal{Subject: u.ID, Email: u.Email, Role: u.Role, Permissions: auth.PermissionsOf(u.Role)}
}

// accessToken signs a token for p with the current key.
func (c *Core) accessToken(ctx context.Context, p auth.Principal) (string, error) {
	return c.accessTokenFor(ctx, p, c.opts.AccessTTL)
}

// accessTokenFor signs an access token for p valid for ttl.
func (c *Core) accessTokenFor(ctx context.Context, p auth.Principal, ttl time.Duration) (string, error) {
	k, err := c.keys.signing(ctx)
	if err != nil {
		return "", err
	}
	claims := auth.NewClaims(p, c.opts.Issuer, c.opts.Now(), ttl)
	claims.ID = randomToken(12)
	return auth.Sign(k, claims)
}

func isNotFound(err error) bool { return errors.Is(err, ErrUserNotFound) }

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, err)
}
