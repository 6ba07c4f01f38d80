package backup

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// RestoreOptions says where to restore a backup to.
type RestoreOptions struct {
	// DataDir receives the SQLite stores (engine sqlite) and the files.
	DataDir string
	// PostgresURL receives the schemas of a PostgreSQL backup.
	PostgresURL string
	// Force replaces what the data folder and the schemas hold; without it a restore refuses to
	// write over a shop.
	Force bool
	// Migrations returns a component's migrations (the events outbox, a service's own), which
	// recreate a PostgreSQL schema's tables before its rows are loaded.
	Migrations func(component string) fs.FS
	Progress   func(Progress)
	Log        *slog.Logger
}

// ErrNotEmpty marks a restore refused because its target already holds a shop.
var ErrNotEmpty = errors.New("target not empty")

// Restore checks every file of the backup in dir against its manifest, then that the target
// holds nothing it would overwrite (unless o.Force), and only then writes. A backup that fails
// either check leaves the target untouched.
func Restore(ctx context.Context, dir string, o RestoreOptions) (Manifest, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	m, err := Verify(dir, o.Progress)
	if err != nil {
		return m, err
	}
	switch {
	case m.Engine == EnginePostgres && o.PostgresURL == "":
		return m, fmt.Errorf("the backup holds PostgreSQL schemas: set PASAR_POSTGRES_URL to restore it")
	case m.Engine == EngineSQLite && o.PostgresURL != "":
		return m, fmt.Errorf("the backup holds SQLite stores: unset PASAR_POSTGRES_URL to restore it into the data folder")
	}
	tops := topEntries(m)
	if err := checkDataDir(o.DataDir, tops, o.Force); err != nil {
		return m, err
	}
	if m.Engine == EnginePostgres {
		if err := checkSchemas(ctx, o.PostgresURL, m, o.Force); err != nil {
			return m, err
		}
	}
	if o.Force {
		if err := clearDataDir(o.DataDir, tops); err != nil {
			return m, err
		}
	}
	if err := os.MkdirAll(o.DataDir, 0o750); err != nil {
		return m, err
	}
	p := &Progress{Phase: "restore", FilesTotal: len(m.Files), BytesTotal: m.Size()}
	if m.Engine == EnginePostgres {
		if err := restorePostgres(ctx, dir, m, o, p); err != nil {
			return m, err
		}
	} else {
		for _, s := range m.Stores {
			if err := restoreFile(dir, s.File, filepath.Join(o.DataDir, s.Name+".db"), m, o.Progress, p); err != nil {
				return m, fmt.Errorf("restore store %s: %w", s.Name, err)
			}
			o.Log.Info("store restored", "store", s.Name)
		}
	}
	for _, f := range m.Files {
		rel, ok := strings.CutPrefix(f.Path, filesDir+"/")
		if !ok {
			continue
		}
		if err := restoreFile(dir, f.Path, filepath.Join(o.DataDir, filepath.FromSlash(rel)), m, o.Progress, p); err != nil {
			return m, err
		}
	}
	o.Log.Info("backup restored", "from", dir, "engine", m.Engine, "created_at", m.CreatedAt, "stores", len(m.Stores))
	return m, syncDir(o.DataDir)
}

// topEntries names the top-level entries of the data folder the backup's files go to.
func topEntries(m Manifest) map[string]bool {
	tops := map[string]bool{}
	for _, f := range m.Files {
		if rel, ok := strings.CutPrefix(f.Path, filesDir+"/"); ok {
			tops[strings.SplitN(rel, "/", 2)[0]] = true
		}
	}
	return tops
}

// shopEntries names the top-level entries of the data folder that make it hold a shop: stores
// (with their write-ahead logs), a search index, an event stream, and any entry the backup
// writes (tops). Other entries, such as a backup folder kept there, do not count.
func shopEntries(dir string, tops map[string]bool) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	var names []string
	for _, e := range ents {
		if skipped(e.Name()) || tops[e.Name()] {
			names = append(names, e.Name())
		}
	}
	return names, err
}

// checkDataDir refuses a data folder that holds a shop, unless force.
func checkDataDir(dir string, tops map[string]bool, force bool) error {
	names, err := shopEntries(dir, tops)
	if err != nil {
		return err
	}
	if len(names) > 0 && !force {
		return fmt.Errorf("%w: the data folder %s already holds %s; restore into an empty folder, or give --force to replace it",
			ErrNotEmpty, dir, strings.Join(names, ", "))
	}
	return nil
}

// clearDataDir removes what makes the data folder hold a shop, so no file of the shop replaced
// (a SQLite write-ahead log above all) survives beside the restored ones.
func clearDataDir(dir string, tops map[string]bool) error {
	names, err := shopEntries(dir, tops)
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := os.RemoveAll(filepath.Join(dir, n)); err != nil {
			return err
		}
	}
	return nil
}

// restoreFile copies the backup's file rel to dst through a temporary file, checking its hash
// again on the way (the backup may have changed since it was verified).
func restoreFile(dir, rel, dst string, m Manifest, progress func(Progress), p *Progress) error {
	want, ok := fileOf(m, rel)
	if !ok {
		return fmt.Errorf("%w: %s is not in the manifest", ErrInvalid, rel)
	}
	src, err := localPath(dir, rel)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := dst + ".restoring"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // after the rename this removes nothing
	h := &hashedFile{f: out, h: sha256.New(), w: &writer{}, rel: rel}
	if _, err := io.Copy(h, in); err != nil {
		out.Close()
		return err
	}
	if err := h.Close(); err != nil {
		return err
	}
	if got := h.w.files[0]; got.SHA256 != want.SHA256 {
		return fmt.Errorf("%w: %s changed since it was verified", ErrInvalid, rel)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	p.FilesDone++
	p.Bytes += want.Size
	p.File = rel
	report(progress, *p)
	return nil
}

func fileOf(m Manifest, rel string) (File, bool) {
	for _, f := range m.Files {
		if f.Path == rel {
			return f, true
		}
	}
	return File{}, false
}
