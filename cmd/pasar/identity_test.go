package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestUserCreateAndKeysRotate(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	env := map[string]string{"PASAR_USER_PASSWORD": "a long admin passphrase", "PASAR_ARGON2_MEMORY": "64"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"admin", []string{"user", "create", "--email", "Boss@Example.com", "--role", "admin", "--data", data}, 0, "boss@example.com (admin)", ""},
		{"default role", []string{"user", "create", "--email=ann@example.com", "--data", data}, 0, "ann@example.com (customer)", ""},
		{"taken", []string{"user", "create", "--email", "boss@example.com", "--data", data}, 2, "", "email is already registered"},
		{"bad email", []string{"user", "create", "--email", "nope", "--data", data}, 2, "", "email must be a plain address"},
		{"bad role", []string{"user", "create", "--email", "x@example.com", "--role", "king", "--data", data}, 2, "", `--role "king"`},
		{"no email", []string{"user", "create", "--data", data}, 2, "", "--email is required"},
		{"no subcommand", []string{"user"}, 2, "", "pasar user create"},
		{"rotate", []string{"keys", "rotate", "--data", data}, 0, "signing key", ""},
		{"keys without rotate", []string{"keys"}, 2, "", "pasar keys rotate"},
	}
	for _, tc := range tests { // in order: later cases depend on earlier ones
		var stdout, stderr bytes.Buffer
		code := run(tc.args, getenv, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stdout.String(), tc.stdout) || !strings.Contains(stderr.String(), tc.stderr) {
			t.Fatalf("%s: exit %d, stdout %q, stderr %q", tc.name, code, stdout.String(), stderr.String())
		}
	}
}
