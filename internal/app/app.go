// Package app wires Pasar's processes: the stores each service owns, the event bus, the services
// themselves and the HTTP server in front of them. cmd/pasar only parses the command line and
// calls into here.
package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/pasarhq/pasar/internal/edge"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/config"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/events"
	"github.com/pasarhq/pasar/internal/platform/httpx"
	"github.com/pasarhq/pasar/internal/platform/observability"
	"github.com/pasarhq/pasar/internal/platform/svcclient"
)

// App is one running Pasar process and everything it holds open.
type App struct {
	cfg      config.Config
	log      *slog.Logger
	registry *prometheus.Registry
	tracing  *sdktrace.TracerProvider // nil when no OTLP collector is configured
	version  string                   // the binary's, for backup manifests
	metrics  *httpx.Metrics
	router   *httpx.Router
	verifier auth.Verifier                   // checks bearer tokens; nil serves everyone as anonymous
	sessions func(http.Handler) http.Handler // browser sign-in, when identity runs in this process
	auditor  auth.Auditor                    // the audit log, for services' admin writes
	openapi  [][]byte                        // each wired service's OpenAPI document, for /openapi.json
	edge     *edge.Edge                      // WAF, rate limits, security headers, compression
	token    *serviceToken                   // this process's own token for calls to other services
	svc      wired                           // the services wired in-process, for the web pages

	clientMetrics *svcclient.Metrics // the calls of every service client; made with the first client

	nats *events.Embedded // nil when an external NATS is configured
	bus  *events.Bus

	stores    []*Store
	consumers []*events.Consumer
	closers   []func() error // indexes and the like, closed after consumers stop
	checks    []check

	bg       sync.WaitGroup // outbox relays and other background loops
	stopBg   context.CancelFunc
	bgCtx    context.Context
	draining chan struct{} // closed when shutdown starts, so /readyz turns 503 at once

	autobackup *autobackup // nil unless PASAR_BACKUP_DIR is set
}

// Store is one service's SQL store with its outbox.
type Store struct {
	Name   string
	DB     *db.DB
	Outbox *events.Outbox
}

type check struct {
	name string
	fn   func(context.Context) error
}

// Option changes how New builds an App.
type Option func(*App)

// WithTracing sends a span per request (and the work under it) to tp; a nil tp leaves tracing off.
func WithTracing(tp *sdktrace.TracerProvider) Option {
	return func(a *App) {
		if tp != nil {
			a.tracing = tp
		}
	}
}

// WithVersion tells the App the binary's version, which scheduled backups record.
func WithVersion(v string) Option { return func(a *App) { a.version = v } }

// New opens the event bus and the stores of every service, and builds the services and routes.
// On error, whatever was opened is closed again.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts ...Option) (a *App, err error) {
	a = &App{cfg: cfg, log: log, registry: observability.NewRegistry(), draining: make(chan struct{})}
	for _, o := range opts {
		o(a)
	}
	if err := CheckServices(cfg); err != nil {
		return nil, err
	}
	a.bgCtx, a.stopBg = context.WithCancel(context.Background())
	defer func() {
		if err != nil {
			a.Close()
			a = nil
		}
	}()
	a.metrics = httpx.NewMetrics(a.registry)
	a.router = httpx.NewRouter(a.metrics)
	eo := edge.OptionsFrom(cfg, log)
	eo.Registerer = a.registry
	if a.edge, err = edge.New(eo); err != nil {
		return a, err
	}
	a.closers = append(a.closers, a.edge.Close)

	if err := a.openBus(ctx); err != nil {
		return a, err
	}
	if err := a.wireServices(ctx); err != nil {
		return a, err
	}
	if err := a.routeOperations(); err != nil {
		return a, err
	}
	if cfg.BackupDir != "" {
		a.autobackup = newAutobackup(cfg, log, a.version, a.registry)
		a.bg.Go(func() { a.autobackup.run(a.bgCtx) })
	}
	if err := observability.RegisterDataDir(a.registry, cfg.DataDir); err != nil {
		return a, err
	}
	return a, nil
}

func (a *App) openBus(ctx context.Context) error {
	url := a.cfg.NATSURL
	if url == "" {
		n, err := events.StartEmbedded(events.EmbeddedOptions{
			StoreDir: filepath.Join(a.cfg.DataDir, "nats"),
			Listen:   a.cfg.NATSListen,
		}, a.log)
		if err != nil {
			return fmt.Errorf("embedded NATS: %w", err)
		}
		a.nats = n
		url = n.ClientURL()
		a.log.Info("embedded NATS started", "url", url)
	}
	bo := events.BusOptions{
		URL:           url,
		Stream:        a.cfg.NATSStream,
		SubjectPrefix: a.cfg.NATSPrefix,
		Name:          "pasar",
		Logger:        a.log,
		Registerer:    a.registry,
	}
	if a.tracing != nil {
		bo.TracerProvider = a.tracing
	}
	bus, err := events.Connect(ctx, bo)
	if err != nil {
		return fmt.Errorf("event bus at %s: %w", config.Mask(url), err)
	}
	a.bus = bus
	a.addCheck("bus", bus.Check)
	return nil
}

