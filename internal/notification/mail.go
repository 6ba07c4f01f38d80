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

// newMessageID returns a Message-ID under the From address's domain.
func newMessageID(from string) string {
	var b [12]byte
	rand.Read(b[:])
	domain := "localhost"
	if a, err := mail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok && d != "" {
			domain = d
		}
	}
	return "<" + hex.EncodeToString(b[:]) + "@" + domain + ">"
}

// Bytes renders m as an RFC 5322 message: multipart/alternative with the text part first, so a
// client that shows HTML picks the last. Both parts are quoted-printable UTF-8, and the subject
// is RFC 2047 encoded when it is not plain ASCII.
func (m Message) Bytes() ([]byte, error) {
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return nil, fmt.Errorf("from address %q: %w", m.From, err)
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
