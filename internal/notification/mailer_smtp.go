package notification

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"time"
)

// SMTPMailer sends mail through an SMTP server. smtp:// URLs (port 587 by default) upgrade the
// connection with STARTTLS before anything else is said, and refuse a server that does not offer
// it unless it is on a loopback address (a local relay); smtps:// URLs (port 465 by default)
// speak TLS from the start. User and password in the URL authenticate with AUTH PLAIN, only ever
// over TLS or loopback.
type SMTPMailer struct {
	addr     string // host:port
	host     string
	implicit bool // smtps
	auth     smtp.Auth
	tls      *tls.Config
	timeout  time.Duration
	from     fromCache
}

// NewSMTPMailer returns a mailer for rawURL (smtp://user:pass@host:587 or smtps://host:465).
// tlsConfig, when not nil, replaces the default TLS settings (tests trust their own CA with it).
func NewSMTPMailer(rawURL string, tlsConfig *tls.Config) (*SMTPMailer, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" {
		return nil, errors.New("smtp: want a URL like smtp://user:pass@host:587")
	}
	m := &SMTPMailer{host: u.Hostname(), timeout: 30 * time.Second}
	port := u.Port()
	switch u.Scheme {
	case "smtp":
		if port == "" {
			port = "587"
		}
	case "smtps":
		m.implicit = true
		if port == "" {
			port = "465"
		}
	default:
		return nil, fmt.Errorf("smtp: scheme %q: want smtp or smtps", u.Scheme)
	}
	m.addr = net.JoinHostPort(m.host, port)
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		m.auth = smtp.PlainAuth("", u.User.Username(), pass, m.host)
	}
	m.tls = &tls.Config{ServerName: m.host, MinVersion: tls.VersionTLS12}
	if tlsConfig != nil {
		m.tls = tlsConfig.Clone()
		if m.tls.ServerName == "" {
			m.tls.ServerName = m.host
		}
	}
	return m, nil
}

// Send delivers m to its recipient through the server.
func (s *SMTPMailer) Send(ctx context.Context, m Message) error {
	from, err := s.from.parse(m.From)
	raw, err := m.render(from, err)
	if err != nil {
		return err
	}
	to, _ := mail.ParseAddress(m.To) // render checked it
	deadline := time.Now().Add(s.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	var conn net.Conn
	dialer := &net.Dialer{Deadline: deadline}
	if s.implicit {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: s.tls}).DialContext(ctx, "tcp", s.addr)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", s.addr)
	}
	if err != nil {
		return fmt.Errorf("smtp: connect %s: %w", s.addr, err)
	}
	defer conn.Close()
	conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return fmt.Errorf("smtp: greeting: %w", err)
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return fmt.Errorf("smtp: hello: %w", err)
	}
	if !s.implicit {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tls); err != nil {
				return fmt.Errorf("smtp: starttls: %w", err)
			}
		} else if !isLoopback(s.host) {
			return fmt.Errorf("smtp: %s does not offer STARTTLS; refusing to send mail in the clear", s.addr)
		}
	}
	if s.auth != nil {
		if err := c.Auth(s.auth); err != nil {
			return fmt.Errorf("smtp: auth: %w", err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("smtp: MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return fmt.Errorf("smtp: RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp: DATA: %w", err)
	}
	if _, err := w.Write(raw); err != nil {
		return fmt.Errorf("smtp: DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp: DATA: %w", err)
	}
	return c.Quit()
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
