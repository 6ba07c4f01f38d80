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
	"github.com/pasarhq/pasar/internal/backup"
	"github.com/pasarhq/pasar/internal/platform/config"
	"github.com/pasarhq/pasar/internal/platform/observability"
)

const backupUsage = `  --to DIR                folder to write the backup into; must be new or empty (env PASAR_BACKUP_TO)
`

const restoreUsage = `  --from DIR              backup folder to restore (env PASAR_RESTORE_FROM)
  --force                 replace the stores and files of a shop already in the data folder or database (env PASAR_RESTORE_FORCE)
`

// backupCmd runs `pasar backup --to DIR`: a copy of the shop's stores and files, taken while it
// keeps serving.
func backupCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	to, rest, err := takeFlag(args, "to")
	if err != nil {
		return usageError{err}
	}
	cfg, err := loadConfig("backup", config.Storage, rest, getenv, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, backupUsage)
		}
		return err
	}
	if to == "" {
		to = getenv("PASAR_BACKUP_TO")
	}
	if to == "" {
		return usageError{errors.New("--to is required: the folder to write the backup into")}
	}
	log := observability.NewLogger(stderr, cfg.SlogLevel(), cfg.LogFormat)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	pl := newProgressLine(stderr)
	m, err := app.Backup(ctx, cfg, log, to, buildVersion(), pl.update)
	pl.done()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s: %d stores, %d files, %s in %s\n",
		to, len(m.Stores), len(m.Files), byteSize(m.Size()), m.Duration)
	return nil
}

// restoreCmd runs `pasar restore --from DIR [--force]` with the shop stopped.
func restoreCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	from, rest, err := takeFlag(args, "from")
	if err != nil {
		return usageError{err}
	}
	force, rest, err := takeBool(rest, "force", getenv("PASAR_RESTORE_FORCE"))
	if err != nil {
		return usageError{err}
	}
	cfg, err := loadConfig("restore", config.Storage, rest, getenv, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, restoreUsage)
		}
		return err
	}
	if from == "" {
		from = getenv("PASAR_RESTORE_FROM")
	}
	if from == "" {
		return usageError{errors.New("--from is required: the backup folder to restore")}
	}
	log := observability.NewLogger(stderr, cfg.SlogLevel(), cfg.LogFormat)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	start := time.Now()
	pl := newProgressLine(stderr)
	reindexed := func(n int) { pl.line(fmt.Sprintf("search index: %d products", n)) }
	m, err := app.Restore(ctx, cfg, log, from, force, pl.update, reindexed)
	pl.done()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored the backup of %s (pasar %s): %d stores, %d files, %s in %s; search index rebuilt\n",
		m.CreatedAt.Format(time.RFC3339), m.PasarVersion, len(m.Stores), len(m.Files), byteSize(m.Size()),
		time.Since(start).Round(time.Millisecond))
	return nil
}

// takeBool takes a boolean flag (--name, --name=true|false) out of args; def is its value when
// absent (the environment twin).
func takeBool(args []string, name, def string) (bool, []string, error) {
	value := def
	var rest []string
	for _, a := range args {
		n, v, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || n != name {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			v = "true"
		}
		value = v
	}
	if value == "" {
		return false, rest, nil
	}
	b, err := strconv.ParseBool(value)
	if err != nil {
		return false, nil, fmt.Errorf("--%s: %q is not true or false", name, value)
	}
	return b, rest, nil
}

// progressLine redraws one terminal line with how far a backup or restore has got.
type progressLine struct {
	w     io.Writer
	drawn time.Time
	width int
}

func newProgressLine(w io.Writer) *progressLine { return &progressLine{w: w} }

func (p *progressLine) update(pr backup.Progress) {
	files := strconv.Itoa(pr.FilesDone)
	size := byteSize(pr.Bytes)
	if pr.FilesTotal > 0 {
		files += "/" + strconv.Itoa(pr.FilesTotal)
	}
	if pr.BytesTotal > 0 {
		size += " of " + byteSize(pr.BytesTotal)
	}
	done := pr.FilesTotal > 0 && pr.FilesDone == pr.FilesTotal
	if time.Since(p.drawn) < 100*time.Millisecond && !done {
		return
	}
	p.line(fmt.Sprintf("%s: %s files, %s", pr.Phase, files, size))
}

func (p *progressLine) line(s string) {
	p.drawn = time.Now()
	pad := max(0, p.width-len(s))
	p.width = len(s)
	fmt.Fprintf(p.w, "\r%s%s", s, strings.Repeat(" ", pad))
}

func (p *progressLine) done() {
	if p.width > 0 {
		fmt.Fprintln(p.w)
	}
}

// byteSize writes n bytes the way people read sizes: 512 B, 3.4 MiB.
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
