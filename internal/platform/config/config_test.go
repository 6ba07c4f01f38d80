package config

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	c := Default()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	err := c.Load(fs, Storage|Server, args, func(k string) string { return env[k] })
	return c, err
}

func TestLoad(t *testing.T) {
	t.Parallel()
	c, err := load(t, map[string]string{"PASAR_ADDR": "127.0.0.1:9000", "PASAR_REQUEST_TIMEOUT": "5s", "PASAR_DEMO": "true"},
		"--data", "/tmp/shop", "--addr", ":9001")
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9001" {
		t.Errorf("addr = %q: the flag must win over the environment", c.Addr)
	}
	if c.DataDir != "/tmp/shop" || c.RequestTimeout != 5*time.Second || !c.Demo {
		t.Errorf("got %+v", c)
	}
	if d, _ := load(t, nil); d.Addr != ":8080" || d.DataDir != "./data" {
		t.Errorf("defaults: addr %q data %q", d.Addr, d.DataDir)
	}
}

func TestLoadRejectsBadValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"addr without port", nil, []string{"--addr", "localhost"}, "PASAR_ADDR (--addr)"},
		{"port out of range", map[string]string{"PASAR_ADDR": ":70000"}, nil, "PASAR_ADDR (--addr)"},
		{"bad duration", map[string]string{"PASAR_REQUEST_TIMEOUT": "soon"}, nil, "PASAR_REQUEST_TIMEOUT"},
		{"negative timeout", nil, []string{"--shutdown-timeout", "-1s"}, "PASAR_SHUTDOWN_TIMEOUT"},
		{"log level", nil, []string{"--log-level", "loud"}, "PASAR_LOG_LEVEL"},
		{"postgres scheme", map[string]string{"PASAR_POSTGRES_URL": "mysql://u:secret@h/db"}, nil, "PASAR_POSTGRES_URL"},
		{"nats url", nil, []string{"--nats-url", "127.0.0.1:4222"}, "PASAR_NATS_URL"},
		{"body limit", nil, []string{"--max-body-bytes", "0"}, "PASAR_MAX_BODY_BYTES"},
		{"empty data", map[string]string{}, []string{"--data", " "}, "PASAR_DATA"},
		{"sqlite sync", nil, []string{"--sqlite-sync", "sometimes"}, "PASAR_SQLITE_SYNC"},
		{"mail retention too short", map[string]string{"PASAR_MAIL_RETENTION": "1h"}, nil, "PASAR_MAIL_RETENTION"},
		{"webhook retention negative", nil, []string{"--webhook-retention", "-24h"}, "PASAR_WEBHOOK_RETENTION"},
		{"stray argument", nil, []string{"extra"}, "unexpected argument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := load(t, tc.env, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to name %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Fatalf("error leaks a secret: %v", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
		})
	}
}

func TestLogValueMasksSecrets(t *testing.T) {
	t.Parallel()
	c := Default()
	c.PostgresURL = "postgres://shop:hunter2@db:5432/shop?sslmode=disable"
	c.NATSURL = "nats://a:pw@n1:4222,nats://n2:4222"
	s := c.LogValue().String()
	if strings.Contains(s, "hunter2") || strings.Contains(s, "pw@") {
		t.Fatalf("secret in log value: %s", s)
	}
	if !strings.Contains(s, "db:5432") {
		t.Fatalf("host missing from log value: %s", s)
	}
}

func TestEverySettingHasAnEnvTwin(t *testing.T) {
	t.Parallel()
	c := Default()
	seen := map[string]bool{}
	for _, s := range c.Settings() {
		if !strings.HasPrefix(s.Env, "PASAR_") || seen[s.Env] || s.Usage == "" {
			t.Errorf("setting --%s: env %q duplicate or unnamed, or no usage", s.Flag, s.Env)
		}
		seen[s.Env] = true
	}
}
