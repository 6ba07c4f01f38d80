package events

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// TestSeveralTypes: a consumer of several event types receives those and no others, on the
// embedded server (which filters for it) and on the external one, which may predate NATS 2.10
// and send every event for the consumer to drop.
func TestSeveralTypes(t *testing.T) {
	t.Parallel()
	servers := map[string]string{"embedded": startEmbedded(t, "", t.TempDir()).ClientURL()}
	if u := os.Getenv(natsEnv); u != "" {
		servers["external"] = u
	} else {
		t.Logf("external server skipped: set %s", natsEnv)
	}
	for name, url := range servers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := dbtest.Open(t, db.SQLite)
			prepare(t, d)
			b := connectBus(t, url)
			cname := uniq("several")
			subscribe(t, b, d, ConsumerOptions{Name: cname, Types: []string{"product.*", "category.*"}}, counting("several"))
			ctx := context.Background()
			for i, typ := range []string{"order.placed", "product.upserted", "stock.changed", "category.changed", "product.deleted"} {
				data, _ := json.Marshal(Event{ID: "evt-" + typ, Type: typ, Version: 1, Time: time.Now(), Data: json.RawMessage(`{}`)})
				if _, err := b.js.Publish(ctx, b.subject(typ), data); err != nil {
					t.Fatalf("publish %d: %v", i, err)
				}
			}
			waitFor(t, 20*time.Second, "the last wanted event", func() bool {
				n, _ := applied(t, d, "several")
				return n == 3
			})
			var others int
			if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM applied WHERE type NOT LIKE 'product.%' AND type NOT LIKE 'category.%'`).Scan(&others); err != nil || others != 0 {
				t.Fatalf("%d events of other types applied (%v)", others, err)
			}
		})
	}
}

func TestMultiFilter(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]bool{"2.9.10": false, "2.10.0": true, "2.11.3": true, "3.0.0": true, "": true, "1.4.1": false} {
		if got := multiFilter(v); got != want {
			t.Errorf("multiFilter(%q) = %v", v, got)
		}
	}
}
