package notification

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// A mail goes into its day's mbox file with body lines that look like separators quoted, and
// reads back as the bytes that were sent.
func TestMailLogRoundTrip(t *testing.T) {
	t.Parallel()
	raw := []byte("From: <shop@example.test>\r\nSubject: s\r\n\r\nFrom the shop\r\n>From a quote\r\n>>From deeper\r\n" +
		"From\r\nFromage\r\n From indented\r\n\r\n\r\nlast\r\n")
	entry := mboxEntry("shop@example.test", time.Date(2026, 11, 26, 9, 5, 3, 0, time.FixedZone("JST", 9*3600)), raw)
	want := "From shop@example.test Thu Nov 26 00:05:03 2026\nFrom: <shop@example.test>\nSubject: s\n\n" +
		">From the shop\n>>From a quote\n>>>From deeper\nFrom\nFromage\n From indented\n\n\nlast\n\n"
	if string(entry) != want {
		t.Fatalf("entry:\n%q\nwant\n%q", entry, want)
	}
	got := parseMbox(slices.Concat(entry, entry))
	if len(got) != 2 || !bytes.Equal(got[0].Raw, raw) || !bytes.Equal(got[1].Raw, raw) {
		t.Fatalf("read back %d mails: %q", len(got), got)
	}
	if got[0].Header.Get("Subject") != "s" {
		t.Errorf("header %v", got[0].Header)
	}

	// Through the mailer: the file of the mail's UTC day, and the text as written.
	dir := t.TempDir()
	f := &FileMailer{Dir: dir}
	defer f.Close()
	m := Message{From: "Corner Shop <shop@example.test>", To: "ann@example.test", Subject: "Thé & co",
		Text: "From the shop, with thanks.\n>From a quote\n\nBye\n", HTML: "<p>From the shop</p>", MessageID: "<1@example.test>",
		Date: time.Date(2026, 11, 26, 23, 30, 0, 0, time.UTC)}
	if err := f.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "2026-11-26.mbox"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("From shop@example.test Thu Nov 26 23:30:00 2026\n")) || !bytes.HasSuffix(b, []byte("\n\n")) ||
		!bytes.Contains(b, []byte("\n>From the shop, with thanks.\n>>From a quote\n")) || bytes.Contains(b, []byte("\r")) {
		t.Fatalf("mbox file:\n%s", b)
	}
	mails := mailLog(t, dir)
	if len(mails) != 1 {
		t.Fatalf("%d mails", len(mails))
	}
	if p := mails[0]; p.Subject() != m.Subject || p.text != m.Text || p.html != m.HTML || p.Header.Get("Message-ID") != m.MessageID {
		t.Errorf("read back %q %q %q %q", p.Subject(), p.text, p.html, p.Header.Get("Message-ID"))
	}
}

