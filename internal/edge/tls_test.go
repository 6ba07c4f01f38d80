package edge

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/acme/autocert"

	"github.com/pasarhq/pasar/internal/edge/waf"
)

// serveTLS runs the edge chain behind a real TLS listener built by ListenTLS, and returns its
// address and a client that trusts the generated development certificate.
func serveTLS(t *testing.T, o TLSOptions, h http.Handler) (addr string, client *http.Client) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl, err := ListenTLS(ctx, o, l, slog.New(slog.DiscardHandler))
	if err != nil {
		l.Close()
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(tl) }()
	t.Cleanup(func() { cancel(); srv.Close() })
	return l.Addr().String(), &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: trustDevCert(t, o.DataDir)}}}
}

func trustDevCert(t testing.TB, dataDir string) *x509.CertPool {
	t.Helper()
	pemBytes, err := os.ReadFile(filepath.Join(dataDir, "tls", "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("cert.pem holds no certificate")
	}
	return pool
}

func TestSelfSignedTLSServesWithHSTS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	addr, client := serveTLS(t, TLSOptions{SelfSigned: true, DataDir: dir}, chain(testEdge(t, waf.Block), product(2000)))
	for _, host := range []string{"localhost", "127.0.0.1"} {
		_, port, _ := net.SplitHostPort(addr)
		resp, err := client.Get("https://" + net.JoinHostPort(host, port) + "/api/v1/products/p1")
		if err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "Linen shirt") {
			t.Fatalf("%s: status %d body %q", host, resp.StatusCode, body)
		}
		if resp.TLS.Version != tls.VersionTLS13 {
			t.Errorf("negotiated %s, want TLS 1.3", tls.VersionName(resp.TLS.Version))
		}
		if hsts := resp.Header.Get("Strict-Transport-Security"); hsts != "max-age=63072000; includeSubDomains" {
			t.Errorf("HSTS %q", hsts)
		}
		if !resp.Uncompressed { // the transport asked for gzip and undid it
			t.Error("a 2 KB JSON answer was not compressed")
		}
	}
	// The WAF sits behind TLS too.
	resp, err := client.Get("https://" + addr + "/api/v1/search?q=" + "%27%20OR%201%3D1--")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("attack over TLS: status %d, want 403", resp.StatusCode)
	}
}

func TestTLSProtocolPolicy(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	addr, _ := serveTLS(t, TLSOptions{SelfSigned: true, DataDir: dir}, product(10))
	roots := trustDevCert(t, dir)
	for _, tc := range []struct {
		name    string
		cfg     *tls.Config
		wantErr bool
		want    uint16
	}{
		{"default client gets TLS 1.3", &tls.Config{}, false, tls.VersionTLS13},
		{"TLS 1.2 client with a modern suite", &tls.Config{MaxVersion: tls.VersionTLS12}, false, tls.VersionTLS12},
		{"TLS 1.1 refused", &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}, true, 0},
		{"TLS 1.2 CBC suite refused", &tls.Config{MaxVersion: tls.VersionTLS12,
			CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}}, true, 0},
		{"TLS 1.2 without forward secrecy refused", &tls.Config{MaxVersion: tls.VersionTLS12,
			CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256}}, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := tc.cfg.Clone()
			cfg.RootCAs, cfg.ServerName = roots, "localhost"
			c, err := tls.Dial("tcp", addr, cfg)
			if tc.wantErr {
				if err == nil {
					c.Close()
					t.Fatal("handshake succeeded, want it refused")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if v := c.ConnectionState().Version; v != tc.want {
				t.Errorf("negotiated %s, want %s", tls.VersionName(v), tls.VersionName(tc.want))
			}
		})
	}
}

func TestSelfSignedIsKeptAndReused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, err := SelfSigned(dir)
	if err != nil {
		t.Fatal(err)
	}
	second, err := SelfSigned(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Leaf.Equal(second.Leaf) {
		t.Error("a second start generated a new certificate")
	}
	if fi, err := os.Stat(filepath.Join(dir, "key.pem")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key.pem mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	if err := first.Leaf.VerifyHostname("localhost"); err != nil {
		t.Error(err)
	}
}

func TestCertificateFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := SelfSigned(filepath.Join(dir, "tls")); err != nil { // any valid pair will do
		t.Fatal(err)
	}
	o := TLSOptions{CertFile: filepath.Join(dir, "tls", "cert.pem"), KeyFile: filepath.Join(dir, "tls", "key.pem"), DataDir: dir}
	addr, client := serveTLS(t, o, product(10))
	resp, err := client.Get("https://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if _, _, err := TLSConfig(TLSOptions{CertFile: filepath.Join(dir, "missing.pem"), KeyFile: o.KeyFile}); err == nil {
		t.Error("a missing certificate file was accepted")
	}
}

func TestTLSOptionsValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		o       TLSOptions
		wantErr string
	}{
		{"none", TLSOptions{}, ""},
		{"files", TLSOptions{CertFile: "c.pem", KeyFile: "k.pem"}, ""},
		{"self-signed with redirect", TLSOptions{SelfSigned: true, RedirectAddr: ":80"}, ""},
		{"acme", TLSOptions{ACMEDomains: []string{"shop.example.com", "www.shop.example.com"}}, ""},
		{"cert without key", TLSOptions{CertFile: "c.pem"}, "go together"},
		{"two sources", TLSOptions{SelfSigned: true, ACMEDomains: []string{"shop.example.com"}}, "choose one"},
		{"files and self-signed", TLSOptions{CertFile: "c", KeyFile: "k", SelfSigned: true}, "choose one"},
		{"redirect without tls", TLSOptions{RedirectAddr: ":80"}, "needs TLS"},
		{"acme for an address", TLSOptions{ACMEDomains: []string{"203.0.113.5"}}, "DNS name"},
		{"acme for a bare name", TLSOptions{ACMEDomains: []string{"localhost"}}, "fully qualified"},
		{"acme with a scheme", TLSOptions{ACMEDomains: []string{"https://shop.example.com"}}, "lower-case"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.o.Validate()
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Validate() = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// TestACMEWiring checks the ACME configuration without a CA (none is reachable here): the
// certificate comes from the manager, TLS-ALPN challenges are offered, only the configured
// domains are asked for, and certificates are cached under the data folder.
func TestACMEWiring(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, m, err := TLSConfig(TLSOptions{ACMEDomains: []string{"shop.example.com"}, ACMEEmail: "ops@example.com", DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if m == nil || cfg.GetCertificate == nil || cfg.MinVersion != tls.VersionTLS12 {
		t.Fatalf("manager %v, GetCertificate set %v, min version %x", m, cfg.GetCertificate != nil, cfg.MinVersion)
	}
	if !strings.Contains(strings.Join(cfg.NextProtos, ","), "acme-tls/1") {
		t.Errorf("NextProtos %v lack acme-tls/1", cfg.NextProtos)
	}
	if err := m.HostPolicy(context.Background(), "shop.example.com"); err != nil {
		t.Errorf("configured domain refused: %v", err)
	}
	if err := m.HostPolicy(context.Background(), "evil.example.net"); err == nil {
		t.Error("a certificate for an unconfigured host would be requested")
	}
	if c, ok := m.Cache.(autocert.DirCache); !ok || string(c) != filepath.Join(dir, "acme") || m.Email != "ops@example.com" {
		t.Errorf("cache %v, email %q", m.Cache, m.Email)
	}
}
