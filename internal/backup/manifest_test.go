package backup

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// TestVerifyRefuses lists the ways a backup folder can be broken; each is refused with
// ErrInvalid and a message naming what is wrong.
func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	good := func(t *testing.T) string {
		dir := t.TempDir()
		w := &writer{dir: dir}
		f, err := w.create("files/uploads/a.png")
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("picture"))
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if err := writeManifest(dir, Manifest{Format: FormatVersion, Engine: EngineSQLite, Files: w.files}); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	editManifest := func(t *testing.T, dir string, edit func(m map[string]any)) {
		raw, _ := os.ReadFile(filepath.Join(dir, ManifestName))
		var m map[string]any
		json.Unmarshal(raw, &m)
		edit(m)
		raw, _ = json.Marshal(m)
		os.WriteFile(filepath.Join(dir, ManifestName), raw, 0o600)
	}
	cases := []struct {
		name  string
		brk   func(t *testing.T, dir string)
		about string
	}{
		{"intact", func(*testing.T, string) {}, ""},
		{"no manifest", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, ManifestName)) }, "did not finish"},
		{"missing file", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "files/uploads/a.png")) }, "missing"},
		{"truncated file", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "files/uploads/a.png"), []byte("pic"), 0o600)
		}, "bytes"},
		{"changed file", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "files/uploads/a.png"), []byte("pictura"), 0o600)
		}, "SHA-256"},
		{"newer format", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { m["format"] = FormatVersion + 1 })
		}, "newer"},
		{"path outside", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { m["files"].([]any)[0].(map[string]any)["path"] = "../etc/passwd" })
		}, "bad file name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := good(t)
			c.brk(t, dir)
			_, err := Verify(dir, nil)
			if c.about == "" {
				if err != nil {
					t.Fatalf("intact backup refused: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.about) {
				t.Fatalf("got %v, want ErrInvalid about %q", err, c.about)
			}
		})
	}
}

// TestUpTo shows only the migrations up to a version, whatever engine suffix they carry.
func TestUpTo(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"0001_a.sql": {}, "0002_b.postgres.sql": {}, "0002_b.sqlite.sql": {}, "0003_c.sql": {},
	}
	ents, err := upTo{fsys, 2}.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "0001_a.sql 0002_b.postgres.sql 0002_b.sqlite.sql" {
		t.Fatalf("migrations up to 2: %v", names)
	}
}
