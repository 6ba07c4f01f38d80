package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/pasarhq/pasar/internal/identity"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/config"
	"github.com/pasarhq/pasar/internal/platform/events"
	"github.com/pasarhq/pasar/internal/platform/svcclient"
)

// wireIdentity opens identity's store, builds the service, serves its API and makes its keys
// the process's token verifier and its sessions the process's browser sign-in. With
// PASAR_REDIS_URL set, sessions live in Redis so every replica sees them. It returns the service
// for the admin pages.
func (a *App) wireIdentity(ctx context.Context) (*identity.Core, error) {
	st, err := a.OpenStore(ctx, "identity", identity.Migrations)
	if err != nil {
		return nil, err
	}
	log := a.log.With("service", "identity")
	o := identityOptions(a.cfg, log)
	if a.cfg.RedisURL != "" {
		opt, err := redis.ParseURL(a.cfg.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("redis at %s: %w", config.Mask(a.cfg.RedisURL), err)
		}
		rdb := redis.NewClient(opt)
		a.addCheck("redis", func(ctx context.Context) error { return rdb.Ping(ctx).Err() })
		a.bg.Add(1)
		go func() { // closed with the other background work when the process stops
			defer a.bg.Done()
			<-a.bgCtx.Done()
			rdb.Close()
		}()
		o.Sessions = identity.RedisSessions(rdb, a.cfg.RedisPrefix)
	}
	core, err := identity.New(ctx, st.DB, st.Outbox, o)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	identity.Routes(a.router, core)
	a.openapi = append(a.openapi, identity.OpenAPI)
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		core.RunSweeper(a.bgCtx, time.Hour)
	}()
	a.svc.identity = core
	a.verifier = core.Verifier()
	a.auditor = core
	a.sessions = func(h http.Handler) http.Handler { return identity.SessionMiddleware(core, h) }
	return core, nil
}

// wireRemoteIdentity serves a process whose identity runs elsewhere (PASAR_IDENTITY_URL): access
// tokens are verified with the keys its JWKS endpoint publishes (through any of its replicas),
// browser sessions are looked up through its client, and admin writes are audited there under
// this process's service token. It returns the client.
func (a *App) wireRemoteIdentity() *identity.Client {
	opts := a.clientOptions()
	c := identity.NewClient(a.cfg.IdentityURL, nil, opts...)
	if a.cfg.JWKSURL == "" {
		a.verifier = auth.NewKeySet(auth.KeySourceFunc(func(ctx context.Context) (auth.JWKS, error) {
			return c.JWKS(auth.WithBearer(ctx, ""))
		}), auth.KeySetOptions{Issuer: "pasar"})
	}
	a.sessions = func(h http.Handler) http.Handler { return identity.SessionMiddleware(c, h) }
	if a.cfg.ServiceClientID != "" {
		a.auditor = identity.NewClient(a.cfg.IdentityURL, nil, append(opts, svcclient.WithToken(a.serviceToken))...)
	}
	return c
}

// wireRemoteVerifier verifies access tokens from PASAR_JWKS_URL, for a process that does not
// run identity itself and is given that URL.
func (a *App) wireRemoteVerifier() {
	if a.verifier == nil && a.cfg.JWKSURL != "" {
		a.verifier = auth.NewKeySet(auth.JWKSURL{URL: a.cfg.JWKSURL}, auth.KeySetOptions{Issuer: "pasar"})
	}
}

func identityOptions(cfg config.Config, log *slog.Logger) identity.Options {
	return identity.Options{
		Argon2: identity.Argon2Params{MemoryKiB: uint32(cfg.Argon2Memory), Iterations: uint32(cfg.Argon2Iterations),
			Threads: uint8(cfg.Argon2Threads)},
		AccessTTL:  cfg.AccessTokenTTL,
		SessionTTL: cfg.SessionTTL,
		KeySecret:  cfg.SigningKeySecret,
		Log:        log,
	}
}

// openIdentity opens identity's store for an operator command; its events wait in the outbox
// until `pasar serve` next runs.
func openIdentity(ctx context.Context, cfg config.Config, log *slog.Logger) (*identity.Core, func(), error) {
	d, err := openMigrated(ctx, cfg, "identity", identity.Migrations)
	if err != nil {
		return nil, nil, err
	}
	core, err := identity.New(ctx, d, events.NewOutbox(d, nil, "identity", log), identityOptions(cfg, log))
	if err != nil {
		d.Close()
		return nil, nil, err
	}
	return core, func() { d.Close() }, nil
}

// operator is who `pasar user create` acts as: whoever can run the binary on the store.
var operator = auth.Principal{Subject: "operator", Role: auth.Admin, Permissions: auth.PermissionsOf(auth.Admin)}

// CreateUser adds an account with role r; `pasar user create` calls it.
func CreateUser(ctx context.Context, cfg config.Config, log *slog.Logger, email, password string, r auth.Role) (identity.User, error) {
	core, done, err := openIdentity(ctx, cfg, log)
	if err != nil {
		return identity.User{}, err
	}
	defer done()
	return core.CreateUser(auth.WithPrincipal(ctx, operator), identity.Credentials{Email: email, Password: password}, r)
}

// RotateKeys adds a signing key to identity's store; `pasar keys rotate` calls it.
func RotateKeys(ctx context.Context, cfg config.Config, log *slog.Logger) (identity.RotateResult, error) {
	d, err := openMigrated(ctx, cfg, "identity", identity.Migrations)
	if err != nil {
		return identity.RotateResult{}, err
	}
	defer d.Close()
	return identity.RotateKeys(ctx, d, time.Now(), cfg.SigningKeySecret)
}
