package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupRestoreCommands runs pasar backup and pasar restore on a seeded data folder: their
// flags, answers and exit codes.
func TestBackupRestoreCommands(t *testing.T) {
	t.Parallel()
	data, to, into := t.TempDir(), filepath.Join(t.TempDir(), "b"), t.TempDir()
	getenv := func(string) string { return "" }
	pasar := func(want int, args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := run(args, getenv, &stdout, &stderr); code != want {
			t.Fatalf("pasar %s: exit %d, want %d: %s", strings.Join(args, " "), code, want, stderr.String())
		}
		return stdout.String() + stderr.String()
	}
	pasar(0, "seed", "--products", "30", "--data", data)
	if out := pasar(0, "backup", "--data", data, "--to", to); !strings.Contains(out, "backup written to "+to) {
		t.Errorf("backup said %q", out)
	}
	pasar(2, "backup", "--data", data)
	if out := pasar(1, "backup", "--data", data, "--to", to); !strings.Contains(out, "not empty") {
		t.Errorf("backup into a used folder said %q", out)
	}
	if out := pasar(0, "restore", "--from", to, "--data", into); !strings.Contains(out, "search index rebuilt") {
		t.Errorf("restore said %q", out)
	}
	if out := pasar(1, "restore", "--from", to, "--data", into); !strings.Contains(out, "--force") {
		t.Errorf("restore over a shop said %q", out)
	}
	pasar(0, "restore", "--from", to, "--data", into, "--force")

	if err := os.Remove(filepath.Join(to, "manifest.json")); err != nil {
		t.Fatal(err)
	}
	if out := pasar(1, "restore", "--from", to, "--data", t.TempDir()); !strings.Contains(out, "did not finish") {
		t.Errorf("restore of a backup without manifest said %q", out)
	}
}

// TestLoadtestFlags refuses bad flags and settings with exit status 2, before driving anything.
func TestLoadtestFlags(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"loadtest", "--mix", "browse=1,teleport=1"}, nil},
		{[]string{"loadtest", "--concurrency", "0"}, nil},
		{[]string{"loadtest", "extra"}, nil},
		{[]string{"loadtest"}, map[string]string{"PASAR_LOADTEST_DURATION": "soon"}},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(c.args, func(k string) string { return c.env[k] }, &stdout, &stderr); code != 2 {
			t.Errorf("%v %v: exit %d, want 2 (%s)", c.args, c.env, code, stderr.String())
		}
	}
}
