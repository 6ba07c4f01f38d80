// Package backup copies a shop's state into a folder and back: every service's store (SQLite
// files copied with VACUUM INTO, or PostgreSQL schemas dumped table by table with COPY in one
// snapshot), and the files in the data folder that cannot be rebuilt (uploaded images, mail,
// certificates). A manifest lists every file with its size and SHA-256, and is written last, so
// a folder without one is an unfinished backup; restore checks every file against it before it
// writes anything.
//
// The search index is not copied: it is a read model of the catalog, rebuilt after a restore.
// Neither is the embedded event stream: events still to be relayed are in the stores' outboxes,
// which are copied.
package backup

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// FormatVersion is the layout of backups this package writes; it reads this one and older.
const FormatVersion = 1

// ManifestName is the manifest's file name inside a backup folder.
const ManifestName = "manifest.json"

// Engines a backup's stores come from.
const (
	EngineSQLite   = "sqlite"
	EnginePostgres = "postgres"
)

// Manifest describes one complete backup.
type Manifest struct {
	Format       int       `json:"format"`
	PasarVersion string    `json:"pasar_version"`
	CreatedAt    time.Time `json:"created_at"`
	Engine       string    `json:"engine"`
	Duration     string    `json:"duration"`
	Stores       []Store   `json:"stores"`
	Files        []File    `json:"files"`
}

// Store is one service's store in a backup.
type Store struct {
	Name string `json:"name"`
	// File is the SQLite copy (engine sqlite).
	File string `json:"file,omitempty"`
	// Versions are the applied migrations per component (events, the service's own).
	Versions map[string]int `json:"versions"`
	// Tables and Sequences are the PostgreSQL schema's contents (engine postgres).
	Tables    []Table    `json:"tables,omitempty"`
	Sequences []Sequence `json:"sequences,omitempty"`
}

// Table is one PostgreSQL table dumped in COPY's text format.
type Table struct {
	Name    string   `json:"name"`
	Columns []string `json:"columns"`
	Rows    int64    `json:"rows"`
	File    string   `json:"file"`
}

// Sequence is a PostgreSQL sequence's state (identity columns), set again on restore.
type Sequence struct {
	Name      string `json:"name"`
	LastValue *int64 `json:"last_value"` // nil: never used
}

// File is one file of the backup, relative to its folder (slash-separated).
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Size is the total size of the backup's files.
func (m Manifest) Size() int64 {
	var n int64
	for _, f := range m.Files {
		n += f.Size
	}
	return n
}

// ErrInvalid marks a backup folder that is incomplete, corrupt or not a backup.
var ErrInvalid = errors.New("invalid backup")

// Verify reads dir's manifest and checks every file it lists (size and SHA-256), telling
// progress as it goes. It returns the manifest only when the whole backup is intact.
func Verify(dir string, progress func(Progress)) (Manifest, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return m, err
	}
	p := Progress{Phase: "verify", FilesTotal: len(m.Files), BytesTotal: m.Size()}
	for _, f := range m.Files {
		path, err := localPath(dir, f.Path)
		if err != nil {
			return m, err
		}
		size, sum, err := hashFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return m, fmt.Errorf("%w: %s is missing", ErrInvalid, f.Path)
		case err != nil:
			return m, err
		case size != f.Size:
			return m, fmt.Errorf("%w: %s has %d bytes, the manifest says %d", ErrInvalid, f.Path, size, f.Size)
		case sum != f.SHA256:
			return m, fmt.Errorf("%w: %s does not match its SHA-256 in the manifest (corrupt)", ErrInvalid, f.Path)
		}
		p.FilesDone++
		p.Bytes += size
		p.File = f.Path
		report(progress, p)
	}
	return m, nil
}

// ReadManifest reads and checks dir's manifest without looking at the files.
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	raw, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return m, fmt.Errorf("%w: %s has no %s (not a backup, or one that did not finish)", ErrInvalid, dir, ManifestName)
	}
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, fmt.Errorf("%w: %s: %v", ErrInvalid, ManifestName, err)
	}
	switch {
	case m.Format < 1:
		return m, fmt.Errorf("%w: %s has no format version", ErrInvalid, ManifestName)
	case m.Format > FormatVersion:
		return m, fmt.Errorf("%w: format %d is newer than this pasar reads (%d); restore with a newer pasar", ErrInvalid, m.Format, FormatVersion)
	case m.Engine != EngineSQLite && m.Engine != EnginePostgres:
		return m, fmt.Errorf("%w: unknown engine %q", ErrInvalid, m.Engine)
	}
	return m, nil
}

// localPath turns a manifest path into one under dir, refusing any that would leave it.
func localPath(dir, rel string) (string, error) {
	if !fs.ValidPath(rel) || rel == "." || rel == ManifestName {
		return "", fmt.Errorf("%w: bad file name %q in the manifest", ErrInvalid, rel)
	}
	return filepath.Join(dir, filepath.FromSlash(rel)), nil
}

func hashFile(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// writeManifest writes m into dir through a temporary file and a rename, so the manifest
// appears whole or not at all, and only after every file it lists is on disk.
func writeManifest(dir string, m Manifest) error {
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, "."+ManifestName+".tmp")
	if err := writeSynced(tmp, append(raw, '\n')); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, ManifestName)); err != nil {
		return err
	}
	return syncDir(dir)
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Progress is how far a backup, verification or restore has got.
type Progress struct {
	Phase      string // "stores", "files", "verify", "restore"
	File       string // the file just finished
	FilesDone  int
	FilesTotal int // 0 while unknown
	Bytes      int64
	BytesTotal int64 // 0 while unknown
}

func report(progress func(Progress), p Progress) {
	if progress != nil {
		progress(p)
	}
}
