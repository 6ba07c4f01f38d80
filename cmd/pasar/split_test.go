package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestServeServicesConfigErrors: a --services list that cannot run stops before anything opens,
// with exit status 2 and one line naming every missing setting.
func TestServeServicesConfigErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"unknown service", []string{"--services=catalog,shipping"}, nil, []string{`unknown service "shipping"`}},
		{"order without its peers", []string{"--services=order,identity"}, nil,
			[]string{"order calls cart", "PASAR_CART_URL", "order calls inventory", "order calls payment"}},
		{"pages without their services", []string{"--services=web,identity"}, nil,
			[]string{"web calls catalog", "PASAR_SEARCH_URL", "web calls inventory", "web calls cart", "web calls order"}},
		{"no identity", []string{"--services=catalog"}, nil,
			[]string{"PASAR_IDENTITY_URL", "PASAR_SERVICE_CLIENT_ID"}},
		{"bad replica URL", []string{"--services=search", "--identity-url=http://a:1,ftp://b"}, nil,
			[]string{"PASAR_IDENTITY_URL", "scheme must be one of http, https"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var out, errb bytes.Buffer
			getenv := func(k string) string { return c.env[k] }
			args := append([]string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"}, c.args...)
			if code := run(args, getenv, &out, &errb); code != 2 {
				t.Fatalf("exit %d, want 2; stderr: %s", code, errb.String())
			}
			for _, w := range c.want {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr lacks %q: %s", w, errb.String())
				}
			}
			if n := strings.Count(strings.TrimSpace(errb.String()), "\n"); n != 0 {
				t.Errorf("want one line, got %d:\n%s", n+1, errb.String())
			}
		})
	}
}
