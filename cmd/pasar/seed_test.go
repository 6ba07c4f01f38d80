package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestProductsFlag(t *testing.T) {
	t.Parallel()
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "PASAR_SEED_PRODUCTS" {
				return v
			}
			return ""
		}
	}
	for name, tc := range map[string]struct {
		args    []string
		env     string
		want    int
		rest    string
		wantErr bool
	}{
		"default":        {args: []string{"--data", "d"}, want: 1000, rest: "--data d"},
		"separate value": {args: []string{"--products", "42", "--data", "d"}, want: 42, rest: "--data d"},
		"equals":         {args: []string{"-products=7"}, want: 7},
		"environment":    {env: "99", want: 99},
		"flag wins":      {args: []string{"--products", "5"}, env: "99", want: 5},
		"not a number":   {args: []string{"--products", "many"}, wantErr: true},
		"zero":           {args: []string{"--products", "0"}, wantErr: true},
		"missing value":  {args: []string{"--products"}, wantErr: true},
	} {
		n, rest, err := productsFlag(tc.args, env(tc.env))
		if (err != nil) != tc.wantErr || (!tc.wantErr && (n != tc.want || strings.Join(rest, " ") != tc.rest)) {
			t.Errorf("%s: %d %q %v", name, n, rest, err)
		}
	}
}

func TestSeedCommand(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	var stdout, stderr bytes.Buffer
	getenv := func(string) string { return "" }
	if code := run([]string{"seed", "--products", "600", "--data", data}, getenv, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "600 products added") || !strings.Contains(stderr.String(), "600/600 products") {
		t.Fatalf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
	stdout.Reset()
	if code := run([]string{"seed", "--products", "600", "--data", data}, getenv, &stdout, &stderr); code != 0 ||
		!strings.Contains(stdout.String(), "0 products added (600 already there)") {
		t.Fatalf("second run: exit %d, %q", code, stdout.String())
	}
	if code := run([]string{"seed", "--products", "-3"}, getenv, &stdout, &stderr); code != 2 {
		t.Fatalf("bad count: exit %d, want 2", code)
	}
}
