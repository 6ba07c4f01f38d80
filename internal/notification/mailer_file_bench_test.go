package notification

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/cputime"
)

// BenchmarkFileMailerSend is the cost of writing one order confirmation sized mail (about 4 KB
// rendered) to the mail log folder, the mail consumer's part of a checkout without SMTP. Besides
// the wall time it reports the process's CPU time per mail (user and system, cpu-ns/op), which a
// loaded machine moves less.
func BenchmarkFileMailerSend(b *testing.B) {
	var f Mailer = &FileMailer{Dir: b.TempDir()}
	if c, ok := f.(io.Closer); ok {
		defer c.Close()
	}
	line := "2 x Sencha Green Tea 100 g (SKU TEA-SEN-100) USD 12.50\n"
	m := Message{From: "Corner Shop <shop@example.test>", To: "ann@example.test", Subject: "Order PSR-100001 confirmed",
		Text: strings.Repeat(line, 24), HTML: "<p>" + strings.Repeat(line+"<br>", 24) + "</p>",
		Date: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	ctx := context.Background()
	b.ReportAllocs()
	start := cputime.Process()
	i := 0
	for b.Loop() {
		i++
		m.MessageID = fmt.Sprintf("<%d@example.test>", i)
		if err := f.Send(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cputime.Process()-start)/float64(i), "cpu-ns/op")
}
