package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/pasarhq/pasar/internal/platform/db"
)

// natsEnv points tests at an external NATS server with JetStream.
const natsEnv = "PASAR_TEST_NATS_URL"

// testLog discards logs unless PASAR_TEST_LOG is set, which helps when a test hangs.
func testLog() *slog.Logger {
	if os.Getenv("PASAR_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// uniq returns prefix plus random hex, so parallel tests never share a stream, subject or durable.
func uniq(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startEmbedded starts a NATS server that the test shuts down when it ends.
func startEmbedded(t testing.TB, listen, dir string) *Embedded {
	t.Helper()
	e, err := StartEmbedded(EmbeddedOptions{StoreDir: dir, Listen: listen}, testLog())
	if err != nil {
		t.Fatalf("start embedded NATS: %v", err)
	}
	t.Cleanup(e.Shutdown)
	return e
}

// connectBus connects to url with a stream and subject prefix of the test's own. On the external
// server it deletes the stream when the test ends, leaving the server as it was; an embedded
// server's store goes with the test's temporary folder.
func connectBus(t testing.TB, url string) *Bus {
	t.Helper()
	b, err := Connect(context.Background(), BusOptions{
		URL: url, Stream: uniq("TEST_"), SubjectPrefix: uniq("t"), Name: "pasar-test",
		Logger: testLog(), Registerer: prometheus.NewRegistry(),
	})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if url == os.Getenv(natsEnv) {
			if err := b.js.DeleteStream(ctx, b.stream); err != nil {
				t.Errorf("delete stream %s: %v", b.stream, err)
			}
		}
		b.Close()
	})
	return b
}

// prepare applies the package's migrations and a table the test handlers count deliveries in.
func prepare(t testing.TB, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Migrate(ctx, d, "events", Migrations); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	_, err := d.ExecContext(ctx, `CREATE TABLE applied (consumer TEXT NOT NULL, event_id TEXT NOT NULL,
		type TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (consumer, event_id))`)
	if err != nil {
		t.Fatalf("create applied: %v", err)
	}
}

// apply counts ev for consumer in tx; a second application of one event shows as n = 2.
func apply(ctx context.Context, tx *db.Tx, consumer string, ev Event) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO applied (consumer, event_id, type, n) VALUES ($1, $2, $3, 1)
		ON CONFLICT (consumer, event_id) DO UPDATE SET n = applied.n + 1`, consumer, ev.ID, ev.Type)
	return err
}

// counting is a handler that applies every event.
func counting(consumer string) Handler {
	return func(ctx context.Context, tx *db.Tx, ev Event) error { return apply(ctx, tx, consumer, ev) }
}

// applied reports how many distinct events consumer applied and how many applications there were.
func applied(t testing.TB, d *db.DB, consumer string) (events, total int) {
	t.Helper()
	err := d.QueryRowContext(context.Background(), `SELECT COUNT(*), COALESCE(SUM(n), 0) FROM applied
		WHERE consumer = $1`, consumer).Scan(&events, &total)
	if err != nil {
		t.Fatalf("count applied: %v", err)
	}
	return events, total
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runOutbox runs o's relay until the test ends.
func runOutbox(t testing.TB, o *Outbox) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := o.Run(ctx); err != nil {
			t.Errorf("relay: %v", err)
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// subscribe starts a consumer that the test stops when it ends.
func subscribe(t testing.TB, b *Bus, d *db.DB, o ConsumerOptions, h Handler) *Consumer {
	t.Helper()
	if o.Logger == nil {
		o.Logger = testLog()
	}
	c, err := Subscribe(context.Background(), b, d, o, h)
	if err != nil {
		t.Fatalf("subscribe %s: %v", o.Name, err)
	}
	t.Cleanup(c.Stop)
	return c
}

// addEvents commits one transaction per event of type typ and returns their ids.
func addEvents(t testing.TB, d *db.DB, o *Outbox, typ string, n int) []string {
	t.Helper()
	ids := make([]string, 0, n)
	for i := range n {
		var ev Event
		err := d.InTx(context.Background(), func(tx *db.Tx) error {
			var err error
			ev, err = o.Add(context.Background(), tx, typ, 1, map[string]int{"n": i})
			return err
		})
		if err != nil {
			t.Fatalf("add %s: %v", typ, err)
		}
		ids = append(ids, ev.ID)
	}
	return ids
}

// streamMsgs reports how many messages the bus's stream holds.
func streamMsgs(t testing.TB, b *Bus) uint64 {
	t.Helper()
	s, err := b.js.Stream(context.Background(), b.stream)
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatalf("stream info: %v", err)
	}
	return info.State.Msgs
}

// value reads a counter or gauge.
func value(m prometheus.Metric) float64 {
	var out dto.Metric
	if err := m.Write(&out); err != nil {
		panic(fmt.Sprintf("read metric: %v", err))
	}
	if out.Counter != nil {
		return out.Counter.GetValue()
	}
	return out.Gauge.GetValue()
}
