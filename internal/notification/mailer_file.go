package notification

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// FileMailer appends each mail to a mail log folder, for a shop without an SMTP server: one
// mbox file per UTC day (by the mail's Date), <Dir>/2026-11-26.mbox, in the mboxrd format that
// mutt (`mutt -f`), Thunderbird (ImportExportTools) and `less` or `grep` read. Appending to an
// open file costs a few microseconds where creating a file per mail cost tens to hundreds (a new
// inode each time). ReadMailLog reads the folder back. The zero value with Dir set is ready to
// use; Close releases the open file.
type FileMailer struct {
	Dir string

	mu   sync.Mutex
	file *os.File // the day file of the last mail, opened O_APPEND
	day  string   // its day, "2006-01-02"

	from fromCache
}

// mboxSuffix names the day files; legacyMailSuffix the one file per mail of earlier versions,
// which retention still removes.
const (
	mboxSuffix       = ".mbox"
	legacyMailSuffix = ".eml"
)

// Send appends m to the file of its Date's UTC day, in one write.
func (f *FileMailer) Send(_ context.Context, m Message) error {
	from, err := f.from.parse(m.From)
	raw, err := m.render(from, err)
	if err != nil {
		return err
	}
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	sender := "MAILER-DAEMON" // the separator line's convention for an unknown sender
	if from.Address != "" && !strings.ContainsAny(from.Address, " \t") {
		sender = from.Address
	}
	entry := mboxEntry(sender, date, raw)
	day := date.UTC().Format(time.DateOnly)

	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.open(day); err != nil {
		return fmt.Errorf("mail log: %w", err)
	}
	// One write of the whole mail to a file opened O_APPEND: on a local file system the kernel
	// puts it at the end in one piece, so mails from other goroutines, and from other processes
	// appending to the same folder (replicas sharing a volume), never interleave. That does not
	// hold on every network file system (NFS appends are not atomic); there, give each replica
	// a folder of its own.
	if _, err := f.file.Write(entry); err != nil {
		// The file may now end in part of this mail: reopening checks the end and closes it off.
		f.closeFile()
		return fmt.Errorf("write mail: %w", err)
	}
	return nil
}

// open makes f.file the day file of day, creating the folder and the file as needed. A file
// that does not end in a complete message (a write cut short by a full disk or a crash) gets a
// blank line first, so the mails after it read whole; the cut one stays as it is.
func (f *FileMailer) open(day string) error {
	if f.file != nil && f.day == day {
		return nil
	}
	f.closeFile()
	if err := os.MkdirAll(f.Dir, 0o750); err != nil {
		return err
	}
	file, err := os.OpenFile(filepath.Join(f.Dir, day+mboxSuffix), os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return err
	}
	st, err := file.Stat()
	if err != nil {
		file.Close()
		return err
	}
	if size := st.Size(); size > 0 {
		var tail [2]byte
		n, err := file.ReadAt(tail[:min(size, 2)], max(size-2, 0))
		if err != nil && !errors.Is(err, io.EOF) {
			file.Close()
			return err
		}
		if string(tail[:n]) != "\n\n" {
			if _, err := file.Write([]byte("\n\n")); err != nil {
				file.Close()
				return err
			}
		}
	}
	f.file, f.day = file, day
	return nil
}

func (f *FileMailer) closeFile() error {
	if f.file == nil {
		return nil
	}
	err := f.file.Close()
	f.file, f.day = nil, ""
	return err
}

// Close closes the open day file. A Send after it opens the file again.
func (f *FileMailer) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closeFile()
}

// mboxEntry renders raw (an RFC 5322 message with CRLF line ends) as one mboxrd message: the
// "From <sender> <asctime>" separator, the lines with LF ends and every line matching ^>*From
// given one more '>', and a blank line. So an entry always ends in "\n\n", which is how a reader
// tells a complete one from one still being written.
func mboxEntry(sender string, date time.Time, raw []byte) []byte {
	b := make([]byte, 0, len(raw)+len(sender)+64)
	b = append(b, "From "...)
	b = append(b, sender...)
	b = append(b, ' ')
	b = date.UTC().AppendFormat(b, time.ANSIC)
	b = append(b, '\n')
	for len(raw) > 0 {
		var line []byte
		line, raw, _ = bytes.Cut(raw, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if isFromLine(line) {
			b = append(b, '>')
		}
		b = append(b, line...)
		b = append(b, '\n')
	}
	return append(b, '\n')
}

// isFromLine reports whether line matches ^>*From , the lines mboxrd quotes.
func isFromLine(line []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(line, ">"), []byte("From "))
}

