package edge

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/crypto/acme/autocert"
)

// TLSOptions chooses where the server's certificate comes from: files, a self-signed development
// certificate, or ACME. At most one source may be set; none means plain HTTP.
type TLSOptions struct {
	CertFile, KeyFile string // PEM files
	SelfSigned        bool   // generate (once) a development certificate under DataDir/tls
	ACMEDomains       []string
	ACMEEmail         string // for the CA's expiry notices; optional
	DataDir           string // where the self-signed certificate and the ACME cache live
	RedirectAddr      string // a plain listener answering with a redirect to HTTPS
}

// Enabled reports whether a certificate source is set.
func (o TLSOptions) Enabled() bool {
	return o.CertFile != "" || o.KeyFile != "" || o.SelfSigned || len(o.ACMEDomains) > 0
}

// Validate checks that the options make sense together, before anything listens.
func (o TLSOptions) Validate() error {
	sources := 0
	if o.CertFile != "" || o.KeyFile != "" {
		sources++
		if o.CertFile == "" || o.KeyFile == "" {
			return errors.New("TLS: --tls-cert and --tls-key go together")
		}
	}
	if o.SelfSigned {
		sources++
	}
	if len(o.ACMEDomains) > 0 {
		sources++
		for _, d := range o.ACMEDomains {
			if err := checkDomain(d); err != nil {
				return fmt.Errorf("TLS: ACME domain %q: %w", d, err)
			}
		}
	}
	if sources > 1 {
		return errors.New("TLS: choose one of --tls-cert/--tls-key, --tls-self-signed and --acme-domain")
	}
	if o.RedirectAddr != "" && sources == 0 {
		return errors.New("TLS: --http-redirect-addr needs TLS (a certificate source)")
	}
	return nil
}

func checkDomain(d string) error {
	if len(d) == 0 || len(d) > 253 || net.ParseIP(d) != nil {
		return errors.New("want a DNS name (ACME issues no certificates for IP addresses)")
	}
	dots := 0
	for i := 0; i < len(d); i++ {
		c := d[i]
		switch {
		case c == '.':
			dots++
		case c == '-', c >= '0' && c <= '9', c >= 'a' && c <= 'z':
		default:
			return errors.New("want lower-case letters, digits, '-' and '.'")
		}
	}
	if dots == 0 || d[0] == '.' || d[len(d)-1] == '.' || d[0] == '-' {
		return errors.New("want a fully qualified name such as shop.example.com")
	}
	return nil
}

// baseTLS is the protocol policy: TLS 1.3 preferred (Go negotiates it whenever the client can),
// TLS 1.2 at least, and for 1.2 only forward-secret AEAD suites.
func baseTLS() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
			tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		},
		NextProtos: []string{"h2", "http/1.1"},
	}
}

// TLSConfig builds the server's TLS configuration from o, and for ACME the certificate manager
// (nil otherwise), whose HTTPHandler answers HTTP-01 challenges on the redirect listener. It returns nil, nil, nil
// when o sets no certificate source.
func TLSConfig(o TLSOptions) (*tls.Config, *autocert.Manager, error) {
	if err := o.Validate(); err != nil {
		return nil, nil, err
	}
	cfg := baseTLS()
	switch {
	case o.CertFile != "":
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, nil, fmt.Errorf("TLS certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	case o.SelfSigned:
		cert, err := SelfSigned(filepath.Join(o.DataDir, "tls"))
		if err != nil {
			return nil, nil, err
		}
		cfg.Certificates = []tls.Certificate{cert}
	case len(o.ACMEDomains) > 0:
		m := &autocert.Manager{
			Prompt:     autocert.AcceptTOS,
			Cache:      autocert.DirCache(filepath.Join(o.DataDir, "acme")),
			HostPolicy: autocert.HostWhitelist(o.ACMEDomains...),
			Email:      o.ACMEEmail,
		}
		cfg.GetCertificate = m.GetCertificate
		cfg.NextProtos = append(cfg.NextProtos, "acme-tls/1") // TLS-ALPN-01 challenges on the TLS port
		return cfg, m, nil
	default:
		return nil, nil, nil
	}
	return cfg, nil, nil
}

// SelfSigned returns the development certificate kept in dir (cert.pem, key.pem), creating it
// on first use and again when it is within a week of expiring. It names localhost, the loopback
// addresses and this machine's host name. Browsers warn about it: it is for development only.
func SelfSigned(dir string) (tls.Certificate, error) {
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if cert, err := tls.LoadX509KeyPair(certFile, keyFile); err == nil && cert.Leaf != nil &&
		time.Until(cert.Leaf.NotAfter) > 7*24*time.Hour {
		return cert, nil
	}
	certPEM, keyPEM, err := newSelfSigned(time.Now())
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return tls.Certificate{}, fmt.Errorf("self-signed certificate: %w", err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		return tls.Certificate{}, fmt.Errorf("self-signed certificate: %w", err)
	}
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		return tls.Certificate{}, fmt.Errorf("self-signed certificate: %w", err)
	}
	return tls.X509KeyPair(certPEM, keyPEM)
}

func newSelfSigned(now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, nil, err
	}
	names := []string{"localhost"}
	if h, err := os.Hostname(); err == nil && h != "" && h != "localhost" {
		names = append(names, h)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"Pasar development"}, CommonName: "localhost"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true, // so a client can trust it as its own root
		DNSNames:              names,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}
