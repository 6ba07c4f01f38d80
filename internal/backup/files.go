package backup

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// filesDir is where a backup keeps the data folder's files.
const filesDir = "files"

// rebuilt lists the data folder's entries that are not copied: the search index (rebuilt from
// the catalog on restore), the embedded event stream (its undelivered events are still in the
// stores' outboxes) and what a rebuild leaves behind.
var rebuilt = map[string]bool{"search": true, "search.rebuild": true, "nats": true}

// isStoreFile tells the SQLite files of the data folder, which are copied as stores instead.
func isStoreFile(name string) bool {
	for _, suffix := range []string{".db", ".db-wal", ".db-shm", ".db-journal"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}

// skipped tells whether the top-level entry name of the data folder stays out of a backup, and
// so also whether restore --force removes it before writing.
func skipped(name string) bool { return rebuilt[name] || isStoreFile(name) }

// copyFiles copies what else the data folder holds: uploaded images, mail written to files, TLS
// and ACME certificates. Uploads are written to a temporary name and renamed, so a file seen is
// whole; the temporary ones are left out.
func copyFiles(ctx context.Context, w *writer, o Options) error {
	w.phase = "files"
	exclude := map[string]bool{}
	for _, e := range append(o.Exclude, w.dir) {
		if abs, err := filepath.Abs(e); err == nil {
			exclude[abs] = true
		}
	}
	root, err := filepath.Abs(o.DataDir)
	if err != nil {
		return err
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root && os.IsNotExist(err) {
				return fs.SkipAll // no data folder: nothing to copy
			}
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rel, _ := filepath.Rel(root, path)
		switch {
		case path == root:
			return nil
		case exclude[path]:
			return skipDir(d)
		case filepath.Dir(rel) == "." && skipped(d.Name()):
			return skipDir(d)
		case strings.HasPrefix(d.Name(), ".upload-"):
			return nil
		case d.IsDir() || !d.Type().IsRegular():
			return nil
		}
		return copyFile(w, path, filesDir+"/"+filepath.ToSlash(rel))
	})
	return err
}

func skipDir(d fs.DirEntry) error {
	if d.IsDir() {
		return fs.SkipDir
	}
	return nil
}

func copyFile(w *writer, src, rel string) error {
	in, err := os.Open(src)
	if os.IsNotExist(err) {
		return nil // removed since the walk listed it
	}
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := w.create(rel)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.f.Close()
		return err
	}
	return out.Close()
}