// Many goroutines, on two mailers appending to one folder as two processes would, lose no mail
// and never interleave two.
func TestFileMailerConcurrentSends(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mailers := []*FileMailer{{Dir: dir}, {Dir: dir}}
	const goroutines, each = 16, 25
	date := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	text := func(id string) string { return strings.Repeat("line of mail "+id+"\n", 400) } // 8 KB and more
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*each)
	for g := range goroutines {
		f := mailers[g%2]
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("%d-%d", g, i)
				errs <- f.Send(context.Background(), Message{From: "shop@example.test", To: "ann@example.test", Subject: id,
					Text: text(id), HTML: "<p>" + id + "</p>", MessageID: "<" + id + "@example.test>", Date: date})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range mailers {
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for _, m := range mailLog(t, dir) {
		id := m.Subject()
		if seen[id] || m.text != text(id) || m.html != "<p>"+id+"</p>" {
			t.Fatalf("mail %q read twice or mixed with another:\n%s", id, m.Raw)
		}
		seen[id] = true
	}
	if len(seen) != goroutines*each {
		t.Fatalf("%d mails, want %d", len(seen), goroutines*each)
	}
}

// The file is chosen by the mail's Date in UTC, whatever its zone, and changes with the day.
func TestFileMailerDayRollover(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := &FileMailer{Dir: dir}
	defer f.Close()
	tokyo := time.FixedZone("JST", 9*3600)
	for i, at := range []time.Time{
		time.Date(2026, 11, 25, 23, 59, 59, 999e6, time.UTC),
		time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 26, 8, 59, 0, 0, tokyo), // 25 November in UTC: late, into the day before
		time.Date(2026, 11, 26, 9, 0, 0, 0, tokyo),
		time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
	} {
		if err := f.Send(context.Background(), Message{From: "shop@example.test", To: "ann@example.test", Subject: "s",
			Text: "t", HTML: "h", MessageID: fmt.Sprintf("<m%d@example.test>", i), Date: at}); err != nil {
			t.Fatal(err)
		}
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	for i := range names {
		names[i] = filepath.Base(names[i])
	}
	if !slices.Equal(names, []string{"2026-11-25.mbox", "2026-11-26.mbox", "2026-12-01.mbox"}) {
		t.Fatalf("files %v", names)
	}
	want := []string{"<m0@example.test>", "<m2@example.test>", "<m1@example.test>", "<m3@example.test>", "<m4@example.test>"}
	if got := messageIDs(t, dir); !slices.Equal(got, want) {
		t.Fatalf("mails %v, want %v", got, want)
	}
}

// A message still being written, or cut short, at the end of a file is not read; the next
// mailer to open the file closes it off, so the mails after it read whole.
func TestReadMailLogIgnoresIncomplete(t *testing.T) {
	t.Parallel()
	if got, err := ReadMailLog(filepath.Join(t.TempDir(), "none")); len(got) != 0 || err != nil {
		t.Fatalf("no folder: %v %v", got, err)
	}
	date := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	msg := func(id string) Message {
		return Message{From: "shop@example.test", To: "ann@example.test", Subject: "s", Text: "Dear Ann,\n\nthanks.\n",
			HTML: "<p>thanks</p>", MessageID: "<" + id + "@example.test>", Date: date}
	}
	raw, err := msg("cut").Bytes()
	if err != nil {
		t.Fatal(err)
	}
	entry := mboxEntry("shop@example.test", date, raw)
	sep := bytes.IndexByte(entry, '\n') + 1
	for _, cut := range []int{len(entry) - 1, len(entry) - 2, 3, sep - 1, sep, sep + 10, bytes.Index(entry, []byte("Dear Ann,")) + 3} {
		t.Run(fmt.Sprint(cut), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			f := &FileMailer{Dir: dir}
			for _, id := range []string{"a", "b"} {
				if err := f.Send(context.Background(), msg(id)); err != nil {
					t.Fatal(err)
				}
			}
			f.Close()
			name := filepath.Join(dir, "2026-11-26.mbox")
			file, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			file.Write(entry[:cut])
			file.Close()
			if got := messageIDs(t, dir); !slices.Equal(got, []string{"<a@example.test>", "<b@example.test>"}) {
				t.Fatalf("with %q at the end: %v", entry[:cut], got)
			}

			// A restart: the new mailer finds the file ending mid-message.
			f = &FileMailer{Dir: dir}
			defer f.Close()
			if err := f.Send(context.Background(), msg("c")); err != nil {
				t.Fatal(err)
			}
			got := messageIDs(t, dir)
			if len(got) < 3 || !slices.Equal(got[:2], []string{"<a@example.test>", "<b@example.test>"}) || got[len(got)-1] != "<c@example.test>" {
				t.Fatalf("after the restart: %v", got)
			}
		})
	}
}

// The From address is parsed once while it stays the same, and again when it changes: each
// mail's separator and From header are its own, and a From that does not parse is refused.
func TestFileMailerFromChanges(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := &FileMailer{Dir: dir}
	defer f.Close()
	date := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	for i, from := range []string{"Corner Shop <shop@example.test>", "Corner Shop <shop@example.test>", "other@example.test", "not an address"} {
		err := f.Send(context.Background(), Message{From: from, To: "ann@example.test", Subject: fmt.Sprint(i),
			Text: "t", HTML: "h", MessageID: fmt.Sprintf("<%d@example.test>", i), Date: date})
		if (err != nil) != (i == 3) {
			t.Fatalf("send from %q: %v", from, err)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "2026-11-26.mbox"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(b, []byte("From shop@example.test ")) != 2 || !bytes.Contains(b, []byte("\nFrom other@example.test ")) {
		t.Fatalf("separators:\n%s", b)
	}
	mails := mailLog(t, dir)
	if len(mails) != 3 || mails[0].Header.Get("From") != `"Corner Shop" <shop@example.test>` ||
		mails[1].Header.Get("From") != mails[0].Header.Get("From") || mails[2].Header.Get("From") != "<other@example.test>" {
		t.Fatalf("%d mails: %v", len(mails), mails)
	}
}
