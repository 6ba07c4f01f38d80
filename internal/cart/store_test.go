package cart

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// TestStoreContract runs the Store contract against every implementation.
func TestStoreContract(t *testing.T) {
	t.Parallel()
	storeKinds(t, func(t *testing.T, st Store, _ *db.DB) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Millisecond)
		newCart := func(customer, currency string) Cart {
			c := Cart{ID: NewID(), Currency: currency, CustomerID: customer, Items: []Item{}, CreatedAt: now, UpdatedAt: now}
			if err := st.Create(ctx, c); err != nil {
				t.Fatal(err)
			}
			return c
		}
		t.Run("create and get", func(t *testing.T) {
			c := newCart("", "USD")
			got, err := st.Get(ctx, c.ID)
			if err != nil || got.ID != c.ID || got.Currency != "USD" || got.Version != 1 {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
		t.Run("missing", func(t *testing.T) {
			for name, f := range map[string]func() error{
				"get":    func() error { _, err := st.Get(ctx, NewID()); return err },
				"update": func() error { _, err := st.Update(ctx, NewID(), func(*Cart) error { return nil }); return err },
				"take":   func() error { _, err := st.Take(ctx, NewID()); return err },
				"remove": func() error { return st.Remove(ctx, NewID(), "", true) },
				"customer": func() error {
					_, err := st.CustomerCart(ctx, "nobody", "USD")
					return err
				},
			} {
				if err := f(); !errors.Is(err, ErrNotFound) {
					t.Errorf("%s: %v, want ErrNotFound", name, err)
				}
			}
		})
		t.Run("remove checks the owner", func(t *testing.T) {
			guest, mine := newCart("", "USD"), newCart("cust-a", "USD")
			if err := st.Remove(ctx, mine.ID, "cust-b", false); !errors.Is(err, ErrNotFound) {
				t.Errorf("another customer removes: %v", err)
			}
			if _, err := st.Get(ctx, mine.ID); err != nil {
				t.Fatalf("cart gone after a refused remove: %v", err)
			}
			for _, r := range []struct {
				id, customer string
				any          bool
			}{{guest.ID, "cust-b", false}, {mine.ID, "cust-a", false}, {newCart("cust-c", "USD").ID, "", true}} {
				if err := st.Remove(ctx, r.id, r.customer, r.any); err != nil {
					t.Errorf("remove %+v: %v", r, err)
				}
				if _, err := st.Get(ctx, r.id); !errors.Is(err, ErrNotFound) {
					t.Errorf("after remove %+v: %v", r, err)
				}
				if err := st.Remove(ctx, r.id, r.customer, r.any); !errors.Is(err, ErrNotFound) {
					t.Errorf("second remove %+v: %v", r, err)
				}
			}
		})
		t.Run("update bumps version and fn error aborts", func(t *testing.T) {
			c := newCart("", "USD")
			got, err := st.Update(ctx, c.ID, func(c *Cart) error {
				c.Items = append(c.Items, Item{SKU: "A", Quantity: 2})
				return nil
			})
			if err != nil || got.Version != 2 || len(got.Items) != 1 {
				t.Fatalf("got %+v, %v", got, err)
			}
			boom := errors.New("boom")
			if _, err := st.Update(ctx, c.ID, func(c *Cart) error { c.Items = nil; return boom }); !errors.Is(err, boom) {
				t.Fatalf("err = %v", err)
			}
			if got, _ := st.Get(ctx, c.ID); len(got.Items) != 1 || got.Version != 2 {
				t.Fatalf("aborted update was written: %+v", got)
			}
		})
		t.Run("concurrent updates all count", func(t *testing.T) {
			c := newCart("", "USD")
			const n = 16
			var wg sync.WaitGroup
			for range n {
				wg.Go(func() {
					_, err := st.Update(ctx, c.ID, func(c *Cart) error {
						if len(c.Items) == 0 {
							c.Items = append(c.Items, Item{SKU: "A"})
						}
						c.Items[0].Quantity++
						return nil
					})
					if err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			got, _ := st.Get(ctx, c.ID)
			if len(got.Items) != 1 || got.Items[0].Quantity != n || got.Version != n+1 {
				t.Fatalf("got %+v, want quantity %d", got, n)
			}
		})
		t.Run("take once", func(t *testing.T) {
			c := newCart("", "EUR")
			var wg sync.WaitGroup
			var mu sync.Mutex
			taken := 0
			for range 8 {
				wg.Go(func() {
					if _, err := st.Take(ctx, c.ID); err == nil {
						mu.Lock()
						taken++
						mu.Unlock()
					} else if !errors.Is(err, ErrNotFound) {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if taken != 1 {
				t.Fatalf("taken %d times", taken)
			}
			if _, err := st.Get(ctx, c.ID); !errors.Is(err, ErrNotFound) {
				t.Fatalf("taken cart still there: %v", err)
			}
		})
		t.Run("customer cart is the latest in the currency", func(t *testing.T) {
			customer := "user-" + NewID()[:8]
			newCart(customer, "USD")
			newCart(customer, "EUR")
			later := newCart(customer, "USD")
			if _, err := st.Update(ctx, later.ID, func(c *Cart) error { c.UpdatedAt = now.Add(time.Second); return nil }); err != nil {
				t.Fatal(err)
			}
			got, err := st.CustomerCart(ctx, customer, "USD")
			if err != nil || got.ID != later.ID {
				t.Fatalf("got %s, %v; want %s", got.ID, err, later.ID)
			}
			if _, err := st.Take(ctx, later.ID); err != nil {
				t.Fatal(err)
			}
			if got, err := st.CustomerCart(ctx, customer, "GBP"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("GBP cart: %+v, %v", got, err)
			}
		})
	})
}

// TestRedisExpiry checks that a Redis cart expires TTL after its last change.
func TestRedisExpiry(t *testing.T) {
	t.Parallel()
	st := redisStore(t, 1500*time.Millisecond)
	ctx := context.Background()
	c := Cart{ID: NewID(), Currency: "USD", Items: []Item{}}
	if err := st.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	ttl, err := st.rdb.PTTL(ctx, st.key(c.ID)).Result()
	if err != nil || ttl <= 0 || ttl > 1500*time.Millisecond {
		t.Fatalf("ttl %v, %v", ttl, err)
	}
	time.Sleep(1700 * time.Millisecond)
	if _, err := st.Get(ctx, c.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("cart outlived its ttl: %v", err)
	}
}

func TestValidID(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		id   string
		want bool
	}{
		{"new id", NewID(), true},
		{"short", "abc", false},
		{"upper case", "ABCDEFABCDEFABCDEFABCDEFABCDEFAB", false},
		{"non-hex", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", false},
		{"injection", "' OR 1=1 --xxxxxxxxxxxxxxxxxxxxxx", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := ValidID(c.id); got != c.want {
				t.Fatalf("ValidID(%q) = %v", c.id, got)
			}
		})
	}
}

func TestSQLDeleteIdle(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := db.Migrate(ctx, d, "cart", Migrations); err != nil {
			t.Fatal(err)
		}
		st := NewSQLStore(d)
		now := time.Now()
		old := Cart{ID: NewID(), Currency: "USD", UpdatedAt: now.Add(-48 * time.Hour)}
		fresh := Cart{ID: NewID(), Currency: "USD", UpdatedAt: now}
		for _, c := range []Cart{old, fresh} {
			if err := st.Create(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		n, err := st.DeleteIdle(ctx, now.Add(-24*time.Hour), 100)
		if err != nil || n != 1 {
			t.Fatalf("deleted %d, %v", n, err)
		}
		if _, err := st.Get(ctx, old.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("idle cart kept: %v", err)
		}
		if _, err := st.Get(ctx, fresh.ID); err != nil {
			t.Fatalf("fresh cart deleted: %v", err)
		}
	})
}
