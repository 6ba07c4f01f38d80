package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/pasarhq/pasar/internal/app"
	"github.com/pasarhq/pasar/internal/edge"
	"github.com/pasarhq/pasar/internal/gateway"
	"github.com/pasarhq/pasar/internal/platform/config"
	"github.com/pasarhq/pasar/internal/platform/httpx"
	"github.com/pasarhq/pasar/internal/platform/observability"
)

// gatewayCmd runs `pasar gateway`: the entry point in front of the services' replicas, with the
// same edge protections as `pasar serve`.
func gatewayCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig("gateway", config.Gateway, args, getenv, stderr)
	if err != nil {
		return err
	}
	ups, err := upstreams(cfg)
	if err != nil {
		return usageError{err}
	}
	log := observability.NewLogger(stdout, cfg.SlogLevel(), cfg.LogFormat)
	log.Info("starting pasar gateway", "version", version, "config", cfg)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	reg := observability.NewRegistry()
	tp, err := observability.NewTracerProvider(ctx, "pasar-gateway", version, getenv)
	if err != nil {
		return err
	}
	httpOpts := httpx.Options{Logger: log, RequestTimeout: cfg.RequestTimeout, MaxBodyBytes: cfg.MaxBodyBytes,
		TrustProxyHeaders: cfg.TrustProxy}
	o := gateway.Options{
		Upstreams:           ups,
		Balance:             cfg.GatewayBalance,
		HealthInterval:      cfg.GatewayHealthInterval,
		Attempts:            cfg.GatewayAttempts,
		IdleConnsPerReplica: cfg.GatewayIdleConns,
		ResponseTimeout:     cfg.RequestTimeout,
		TrustProxy:          cfg.TrustProxy,
		OpenAPI:             app.OpenAPIDocuments(),
		Logger:              log,
		Registerer:          reg,
	}
	if tp != nil {
		o.TracerProvider, httpOpts.TracerProvider = tp, tp
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = tp.Shutdown(sctx) // a collector that is down must not hold up the exit
		}()
	}
	g, err := gateway.New(o)
	if err != nil {
		return usageError{err}
	}
	eo := edge.OptionsFrom(cfg, log)
	eo.Registerer = reg
	e, err := edge.New(eo)
	if err != nil {
		return err
	}
	defer e.Close()

	l, err := listen(ctx, cfg, log)
	if err != nil {
		return err
	}
	g.Start(ctx)
	return gateway.NewServer(g, e, reg, httpOpts).Serve(ctx, l, cfg.ShutdownTimeout, cfg.DrainDelay, log)
}

// upstreams reads the replicas of every service: the routes file first, then PASAR_<SERVICE>_URL,
// which replaces the file's list for the service it names.
func upstreams(cfg config.Config) (map[string][]string, error) {
	ups := map[string][]string{}
	if cfg.GatewayRoutes != "" {
		f, err := os.Open(cfg.GatewayRoutes)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if ups, err = gateway.ParseUpstreams(f); err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.GatewayRoutes, err)
		}
	}
	for _, s := range gateway.Services {
		if list := cfg.ServiceURL(s); list != "" {
			ups[s] = strings.Split(list, ",")
		}
	}
	return ups, nil
}
