package payment

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/auth/authtest"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/events"
)

var testSecret = []byte("callback-secret-for-tests")

// fixture is a Core on its own store with what tests look at: its log, clock and provider.
type fixture struct {
	*Core
	d     *db.DB
	logs  *syncBuffer
	clock *clock
	prov  *flakyProvider
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// flakyProvider is the test provider, failing the next money-moving step when told to.
type flakyProvider struct {
	*TestProvider
	mu   sync.Mutex
	fail bool
}

var errFlaky = errors.New("connection reset by provider")

func (f *flakyProvider) failNext() { f.mu.Lock(); f.fail = true; f.mu.Unlock() }

func (f *flakyProvider) failing() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	fail := f.fail
	f.fail = false
	return fail
}

func (f *flakyProvider) Capture(ctx context.Context, ref string, amount int64, cur, key string) error {
	if f.failing() {
		return errFlaky
	}
	return f.TestProvider.Capture(ctx, ref, amount, cur, key)
}

func (f *flakyProvider) Refund(ctx context.Context, ref string, amount int64, cur, key string) error {
	if f.failing() {
		return errFlaky
	}
	return f.TestProvider.Refund(ctx, ref, amount, cur, key)
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Migrate(ctx, d, "events", events.Migrations); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx, d, "payment", Migrations); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	clk := &clock{t: time.Now().UTC()}
	prov := &flakyProvider{TestProvider: NewTestProvider()}
	c := NewCore(d, events.NewOutbox(d, nil, "payment", log), Options{Providers: []Provider{prov},
		CallbackSecrets: map[string][]byte{TestProviderName: testSecret}, Logger: log, Now: clk.Now})
	return &fixture{Core: c, d: d, logs: logs, clock: clk, prov: prov}
}

// intent creates an intent for amount USD.
func (f *fixture) intent(t testing.TB, amount int64) Intent {
	t.Helper()
	in, err := f.CreateIntent(context.Background(), IntentRequest{OrderID: "order-" + randomHex(4), Amount: amount, Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// authorized creates an intent for amount and authorizes it with the succeeding card.
func (f *fixture) authorized(t testing.TB, amount int64) Intent {
	t.Helper()
	in, err := f.Authorize(context.Background(), f.intent(t, amount).ID, Card{Number: CardSucceeds})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// admin is a context allowed to refund.
func admin() context.Context {
	return auth.WithPrincipal(context.Background(), authtest.Principal(auth.Admin))
}

// eventCount returns how many events of type typ are in the outbox.
func eventCount(t testing.TB, d *db.DB, typ string) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM events_outbox WHERE type = $1`, typ).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
