package main

import (
	"context"
	"fmt"
	"io"
	"os/signal"
	"syscall"
	"time"

	"github.com/pasarhq/pasar/internal/app"
	"github.com/pasarhq/pasar/internal/platform/config"
	"github.com/pasarhq/pasar/internal/platform/observability"
)

const searchUsage = `Usage:
  pasar search reindex [flags]   rebuild the search index from the catalog (stop pasar serve first)
`

// searchCmd runs the search service's operator commands.
func searchCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "reindex" {
		fmt.Fprint(stderr, searchUsage)
		if len(args) == 0 {
			return usageError{fmt.Errorf("missing subcommand")}
		}
		return usageError{fmt.Errorf("unknown subcommand %q", args[0])}
	}
	cfg, err := loadConfig("search reindex", config.Storage, args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	log := observability.NewLogger(stderr, cfg.SlogLevel(), cfg.LogFormat)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	start := time.Now()
	progress := func(n int) {
		rate := float64(n) / max(time.Since(start).Seconds(), 0.001)
		fmt.Fprintf(stderr, "\rindexed %d products (%.0f/s)", n, rate)
	}
	n, err := app.ReindexSearch(ctx, cfg, log, progress)
	if n > 0 {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "search index rebuilt: %d products in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}