// OpenStore opens the store a service owns, applies the outbox's and the service's migrations and
// starts its outbox relay.
func (a *App) OpenStore(ctx context.Context, name string, migrations fs.FS) (*Store, error) {
	d, err := openMigrated(ctx, a.cfg, name, migrations)
	if err != nil {
		return nil, err
	}
	s := &Store{Name: name, DB: d, Outbox: events.NewOutbox(d, a.bus, name, a.log)}
	a.stores = append(a.stores, s)
	a.addCheck("db:"+name, d.Check)
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		if err := s.Outbox.Run(a.bgCtx); err != nil && !errors.Is(err, context.Canceled) {
			a.log.Error("outbox relay stopped", "store", name, "err", err)
		}
	}()
	return s, nil
}

func openMigrated(ctx context.Context, cfg config.Config, name string, migrations fs.FS) (*db.DB, error) {
	d, err := db.Open(ctx, db.Options{
		Schema:      name,
		Dir:         cfg.DataDir,
		PostgresURL: cfg.PostgresURL,
		MaxConns:    cfg.PostgresMaxConns,
		SyncFull:    cfg.SQLiteSync == "full",
	})
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx, d, "events", events.Migrations); err != nil {
		d.Close()
		return nil, err
	}
	if migrations != nil {
		if _, err := db.Migrate(ctx, d, name, migrations); err != nil {
			d.Close()
			return nil, err
		}
	}
	return d, nil
}

func (a *App) addCheck(name string, fn func(context.Context) error) {
	a.checks = append(a.checks, check{name, fn})
}

// Handler is the process's whole HTTP surface with the shared middleware around it.
func (a *App) Handler() http.Handler {
	h := a.auditAdminWrites(a.router)
	h = a.edge.AccountLimit(h) // inside authentication: it needs the principal
	if a.sessions != nil {
		h = a.sessions(h)
	}
	if a.verifier != nil {
		h = auth.Middleware(a.verifier, h)
	}
	h = a.edge.Wrap(h)
	o := httpx.Options{
		Logger:            a.log,
		RequestTimeout:    a.cfg.RequestTimeout,
		MaxBodyBytes:      a.cfg.MaxBodyBytes,
		TrustProxyHeaders: a.cfg.TrustProxy,
	}
	if a.tracing != nil {
		o.TracerProvider = a.tracing
	}
	return httpx.Middleware(h, o)
}

// Routes returns the patterns this process serves, so tests can hold what fronts it (the
// gateway's route table) to them.
func (a *App) Routes() []string { return a.router.Routes() }

// Serve answers HTTP on l until ctx is cancelled, then shuts down gracefully: after the drain
// delay (PASAR_DRAIN_DELAY, serving with /readyz at 503) it stops accepting,
// lets in-flight requests finish (bounded by the shutdown timeout), stops consumers, flushes the
// outboxes and closes everything.
func (a *App) Serve(ctx context.Context, l net.Listener) error {
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       a.cfg.RequestTimeout,
		WriteTimeout:      a.cfg.RequestTimeout + 5*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	a.log.Info("serving HTTP", "addr", l.Addr().String())

	select {
	case err := <-errc:
		a.Close()
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	a.log.Info("shutting down")
	close(a.draining)
	httpx.DrainDelay(a.log, a.cfg.DrainDelay, errc)
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		a.log.Warn("in-flight requests cut off at the shutdown timeout", "err", err)
		srv.Close()
	}
	a.drain(sctx)
	a.Close()
	a.log.Info("stopped")
	return nil
}

// drain stops consumers and publishes what the outboxes still hold, so a clean stop leaves no
// event waiting for the next start.
func (a *App) drain(ctx context.Context) {
	for _, c := range a.consumers {
		c.Stop()
	}
	for _, s := range a.stores {
		if err := s.Outbox.Flush(ctx); err != nil {
			a.log.Warn("outbox not fully flushed; the rest goes out on next start", "store", s.Name, "err", err)
		}
	}
}

// Close releases everything New opened. It is safe to call more than once.
func (a *App) Close() {
	if a.stopBg != nil {
		a.stopBg()
		a.bg.Wait()
	}
	for _, c := range a.consumers {
		c.Stop()
	}
	a.consumers = nil
	for _, f := range a.closers {
		if err := f(); err != nil {
			a.log.Warn("closing", "err", err)
		}
	}
	if a.tracing != nil {
		// Bounded: a collector that is down must not hold up the exit.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := a.tracing.Shutdown(ctx); err != nil {
			a.log.Warn("flushing traces", "err", err)
		}
		cancel()
		a.tracing = nil
	}
	a.closers = nil
	if a.bus != nil {
		a.bus.Close()
		a.bus = nil
	}
	if a.nats != nil {
		a.nats.Shutdown()
		a.nats = nil
	}
	for _, s := range a.stores {
		if err := s.DB.Close(); err != nil {
			a.log.Warn("closing store", "store", s.Name, "err", err)
		}
	}
	a.stores = nil
}

// Migrate applies the migrations of every service (or of those PASAR_SERVICES names) to its
// store and reports what it did; `pasar migrate` runs it without starting anything else.
func Migrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	if cfg.PostgresURL == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
			return err
		}
	}
	for _, s := range services {
		if !cfg.RunsService(s.name) {
			continue
		}
		name := s.name
		if name == "search" && cfg.PostgresURL != "" {
			// Each search replica migrates its own schema (search_<replica>) when it starts.
			log.Info("store migrated by each search replica at start", "store", "search")
			continue
		}
		d, err := openMigrated(ctx, cfg, name, s.migrations)
		if err != nil {
			return err
		}
		v, err := db.Version(ctx, d, name)
		d.Close()
		if err != nil {
			return err
		}
		log.Info("store migrated", "store", s.name, "version", v)
	}
	return nil
}
