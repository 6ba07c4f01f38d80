package payment

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// TestCardNumbersNeverStoredOrLogged pays with every test card (and a mistyped one), step by step
// and with Pay, then reads every row of every table in the store and every log line, looking for
// the numbers.
func TestCardNumbersNeverStoredOrLogged(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		pans := []string{CardSucceeds, CardDeclined, CardInsufficientFunds, "4242424242424241", "5555555555554444"}
		for _, pan := range pans {
			in := f.intent(t, 1234)
			f.Authorize(ctx, in.ID, Card{Number: pan, CVC: "987", ExpMonth: 1, ExpYear: 2099})
			spaced := pan[:4] + " " + pan[4:8] + " " + pan[8:12] + " " + pan[12:]
			f.Authorize(ctx, in.ID, Card{Number: spaced, CVC: "987"})
			f.Capture(ctx, in.ID, 0)
			f.Refund(admin(), in.ID, 0, "test")
			// Pay writes the intent with the card's outcome in one go: the same holds there.
			r := IntentRequest{OrderID: "pay-" + randomHex(4), Amount: 1234, Currency: "USD", IdempotencyKey: "pay-" + randomHex(8)}
			f.Pay(ctx, r, Card{Number: pan, CVC: "987", ExpMonth: 1, ExpYear: 2099}, true)
			f.Pay(ctx, r, Card{Number: spaced, CVC: "987"}, false)
		}
		dump := dumpStore(t, d) + f.logs.String()
		if !strings.Contains(dump, "4242") {
			t.Fatal("the dump has no last four digits: the scan is not reading what was stored")
		}
		flat := strings.NewReplacer(" ", "", "-", "").Replace(dump)
		for _, pan := range pans {
			if strings.Contains(flat, pan[:12]) || strings.Contains(flat, pan[6:]) {
				t.Errorf("card number %s found in the store or logs", pan)
			}
		}
	})
}

// dumpStore returns every value of every row of every table in d's schema, as text.
func dumpStore(t *testing.T, d *db.DB) string {
	t.Helper()
	ctx := context.Background()
	q := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if d.Engine() == db.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	rows, err := d.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) < 4 {
		t.Fatalf("found only tables %v", tables)
	}
	var b strings.Builder
	for _, table := range tables {
		rows, err := d.QueryContext(ctx, `SELECT * FROM `+table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, "%v\t", v)
			}
			b.WriteString("\n")
		}
		rows.Close()
	}
	return b.String()
}
