package notification

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// FileMailer writes each mail as an .eml file into a folder, for a shop without an SMTP server:
// an operator reads them there (any mail client opens .eml files).
type FileMailer struct {
	Dir string
}

// Send writes m to Dir as <time>-<message id>.eml; the name sorts by time.
func (f FileMailer) Send(_ context.Context, m Message) error {
	raw, err := m.Bytes()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(f.Dir, 0o750); err != nil {
		return fmt.Errorf("mail log folder: %w", err)
	}
	id := strings.Trim(m.MessageID, "<>")
	id, _, _ = strings.Cut(id, "@")
	name := m.Date.UTC().Format("20060102T150405.000Z") + "-" + id + ".eml"
	// Written under a temporary name and renamed, so a reader never sees half a mail.
	tmp := filepath.Join(f.Dir, "."+name+".tmp")
	if err := os.WriteFile(tmp, raw, 0o640); err != nil {
		return fmt.Errorf("write mail: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(f.Dir, name)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write mail: %w", err)
	}
	return nil
}
