package notification

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/order"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

func TestFileMailerPrune(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := &FileMailer{Dir: dir}
	defer f.Close()
	if n, err := f.Prune(time.Now()); n != 0 || err != nil {
		t.Fatalf("folder not there yet: %d %v", n, err)
	}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	send := func(id string, at time.Time) {
		t.Helper()
		m := Message{From: "shop@example.test", To: "ann@example.test", Subject: "s", Text: "t", HTML: "h",
			MessageID: "<" + id + "@example.test>", Date: at}
		if err := f.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	day := 24 * time.Hour
	send("m0", now.Add(-time.Hour))
	send("m1", now.Add(-29*day))
	send("m2", now.Add(-30*day-6*time.Hour)) // older than the retention, but its day is not over before the cutoff
	send("m3", now.Add(-31*day))
	send("m4", now.Add(-40*day)) // the open file when the pass runs
	// Files of earlier versions: mails before and after the cutoff, a temporary file left by a
	// crash mid-write long ago and one being written now; and files the mailer did not write.
	legacy := func(at time.Time, name string) string { return at.Format(legacyStamp) + name }
	for _, name := range []string{legacy(now.Add(-40*day), "-old.eml"), legacy(now.Add(-time.Hour), "-new.eml"),
		"." + legacy(now.Add(-35*day), "-x.eml.tmp"), "." + legacy(now, "-y.eml.tmp"), "README.txt", "notes.mbox"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	n, err := f.Prune(now.Add(-30 * day))
	if err != nil || n != 4 {
		t.Fatalf("pruned %d: %v", n, err)
	}
	left := func() []string {
		var names []string
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	want := []string{"." + legacy(now, "-y.eml.tmp"), "2026-10-27.mbox", "2026-10-28.mbox", "2026-11-26.mbox",
		legacy(now.Add(-time.Hour), "-new.eml"), "README.txt", "notes.mbox"}
	if got := left(); !slices.Equal(got, want) {
		t.Fatalf("left %v, want %v", got, want)
	}
	if n, err := f.Prune(now.Add(-30 * day)); n != 0 || err != nil {
		t.Fatalf("second pass: %d %v", n, err)
	}

	// The pass closed the removed day file it had open: a late mail dated that day makes a new
	// one rather than going to the deleted file.
	send("m5", now.Add(-40*day))
	if got := messageIDs(t, dir); !slices.Equal(got, []string{"<m5@example.test>", "<m2@example.test>", "<m1@example.test>", "<m0@example.test>"}) {
		t.Fatalf("mails left %v", got)
	}

	// Even a cutoff of now leaves the current day's file.
	if _, err := f.Prune(now); err != nil {
		t.Fatal(err)
	}
	if got := messageIDs(t, dir); !slices.Equal(got, []string{"<m0@example.test>"}) {
		t.Fatalf("mails left after a cutoff of now %v", got)
	}
}

// messageIDs lists the Message-IDs of the mails in dir's mail log, in the order read.
func messageIDs(t testing.TB, dir string) []string {
	t.Helper()
	mails, err := ReadMailLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range mails {
		ids = append(ids, m.Header.Get("Message-ID"))
	}
	return ids
}

// clock is a settable Now for the services of a test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestPruneStore(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)}
		day := 24 * time.Hour
		o := Options{MailRetention: 30 * day, DeliveryRetention: 30 * day, Now: clk.Now}
		o.Mailer = &FileMailer{Dir: t.TempDir()}
		s := newService(t, d, o)
		o.Mailer = &FileMailer{Dir: t.TempDir()} // a second replica, with its own folder
		replica := newService(t, d, o)

		// 40 days ago: a confirmation mail, three endpoints, deliveries finished and pending.
		if err := handle(t, d, s.HandleMail, event(t, "order.placed", orderEvent(order.Placed, order.Pending, true))); err != nil {
			t.Fatal(err)
		}
		var eps []string
		for i := range 3 {
			ep, err := s.CreateEndpoint(admin(), EndpointRequest{URL: fmt.Sprintf("https://hooks%d.example.test/h", i), EventTypes: []string{"*"}})
			if err != nil {
				t.Fatal(err)
			}
			eps = append(eps, ep.ID)
		}
		old := ms(clk.Now())
		type row struct {
			id, endpoint, status string
			at                   int64
		}
		rows := []row{{"old-delivered", eps[1], "delivered", old}, {"old-failed", eps[1], "failed", old},
			{"old-pending", eps[2], "pending", old}} // endpoint 2 is deleted with a delivery still pending
		for i := range pruneBatch + 20 { // more than one batch
			rows = append(rows, row{fmt.Sprintf("bulk-%03d", i), eps[1], "delivered", old + int64(i)})
		}
		clk.Add(40 * day)
		rows = append(rows, row{"new-delivered", eps[1], "delivered", ms(clk.Now().Add(-day))})
		err := d.InTx(ctx, func(tx *db.Tx) error {
			for i, r := range rows {
				if _, err := tx.ExecContext(ctx, `INSERT INTO notification_deliveries (id, endpoint_id, event_id, event_type, payload,
					status, attempts, next_at, created_at, updated_at) VALUES ($1, $2, $3, 'order.paid', '{}', $4, 1, $5, $5, $5)`,
					r.id, r.endpoint, fmt.Sprintf("ev%d", i), r.status, r.at); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO notification_attempts (delivery_id, n, at, status_code, error, duration_ms)
					VALUES ($1, 1, $2, 500, 'down', 3)`, r.id, r.at); err != nil {
					return err
				}
			}
			// Endpoints 0 and 2 were deleted 40 days ago.
			_, err := tx.ExecContext(ctx, `UPDATE notification_endpoints SET deleted_at = $1 WHERE id IN ($2, $3)`, old, eps[0], eps[2])
			return err
		})
		if err != nil {
			t.Fatal(err)
		}

		p, err := s.Prune(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if p != (Pruned{MailFiles: 1, MailKeys: 1, Deliveries: int64(pruneBatch + 22), Endpoints: 1}) {
			t.Fatalf("pruned %+v", p)
		}
		var left []string
		r, err := d.QueryContext(ctx, `SELECT id FROM notification_deliveries ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		for r.Next() {
			var id string
			r.Scan(&id)
			left = append(left, id)
		}
		r.Close()
		if !slices.Equal(left, []string{"new-delivered", "old-pending"}) {
			t.Errorf("deliveries left %v", left)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM notification_attempts`); n != 2 {
			t.Errorf("%d attempts left, want those of the 2 deliveries left", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM notification_endpoints`); n != 2 {
			t.Errorf("%d endpoints left, want the live one and the deleted one with a pending delivery", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM notification_mails`); n != 0 {
			t.Errorf("%d mail keys left", n)
		}
		if ds, err := s.Deliveries(admin(), eps[1], 10); err != nil || len(ds) != 1 || len(ds[0].Log) != 1 {
			t.Errorf("log after pruning: %+v %v", ds, err)
		}

		// Another replica within the hour leaves the store alone; after it, it takes its turn.
		if p, err := replica.Prune(ctx); err != nil || !p.Skipped {
			t.Errorf("replica's pass: %+v %v", p, err)
		}
		clk.Add(61 * time.Minute)
		if p, err := replica.Prune(ctx); err != nil || p != (Pruned{}) {
			t.Errorf("replica's pass an hour later: %+v %v", p, err)
		}
		if p, err := s.Prune(ctx); err != nil || !p.Skipped {
			t.Errorf("first replica again within the hour: %+v %v", p, err)
		}
	})
}

// Zero retention keeps everything.
func TestPruneKeepsForever(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		dir := t.TempDir()
		s := newService(t, d, Options{Mailer: &FileMailer{Dir: dir}, Now: clk.Now})
		if err := handle(t, d, s.HandleMail, event(t, "order.placed", orderEvent(order.Placed, order.Pending, true))); err != nil {
			t.Fatal(err)
		}
		clk.Add(10 * 365 * 24 * time.Hour)
		if p, err := s.Prune(context.Background()); err != nil || p != (Pruned{}) {
			t.Fatalf("pruned %+v %v", p, err)
		}
		if len(mailLog(t, dir)) != 1 || count(t, d, `SELECT COUNT(*) FROM notification_mails`) != 1 {
			t.Fatal("mail pruned without a retention")
		}
	})
}

func count(t testing.TB, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
