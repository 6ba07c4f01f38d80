package identity

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"sync"
	"time"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
)

const (
	// keyReload is how often a process rereads the keys, so it starts signing with a key
	// `pasar keys rotate` added elsewhere.
	keyReload = time.Minute
	// publishDelay is how long a new key is published before anyone signs with it. Verifiers
	// refetch on an unknown kid at most every few seconds, so by then every cache that could
	// have missed the key has had its chance to refetch.
	publishDelay = 2 * time.Minute
	// keyRetention is how long a key stays published after a newer one took over signing;
	// it must outlast the longest access token (AccessTTL is at most an hour).
	keyRetention = 24 * time.Hour
)

type storedKey struct {
	key     auth.SigningKey
	created time.Time
}

// keyring caches the signing keys of the store.
type keyring struct {
	d    *db.DB
	now  func() time.Time
	seal *keySeal

	mu     sync.Mutex
	keys   []storedKey // oldest first, retired ones excluded
	loaded time.Time
}

func newKeyring(d *db.DB, now func() time.Time, seal *keySeal) *keyring {
	return &keyring{d: d, now: now, seal: seal}
}

// ensure creates the first key when the store has none, then loads.
func (k *keyring) ensure(ctx context.Context) error {
	var n int
	if err := k.d.QueryRowContext(ctx, `SELECT COUNT(*) FROM signing_keys WHERE retired_at IS NULL`).Scan(&n); err != nil {
		return fmt.Errorf("count signing keys: %w", err)
	}
	if n == 0 {
		// The first key may sign at once: no verifier can hold a key set without it.
		if _, err := addKey(ctx, k.d, k.now().Add(-publishDelay), k.seal); err != nil {
			return err
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.loadLocked(ctx)
}

func (k *keyring) loadLocked(ctx context.Context) error {
	rows, err := k.d.QueryContext(ctx, `SELECT kid, private_key, created_at FROM signing_keys
		WHERE retired_at IS NULL ORDER BY created_at, kid`)
	if err != nil {
		return fmt.Errorf("load signing keys: %w", err)
	}
	defer rows.Close()
	var keys []storedKey
	for rows.Next() {
		var kid, priv string
		var created int64
		if err := rows.Scan(&kid, &priv, &created); err != nil {
			return fmt.Errorf("load signing keys: %w", err)
		}
		seed, err := k.seal.open(kid, priv)
		if err != nil {
			return err
		}
		keys = append(keys, storedKey{auth.SigningKey{ID: kid, Private: ed25519.NewKeyFromSeed(seed)}, time.UnixMilli(created)})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load signing keys: %w", err)
	}
	if len(keys) == 0 {
		return fmt.Errorf("no signing keys in the identity store; run pasar keys rotate")
	}
	k.keys, k.loaded = keys, k.now()
	return nil
}

func (k *keyring) current(ctx context.Context) ([]storedKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.now().Sub(k.loaded) >= keyReload {
		if err := k.loadLocked(ctx); err != nil && len(k.keys) == 0 {
			return nil, err
		}
	}
	return k.keys, nil
}

// signing returns the newest key published for at least publishDelay, or the oldest key.
func (k *keyring) signing(ctx context.Context) (auth.SigningKey, error) {
	keys, err := k.current(ctx)
	if err != nil {
		return auth.SigningKey{}, err
	}
	cutoff := k.now().Add(-publishDelay)
	use := keys[0]
	for _, s := range keys[1:] {
		if !s.created.After(cutoff) {
			use = s
		}
	}
	return use.key, nil
}

// publicKeys is the JWKS of every key not retired.
func (k *keyring) publicKeys(ctx context.Context) (auth.JWKS, error) {
	keys, err := k.current(ctx)
	if err != nil {
		return auth.JWKS{}, err
	}
	s := auth.JWKS{Keys: make([]auth.JWK, 0, len(keys))}
	for _, sk := range keys {
		s.Keys = append(s.Keys, sk.key.PublicJWK())
	}
	return s, nil
}

// addKey stores a new key created at created.
func addKey(ctx context.Context, q db.Querier, created time.Time, seal *keySeal) (auth.SigningKey, error) {
	key, err := auth.NewSigningKey()
	if err != nil {
		return auth.SigningKey{}, err
	}
	pub := key.Private.Public().(ed25519.PublicKey)
	_, err = q.ExecContext(ctx, `INSERT INTO signing_keys (kid, public_key, private_key, created_at) VALUES ($1, $2, $3, $4)`,
		key.ID, base64.RawStdEncoding.EncodeToString(pub), seal.seal(key.ID, key.Private.Seed()),
		created.UnixMilli())
	if err != nil {
		return auth.SigningKey{}, fmt.Errorf("store signing key: %w", err)
	}
	return key, nil
}

// RotateResult says what RotateKeys did.
type RotateResult struct {
	Added     string    // kid of the new key
	SignsFrom time.Time // when processes start signing with it
	Retired   []string  // kids no longer published
}

// RotateKeys adds a signing key, used for new tokens once it has been published for a while,
// and retires keys whose successor has signed for longer than any token lives. Tokens signed
// with the keys still published stay valid until they expire. The new key is encrypted with
// secret when it is set (see Options.KeySecret). `pasar keys rotate` calls it.
func RotateKeys(ctx context.Context, d *db.DB, now time.Time, secret string) (RotateResult, error) {
	seal, err := newKeySeal(secret)
	if err != nil {
		return RotateResult{}, err
	}
	var res RotateResult
	err = d.InTx(ctx, func(tx *db.Tx) error {
		res = RotateResult{}
		key, err := addKey(ctx, tx, now, seal)
		if err != nil {
			return err
		}
		res.Added, res.SignsFrom = key.ID, now.Add(publishDelay)
		rows, err := tx.QueryContext(ctx, `SELECT kid, created_at FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at, kid`)
		if err != nil {
			return fmt.Errorf("list signing keys: %w", err)
		}
		type kc struct {
			kid     string
			created int64
		}
		var all []kc
		for rows.Next() {
			var x kc
			if err := rows.Scan(&x.kid, &x.created); err != nil {
				rows.Close()
				return err
			}
			all = append(all, x)
		}
		rows.Close()
		for i := 0; i+1 < len(all); i++ {
			// all[i] stopped signing when all[i+1] started: its created_at plus publishDelay.
			stopped := time.UnixMilli(all[i+1].created).Add(publishDelay)
			if now.Sub(stopped) > keyRetention {
				if _, err := tx.ExecContext(ctx, `UPDATE signing_keys SET retired_at = $1 WHERE kid = $2`, now.UnixMilli(), all[i].kid); err != nil {
					return fmt.Errorf("retire key: %w", err)
				}
				res.Retired = append(res.Retired, all[i].kid)
			}
		}
		return nil
	})
	return res, err
}
