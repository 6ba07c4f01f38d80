package events

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// EmbeddedOptions configures the NATS server that runs inside `pasar serve` in all-in-one mode.
type EmbeddedOptions struct {
	// StoreDir holds JetStream's files (the server adds a "jetstream" folder inside it); keeping it
	// under the data folder means events survive a restart.
	StoreDir string
	// Listen is the client address as "host:port"; empty means 127.0.0.1 with a random port, which
	// keeps the broker private to this machine.
	Listen string
}

// Embedded is a NATS server with JetStream running in this process.
type Embedded struct {
	srv *server.Server
}

// readyTimeout bounds how long StartEmbedded waits for the server; JetStream recovering a large
// store can take a few seconds.
const readyTimeout = 30 * time.Second

// StartEmbedded starts a NATS server with JetStream and returns once it accepts clients.
func StartEmbedded(o EmbeddedOptions, log *slog.Logger) (*Embedded, error) {
	if o.StoreDir == "" {
		return nil, errors.New("events: embedded NATS needs a store folder")
	}
	host, port := "127.0.0.1", server.RANDOM_PORT
	if o.Listen != "" {
		h, p, err := net.SplitHostPort(o.Listen)
		if err != nil {
			return nil, fmt.Errorf("events: embedded NATS listen address: %w", err)
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 65535 {
			return nil, fmt.Errorf("events: embedded NATS listen address %q: bad port", o.Listen)
		}
		host, port = h, n
		if n == 0 {
			port = server.RANDOM_PORT
		}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	srv, err := server.NewServer(&server.Options{
		ServerName: "pasar",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   o.StoreDir,
		// The process owns signal handling (graceful shutdown of everything, not just NATS).
		NoSigs: true,
	})
	if err != nil {
		return nil, fmt.Errorf("events: embedded NATS: %w", err)
	}
	srv.SetLoggerV2(natsLogger{log.With("component", "nats")}, false, false, false)
	srv.Start()
	if !srv.ReadyForConnections(readyTimeout) {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, fmt.Errorf("events: embedded NATS not ready after %s (listen %q)", readyTimeout, o.Listen)
	}
	if !srv.JetStreamEnabled() {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, errors.New("events: embedded NATS started without JetStream")
	}
	return &Embedded{srv: srv}, nil
}

// ClientURL is the URL clients connect to, e.g. nats://127.0.0.1:4222.
func (e *Embedded) ClientURL() string { return e.srv.ClientURL() }

// Shutdown stops the server and waits until it has flushed and closed its store.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}

// natsLogger sends the server's log lines to slog at the matching level.
type natsLogger struct{ log *slog.Logger }

// Notices are the startup banner and routine chatter: useful when debugging, noise otherwise.
func (l natsLogger) Noticef(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l natsLogger) Warnf(format string, v ...any)   { l.log.Warn(fmt.Sprintf(format, v...)) }
func (l natsLogger) Fatalf(format string, v ...any)  { l.log.Error(fmt.Sprintf(format, v...)) }
func (l natsLogger) Errorf(format string, v ...any)  { l.log.Error(fmt.Sprintf(format, v...)) }
func (l natsLogger) Debugf(format string, v ...any)  { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l natsLogger) Tracef(format string, v ...any)  { l.log.Debug(fmt.Sprintf(format, v...)) }
