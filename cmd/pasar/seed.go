package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pasarhq/pasar/internal/app"
	"github.com/pasarhq/pasar/internal/platform/config"
	"github.com/pasarhq/pasar/internal/platform/observability"
)

// seed fills the catalog with a deterministic demo catalog: `pasar seed --products N`.
func seed(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	n, rest, err := productsFlag(args, getenv)
	if err != nil {
		return usageError{err}
	}
	cfg, err := loadConfig("seed", config.Storage, rest, getenv, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "  --products N            how many demo products to add (env PASAR_SEED_PRODUCTS, default 1000)")
		}
		return err
	}
	log := observability.NewLogger(stderr, cfg.SlogLevel(), cfg.LogFormat)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	bar := newProgressBar(stderr)
	stored, err := app.SeedCatalog(ctx, cfg, log, n, bar.update)
	bar.done()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "catalog seeded: %d products added (%d already there) in %s\n",
		stored, n-stored, time.Since(bar.start).Round(time.Millisecond))
	return nil
}

// productsFlag takes --products N (or PASAR_SEED_PRODUCTS) out of args, leaving the shared
// settings for loadConfig.
func productsFlag(args []string, getenv func(string) string) (int, []string, error) {
	value := getenv("PASAR_SEED_PRODUCTS")
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, v, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "products" {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return 0, nil, errors.New("--products needs a number")
			}
			i++
			v = args[i]
		}
		value = v
	}
	if value == "" {
		return 1000, rest, nil
	}
	n, err := strconv.Atoi(value)
	if err != nil || n < 1 || n > 10_000_000 {
		return 0, nil, fmt.Errorf("--products: %q is not a number from 1 to 10000000", value)
	}
	return n, rest, nil
}

// progressBar draws "[#####-----]  50%  5000/10000  2500/s" on one terminal line.
type progressBar struct {
	w     io.Writer
	start time.Time
	drawn time.Time
	any   bool
}

func newProgressBar(w io.Writer) *progressBar { return &progressBar{w: w, start: time.Now()} }

func (b *progressBar) update(done, total int) {
	if time.Since(b.drawn) < 100*time.Millisecond && done < total {
		return
	}
	b.drawn, b.any = time.Now(), true
	const width = 30
	filled := width * done / max(total, 1)
	rate := float64(done) / max(time.Since(b.start).Seconds(), 0.001)
	fmt.Fprintf(b.w, "\r[%s%s] %3d%%  %d/%d products  %.0f/s ", strings.Repeat("#", filled),
		strings.Repeat("-", width-filled), 100*done/max(total, 1), done, total, rate)
}

func (b *progressBar) done() {
	if b.any {
		fmt.Fprintln(b.w)
	}
}
