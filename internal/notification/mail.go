package notification

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"sync/atomic"
	"time"
)

// Message is one mail, with a text and an HTML body of the same content.
type Message struct {
	From      string // "Shop <shop@example.com>"
	To        string // a plain address
	Subject   string
	Text      string
	HTML      string
	MessageID string // "<id@host>"
	Date      time.Time
}

// Mailer sends a message: over SMTP, or into the mail log folder.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// newMessageID returns a Message-ID under domain.
func newMessageID(domain string) string {
	var b [12]byte
	rand.Read(b[:])
	return "<" + hex.EncodeToString(b[:]) + "@" + domain + ">"
}

// messageIDDomain returns the domain of the From address from, for Message-IDs.
func messageIDDomain(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok && d != "" {
			return d
		}
	}
	return "localhost"
}

// fromCache keeps the From address a mailer parsed last: a shop sends all its mail from one, so
// parsing it once spares every mail after the first the work.
type fromCache struct {
	last atomic.Pointer[parsedFrom]
}

type parsedFrom struct {
	raw  string
	addr *mail.Address // shared by every mail from raw: read, never changed
	err  error
}

// parse returns what mail.ParseAddress(from) returns.
func (c *fromCache) parse(from string) (*mail.Address, error) {
	if p := c.last.Load(); p != nil && p.raw == from {
		return p.addr, p.err
	}
	addr, err := mail.ParseAddress(from)
	c.last.Store(&parsedFrom{raw: from, addr: addr, err: err})
	return addr, err
}

// Bytes renders m as an RFC 5322 message: multipart/alternative with the text part first, so a
// client that shows HTML picks the last. Both parts are quoted-printable UTF-8, and the subject
// is RFC 2047 encoded when it is not plain ASCII.
func (m Message) Bytes() ([]byte, error) {
	return m.render(mail.ParseAddress(m.From))
}

// render is Bytes with m.From already parsed (from, or the error parsing it gave).
func (m Message) render(from *mail.Address, fromErr error) ([]byte, error) {
	if fromErr != nil {
		return nil, fmt.Errorf("from address %q: %w", m.From, fromErr)
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return nil, fmt.Errorf("to address %q: %w", m.To, err)
	}
	var rb [12]byte
	rand.Read(rb[:])
	boundary := "pasar-" + hex.EncodeToString(rb[:])
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", from.String())
	h("To", to.String())
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", m.Date.Format(time.RFC1123Z))
	h("Message-ID", m.MessageID)
	h("MIME-Version", "1.0")
	h("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	b.WriteString("\r\n")
	for _, part := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		fmt.Fprintf(&b, "--%s\r\nContent-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", boundary, part.typ)
		w := quotedprintable.NewWriter(&b)
		if _, err := w.Write([]byte(strings.ReplaceAll(part.body, "\n", "\r\n"))); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		b.WriteString("\r\n")
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes(), nil
}
