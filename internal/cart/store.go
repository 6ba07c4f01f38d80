package cart

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"
)

// Store keeps carts. Every implementation passes the contract suite in store_test.go.
type Store interface {
	// Create stores a new cart (c.Version is set to 1).
	Create(ctx context.Context, c Cart) error
	// Get returns cart id, or ErrNotFound.
	Get(ctx context.Context, id string) (Cart, error)
	// Update reads cart id, lets fn change it and writes it back if nobody wrote it meanwhile;
	// otherwise it reads again and reruns fn, so concurrent changes are all kept. An error from
	// fn aborts without writing. It returns the cart as written.
	Update(ctx context.Context, id string, fn func(*Cart) error) (Cart, error)
	// Take removes cart id and returns it; of two concurrent Takes only one gets the cart.
	Take(ctx context.Context, id string) (Cart, error)
	// Remove deletes cart id if it belongs to no customer or to customerID (to anyone when
	// anyOwner), without reading it; otherwise, or when there is no such cart, ErrNotFound.
	Remove(ctx context.Context, id, customerID string, anyOwner bool) error
	// CustomerCart returns the customer's most recently changed cart in currency, or ErrNotFound.
	CustomerCart(ctx context.Context, customerID, currency string) (Cart, error)
}

// maxUpdateAttempts bounds the optimistic retries of Update; the backoff grows with the attempt
// so a crowd of writers spreads out instead of colliding again.
const maxUpdateAttempts = 100

func backoff(ctx context.Context, attempt int) error {
	d := time.Duration(attempt) * 200 * time.Microsecond
	var b [1]byte
	rand.Read(b[:])
	d += time.Duration(b[0]) * time.Microsecond
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// NewID returns an unguessable cart id: 128 random bits in hex.
func NewID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ValidID reports whether id has the shape NewID gives.
func ValidID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
