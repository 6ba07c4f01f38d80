package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/pasarhq/pasar/internal/app"
	"github.com/pasarhq/pasar/internal/platform/config"
	"github.com/pasarhq/pasar/internal/platform/observability"
)

// eventsCmd runs `pasar events parked`: the events consumers parked after their attempts ran out.
func eventsCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "parked" {
		return usageError{fmt.Errorf(`want "pasar events parked"`)}
	}
	cfg, err := loadConfig("events parked", config.Storage, args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	log := observability.NewLogger(stderr, cfg.SlogLevel(), cfg.LogFormat)
	ps, err := app.ParkedEvents(context.Background(), cfg, log)
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		fmt.Fprintln(stdout, "no parked events")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PARKED AT\tCONSUMER\tTYPE\tEVENT ID\tATTEMPTS\tLAST ERROR")
	for _, p := range ps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", p.ParkedAt.UTC().Format(time.RFC3339),
			p.Consumer, p.Type, p.EventID, p.Attempts, p.LastError)
	}
	return tw.Flush()
}
