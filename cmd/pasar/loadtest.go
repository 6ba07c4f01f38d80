package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/pasarhq/pasar/internal/loadtest"
)

// loadtestCmd runs `pasar loadtest`: shoppers' requests against a running shop, with progress
// every second and a summary per kind of request.
func loadtestCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o := loadtest.Options{Target: "http://127.0.0.1:8080", Duration: 30 * time.Second, Concurrency: 16, Mix: loadtest.DefaultMix}
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	type twin struct{ flag, env string }
	twins := []twin{
		{"target", "PASAR_LOADTEST_TARGET"}, {"duration", "PASAR_LOADTEST_DURATION"},
		{"concurrency", "PASAR_LOADTEST_CONCURRENCY"}, {"mix", "PASAR_LOADTEST_MIX"}, {"token", "PASAR_LOADTEST_TOKEN"},
	}
	fs.StringVar(&o.Target, "target", o.Target, "base URL of the shop to drive")
	fs.DurationVar(&o.Duration, "duration", o.Duration, "how long to run")
	fs.IntVar(&o.Concurrency, "concurrency", o.Concurrency, "shoppers at once (each makes one request at a time)")
	fs.StringVar(&o.Mix, "mix", o.Mix, "weights of the steps: "+strings.Join(loadtest.Kinds, ", "))
	fs.StringVar(&o.Token, "token", "", "an admin's access token: stocks the products checked out first (without it checkouts may run out of stock)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage of pasar loadtest:\n\nDrives a running shop (start it with PASAR_WAF=off PASAR_RATE_LIMIT_CLIENT=0 to measure the shop, not its limits).\n\n")
		for _, t := range twins {
			f := fs.Lookup(t.flag)
			fmt.Fprintf(stderr, "  --%-14s %s\n  %-16s env %s, default %q\n", f.Name, f.Usage, "", t.env, f.DefValue)
		}
	}
	for _, t := range twins {
		if v := getenv(t.env); v != "" {
			if err := fs.Set(t.flag, v); err != nil {
				return usageError{fmt.Errorf("invalid setting %s: %q: %v", t.env, v, err)}
			}
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	switch {
	case fs.NArg() > 0:
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	case o.Duration <= 0 || o.Concurrency < 1 || o.Concurrency > 10_000:
		return usageError{errors.New("--duration must be positive and --concurrency from 1 to 10000")}
	}
	if _, err := loadtest.ParseMix(o.Mix); err != nil {
		return usageError{err}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(stderr, "driving %s for %s with %d shoppers, mix %s\n", o.Target, o.Duration, o.Concurrency, o.Mix)
	o.Progress = func(s loadtest.Snapshot) {
		fmt.Fprintf(stderr, "%5.0fs  %8d requests  %7.0f/s  %d errors\n", s.Elapsed.Seconds(), s.Requests,
			float64(s.Requests)/s.Elapsed.Seconds(), s.Errors)
	}
	r, err := loadtest.Run(ctx, o)
	if err != nil {
		return err
	}
	printReport(stdout, r)
	return nil
}

func printReport(w io.Writer, r loadtest.Report) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "KIND\tREQUESTS\tOK\tREQ/S\tP50 MS\tP99 MS\tERRORS\t")
	total := 0
	for _, k := range r.Kinds {
		total += k.Requests
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%.1f\t%.1f\t%s\t\n", k.Kind, k.Requests, k.OK, k.PerSec,
			ms(k.P50), ms(k.P99), errorCounts(k.Errors))
	}
	tw.Flush()
	fmt.Fprintf(w, "%d requests in %s: %.1f/s\n", total, r.Duration.Round(time.Millisecond), float64(total)/r.Duration.Seconds())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// errorCounts writes errors by status as "409:3 503:1", or "-" when there were none.
func errorCounts(m map[string]int) string {
	if len(m) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s:%d", k, m[k])
	}
	return strings.Join(parts, " ")
}
