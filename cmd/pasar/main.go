// Command pasar runs the Pasar shop: every service in one process on embedded defaults, or the
// services named, and the operator commands around it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"

	"github.com/pasarhq/pasar/internal/app"
	"github.com/pasarhq/pasar/internal/edge"
	"github.com/pasarhq/pasar/internal/platform/config"
	"github.com/pasarhq/pasar/internal/platform/observability"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

const usage = `pasar — an e-commerce platform in one binary

Usage:
  pasar serve    [flags]   run the shop (every service in one process, or those --services names)
  pasar gateway  [flags]   route requests to the services' replicas (PASAR_<SERVICE>_URL)
  pasar migrate  [flags]   apply database migrations and exit
  pasar search reindex     rebuild the search index from the catalog
  pasar seed --products N  add a deterministic demo catalog of N products
  pasar user create --email E [--role admin]   add an account (password from a prompt or PASAR_USER_PASSWORD)
  pasar keys rotate        add a token signing key; old tokens stay valid until they expire
  pasar events parked      list events consumers gave up on
  pasar events delete-stream --force   delete the shop's NATS stream (PASAR_NATS_URL) when tearing it down
  pasar backup --to DIR    copy the shop's stores and files into DIR while it keeps serving
  pasar restore --from DIR restore a backup into an empty data folder or database (--force to replace)
  pasar loadtest [flags]   drive a running shop like shoppers do and report requests/s and latency
  pasar version            print the version

Run "pasar <command> --help" for a command's flags and their PASAR_* environment twins.
`

// run executes one command and returns the process exit status: 0 done, 1 failed, 2 bad usage.
func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "serve":
		err = serve(rest, getenv, stdout, stderr)
	case "gateway":
		err = gatewayCmd(rest, getenv, stdout, stderr)
	case "migrate":
		err = migrate(rest, getenv, stdout, stderr)
	case "events":
		err = eventsCmd(rest, getenv, stdout, stderr)
	case "search":
		err = searchCmd(rest, getenv, stdout, stderr)
	case "seed":
		err = seed(rest, getenv, stdout, stderr)
	case "user":
		err = userCmd(rest, getenv, stdout, stderr)
	case "keys":
		err = keysCmd(rest, getenv, stdout, stderr)
	case "backup":
		err = backupCmd(rest, getenv, stdout, stderr)
	case "restore":
		err = restoreCmd(rest, getenv, stdout, stderr)
	case "loadtest":
		err = loadtestCmd(rest, getenv, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, versionLine())
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "pasar: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintf(stderr, "pasar %s: %v\n", cmd, err)
		return 2
	default:
		fmt.Fprintf(stderr, "pasar %s: %v\n", cmd, err)
		return 1
	}
}

// usageError marks a bad command line or setting, which exits with status 2.
type usageError struct{ error }

// loadConfig reads the settings of scope for command name.
func loadConfig(name string, scope config.Scope, args []string, getenv func(string) string, stderr io.Writer) (config.Config, error) {
	cfg := config.Default()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := cfg.Load(fs, scope, args, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, err
		}
		return cfg, usageError{err}
	}
	return cfg, nil
}

func serve(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig("serve", config.Storage|config.Server, args, getenv, stderr)
	if err != nil {
		return err
	}
	if err := app.CheckServices(cfg); err != nil {
		return usageError{err}
	}
	log := observability.NewLogger(stdout, cfg.SlogLevel(), cfg.LogFormat)
	log.Info("starting pasar", "version", version, "config", cfg)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	// Listen first so a taken port fails fast, before stores and the bus are opened.
	l, err := listen(ctx, cfg, log)
	if err != nil {
		return err
	}
	tp, err := observability.NewTracerProvider(ctx, "pasar", version, getenv)
	if err != nil {
		l.Close()
		return err
	}
	a, err := app.New(ctx, cfg, log, app.WithTracing(tp), app.WithVersion(buildVersion()))
	if err != nil {
		l.Close()
		return err
	}
	return a.Serve(ctx, l)
}

func migrate(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig("migrate", config.Storage, args, getenv, stderr)
	if err != nil {
		return err
	}
	log := observability.NewLogger(stdout, cfg.SlogLevel(), cfg.LogFormat)
	return app.Migrate(context.Background(), cfg, log)
}

func versionLine() string {
	return fmt.Sprintf("pasar %s (%s %s/%s)", buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// buildVersion is the version set at build time, or the module's when built with go install.
func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}

// listen opens the HTTP listener of serve and gateway on cfg.Addr, with TLS when configured.
func listen(ctx context.Context, cfg config.Config, log *slog.Logger) (net.Listener, error) {
	l, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	tl, err := edge.ListenTLS(ctx, edge.TLSOptionsFrom(cfg), l, log)
	if err != nil {
		l.Close()
		return nil, err
	}
	return tl, nil
}