// LoggedMail is one mail read back from the mail log folder.
type LoggedMail struct {
	Raw    []byte      // the message as sent: RFC 5322, CRLF line ends, unquoted
	Header mail.Header // its parsed header; nil if it does not parse (a mail cut short)
}

// ReadMailLog returns the complete mails of the day files (*.mbox) in dir, oldest day first
// and in the order written within a day. A message still being written, or cut short at the end
// of a file, is left out: a message is complete once the blank line that ends it is there.
// A folder that does not exist holds no mail. Files of earlier versions (*.eml) are not read.
func ReadMailLog(dir string) ([]LoggedMail, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*"+mboxSuffix))
	if err != nil {
		return nil, err
	}
	slices.Sort(names) // 2006-01-02: name order is day order
	var out []LoggedMail
	for _, name := range names {
		b, err := os.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed by retention since the glob
		}
		if err != nil {
			return out, err
		}
		out = append(out, parseMbox(b)...)
	}
	return out, nil
}

// parseMbox splits an mboxrd file into its complete messages. Every line starting "From " is a
// separator (mboxrd quotes such lines in bodies); a message is what follows its separator up to
// the next one, and is complete only if that ends in "\n\n" (its last line and the blank line
// after it). Anything before the first separator is not a message. A read racing a write can
// still take a message cut just after one of its own blank lines for a whole one (mboxrd has no
// length to check against); the next read has it whole.
func parseMbox(b []byte) []LoggedMail {
	var out []LoggedMail
	var msg []byte // the current message, from after its separator line
	inMsg := false
	flush := func() {
		if inMsg && bytes.HasSuffix(msg, []byte("\n\n")) {
			out = append(out, newLoggedMail(msg[:len(msg)-1]))
		}
	}
	for {
		line, rest, found := bytes.Cut(b, []byte("\n"))
		if !found {
			// A last line without its newline is part of a write still going on (or cut short):
			// the start of the next message's separator, which leaves the message before as it
			// was, or else a line of the message before, which is then incomplete.
			if len(line) > 0 && !bytes.HasPrefix(line, []byte("From ")) && !bytes.HasPrefix([]byte("From "), line) {
				inMsg = false
			}
			break
		}
		if bytes.HasPrefix(line, []byte("From ")) {
			flush()
			msg, inMsg = msg[:0], true
		} else if inMsg {
			msg = append(msg, line...)
			msg = append(msg, '\n')
		}
		b = rest
	}
	flush()
	return out
}

// newLoggedMail unquotes body, a message's lines with LF ends, into the message as sent.
func newLoggedMail(body []byte) LoggedMail {
	raw := make([]byte, 0, len(body)+len(body)/32)
	for len(body) > 0 {
		var line []byte
		line, body, _ = bytes.Cut(body, []byte("\n"))
		if len(line) > 0 && line[0] == '>' && isFromLine(line) {
			line = line[1:]
		}
		raw = append(raw, line...)
		raw = append(raw, '\r', '\n')
	}
	m := LoggedMail{Raw: raw}
	if msg, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		m.Header = msg.Header
	}
	return m
}

// Subject is the decoded Subject header.
func (m LoggedMail) Subject() string {
	s, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return m.Header.Get("Subject")
	}
	return s
}

// Part returns the decoded body of the part of mediaType ("text/plain", "text/html") of a
// multipart mail, or the body of a single-part one of that type, with LF line ends.
func (m LoggedMail) Part(mediaType string) (string, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
	if err != nil {
		return "", err
	}
	lf := func(r io.Reader) (string, error) {
		b, err := io.ReadAll(r)
		return strings.ReplaceAll(string(b), "\r\n", "\n"), err
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return "", fmt.Errorf("content type: %w", err)
	}
	if mt == mediaType {
		if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
			return lf(quotedprintable.NewReader(msg.Body))
		}
		return lf(msg.Body)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		return "", fmt.Errorf("no %s part in a %s mail", mediaType, mt)
	}
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := r.NextPart() // decodes quoted-printable
		if errors.Is(err, io.EOF) {
			return "", fmt.Errorf("no %s part", mediaType)
		}
		if err != nil {
			return "", err
		}
		if pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); pt == mediaType {
			return lf(p)
		}
	}
}
