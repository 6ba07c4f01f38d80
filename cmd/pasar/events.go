package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/pasarhq/pasar/internal/app"
	"github.com/pasarhq/pasar/internal/platform/config"
	"github.com/pasarhq/pasar/internal/platform/events"
	"github.com/pasarhq/pasar/internal/platform/observability"
)

// eventsCmd runs `pasar events parked` (the events consumers parked after their attempts ran
// out) and `pasar events delete-stream --force`.
func eventsCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "delete-stream" {
		return deleteStreamCmd(args[1:], getenv, stdout, stderr)
	}
	if len(args) == 0 || args[0] != "parked" {
		return usageError{fmt.Errorf(`want "pasar events parked" or "pasar events delete-stream --force"`)}
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

// deleteStreamCmd deletes the shop's JetStream stream (PASAR_NATS_STREAM on PASAR_NATS_URL), for
// tearing a shop down. --force is required: the events in it that no consumer has handled yet are
// lost. The embedded server's stream lives in the data folder and goes with it.
func deleteStreamCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	force, rest, err := takeBool(args, "force", "")
	if err != nil {
		return usageError{err}
	}
	cfg, err := loadConfig("events delete-stream", config.Storage, rest, getenv, stderr)
	if err != nil {
		return err
	}
	if cfg.NATSURL == "" {
		return usageError{errors.New("no PASAR_NATS_URL: the embedded server's stream is in the data folder and goes with it")}
	}
	if !force {
		return usageError{fmt.Errorf("deleting stream %s loses the events no consumer has handled yet; add --force", cfg.NATSStream)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	existed, err := events.DeleteStream(ctx, cfg.NATSURL, cfg.NATSStream)
	if err != nil {
		return err
	}
	if existed {
		fmt.Fprintf(stdout, "deleted stream %s\n", cfg.NATSStream)
	} else {
		fmt.Fprintf(stdout, "no stream %s\n", cfg.NATSStream)
	}
	return nil
}
