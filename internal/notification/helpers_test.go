package notification

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"log/slog"
	"math/big"
	"mime"
	"net"
	"net/mail"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/auth/authtest"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// newService returns a Service on d with the schemas applied.
func newService(t testing.TB, d *db.DB, o Options) *Service {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Migrate(ctx, d, "events", events.Migrations); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx, d, "notification", Migrations); err != nil {
		t.Fatal(err)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := New(d, o)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := o.Mailer.(io.Closer); ok { // the mail log's open file, as the app closes it
		t.Cleanup(func() { c.Close() })
	}
	return s
}

// event returns an event of typ with payload v.
func event(t testing.TB, typ string, v any) events.Event {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return events.Event{ID: newID("ev_"), Type: typ, Version: 1, Time: time.Now().UTC(), Source: "test", Data: raw}
}

// handle runs h on ev in a transaction of d, as the consumer does.
func handle(t testing.TB, d *db.DB, h events.Handler, ev events.Event) error {
	t.Helper()
	return d.InTx(context.Background(), func(tx *db.Tx) error { return h(context.Background(), tx, ev) })
}

func admin() context.Context {
	return auth.WithPrincipal(context.Background(), authtest.Principal(auth.Admin))
}

// parsed is a mail as a reader sees it.
type parsed struct {
	LoggedMail
	text, html string
}

// parseMail reads a raw message, checking it is multipart/alternative with a text and an HTML part.
func parseMail(t testing.TB, raw []byte) parsed {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse mail: %v\n%s", err, raw)
	}
	if mt, _, err := mime.ParseMediaType(m.Header.Get("Content-Type")); err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q: %v", m.Header.Get("Content-Type"), err)
	}
	p := parsed{LoggedMail: LoggedMail{Raw: raw, Header: m.Header}}
	if p.text, err = p.Part("text/plain"); err != nil {
		t.Fatalf("%v:\n%s", err, raw)
	}
	if p.html, err = p.Part("text/html"); err != nil {
		t.Fatalf("%v:\n%s", err, raw)
	}
	return p
}

// mailLog returns the mails in dir's mail log, oldest first.
func mailLog(t testing.TB, dir string) []parsed {
	t.Helper()
	mails, err := ReadMailLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []parsed
	for _, m := range mails {
		out = append(out, parseMail(t, m.Raw))
	}
	return out
}

// smtpServer is a real SMTP server (go-smtp) on a loopback port with STARTTLS and AUTH PLAIN,
// collecting what it is sent.
type smtpServer struct {
	addr   string
	caPool *x509.CertPool
	mu     sync.Mutex
	got    []received
	reject int // answer the next reject RCPT TO commands with a temporary failure
}

type received struct {
	user, from string
	to         []string
	tls        bool
	data       []byte
}

func startSMTP(t testing.TB, user, pass string) *smtpServer {
	t.Helper()
	cert, pool := selfSigned(t, "127.0.0.1")
	s := &smtpServer{caPool: pool}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{srv: s, conn: c, user: user, pass: pass}, nil
	}))
	srv.Domain = "mail.test"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.AllowInsecureAuth = false // AUTH only after STARTTLS
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *smtpServer) mails() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...)
}

type smtpSession struct {
	srv        *smtpServer
	conn       *smtp.Conn
	user, pass string
	cur        received
}

func (x *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != x.user || pass != x.pass {
			return smtp.ErrAuthFailed
		}
		x.cur.user = user
		return nil
	}), nil
}

func (x *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if x.cur.user == "" {
		return smtp.ErrAuthRequired
	}
	x.cur.from = from
	return nil
}

func (x *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.srv.mu.Lock()
	defer x.srv.mu.Unlock()
	if x.srv.reject > 0 {
		x.srv.reject--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	x.cur.to = append(x.cur.to, to)
	return nil
}

func (x *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, x.cur.tls = x.conn.TLSConnectionState()
	x.cur.data = b
	x.srv.mu.Lock()
	x.srv.got = append(x.srv.got, x.cur)
	x.srv.mu.Unlock()
	x.cur = received{user: x.cur.user}
	return nil
}

func (x *smtpSession) Reset()        { x.cur = received{user: x.cur.user} }
func (x *smtpSession) Logout() error { return nil }

// selfSigned returns a certificate for host and a pool that trusts it.
func selfSigned(t testing.TB, host string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP(host)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}
