package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// Options says what to back up and from where.
type Options struct {
	// DataDir is the data folder: SQLite stores (unless PostgresURL is set) and files.
	DataDir string
	// PostgresURL selects PostgreSQL: the stores are the schemas below, dumped in one snapshot.
	PostgresURL string
	// Schemas are the PostgreSQL schemas to dump when they exist (the services' names), and
	// SchemaPrefixes add every schema starting with one of them (each search replica's own).
	Schemas        []string
	SchemaPrefixes []string
	// Exclude lists folders inside DataDir not to copy, such as a backup folder kept there.
	Exclude []string
	// PasarVersion goes into the manifest.
	PasarVersion string
	Progress     func(Progress)
	Log          *slog.Logger
}

// Run writes a backup into dir, which must not exist yet or be empty, while the shop keeps
// serving: each store is copied in one read transaction, so it is consistent in itself, and
// writes go on meanwhile. The manifest is written last.
func Run(ctx context.Context, dir string, o Options) (Manifest, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if err := emptyDir(dir); err != nil {
		return Manifest{}, err
	}
	start := time.Now()
	w := &writer{dir: dir, progress: o.Progress}
	m := Manifest{Format: FormatVersion, PasarVersion: o.PasarVersion, CreatedAt: start.UTC()}
	var err error
	if o.PostgresURL != "" {
		m.Engine = EnginePostgres
		m.Stores, err = dumpPostgres(ctx, w, o)
	} else {
		m.Engine = EngineSQLite
		m.Stores, err = copySQLite(ctx, w, o)
	}
	if err != nil {
		return m, err
	}
	if err := copyFiles(ctx, w, o); err != nil {
		return m, err
	}
	m.Files = w.files
	m.Duration = time.Since(start).Round(time.Millisecond).String()
	if err := writeManifest(dir, m); err != nil {
		return m, fmt.Errorf("write manifest: %w", err)
	}
	o.Log.Info("backup written", "dir", dir, "engine", m.Engine, "stores", len(m.Stores),
		"files", len(m.Files), "bytes", m.Size(), "duration", m.Duration)
	return m, nil
}

// emptyDir creates dir, or accepts it when it exists and holds nothing, so a backup never mixes
// with another.
func emptyDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return os.MkdirAll(dir, 0o750)
	}
	if err != nil {
		return err
	}
	if len(ents) > 0 {
		return fmt.Errorf("%s is not empty; back up into a new folder", dir)
	}
	return nil
}

// writer adds files to a backup folder and remembers their sizes and hashes for the manifest.
type writer struct {
	dir      string
	files    []File
	bytes    int64
	progress func(Progress)
	phase    string
}

// create opens rel (slash-separated) for writing; closing the returned file records it.
func (w *writer) create(rel string) (*hashedFile, error) {
	path := filepath.Join(w.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	return &hashedFile{f: f, h: sha256.New(), w: w, rel: rel}, nil
}

// record adds rel, already written by someone else, hashing it.
func (w *writer) record(rel string) error {
	path := filepath.Join(w.dir, filepath.FromSlash(rel))
	if err := syncFile(path); err != nil {
		return err
	}
	size, sum, err := hashFile(path)
	if err != nil {
		return err
	}
	w.add(File{Path: rel, Size: size, SHA256: sum})
	return nil
}

func (w *writer) add(f File) {
	w.files = append(w.files, f)
	w.bytes += f.Size
	report(w.progress, Progress{Phase: w.phase, File: f.Path, FilesDone: len(w.files), Bytes: w.bytes})
}

// hashedFile is a backup file being written: its SHA-256 is computed on the way.
type hashedFile struct {
	f   *os.File
	h   hash.Hash
	w   *writer
	rel string
	n   int64
}

func (hf *hashedFile) Write(p []byte) (int, error) {
	n, err := hf.f.Write(p)
	hf.h.Write(p[:n])
	hf.n += int64(n)
	return n, err
}

// Close flushes the file to disk and records it.
func (hf *hashedFile) Close() error {
	err := hf.f.Sync()
	if cerr := hf.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	hf.w.add(File{Path: hf.rel, Size: hf.n, SHA256: hex.EncodeToString(hf.h.Sum(nil))})
	return nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
