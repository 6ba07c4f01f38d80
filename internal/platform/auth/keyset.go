package auth

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
)

// KeySource supplies the public keys access tokens may be signed with: the identity service's
// JWKS endpoint in another process, or its key store in the same one.
type KeySource interface {
	PublicKeys(ctx context.Context) (JWKS, error)
}

// KeySourceFunc adapts a function to KeySource.
type KeySourceFunc func(ctx context.Context) (JWKS, error)

// PublicKeys calls f.
func (f KeySourceFunc) PublicKeys(ctx context.Context) (JWKS, error) { return f(ctx) }

// JWKSURL fetches the key set from a URL, such as identity's /.well-known/jwks.json.
type JWKSURL struct {
	URL    string
	Client *http.Client // nil means a client with a 10 s timeout
}

var defaultJWKSClient = &http.Client{Timeout: 10 * time.Second}

// PublicKeys fetches and decodes the key set.
func (u JWKSURL) PublicKeys(ctx context.Context) (JWKS, error) {
	c := u.Client
	if c == nil {
		c = defaultJWKSClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.URL, nil)
	if err != nil {
		return JWKS{}, fmt.Errorf("jwks %s: %w", u.URL, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return JWKS{}, fmt.Errorf("jwks %s: %w", u.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return JWKS{}, fmt.Errorf("jwks %s: status %d", u.URL, resp.StatusCode)
	}
	var s JWKS
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&s); err != nil {
		return JWKS{}, fmt.Errorf("jwks %s: %w", u.URL, err)
	}
	return s, nil
}

// KeySetOptions tune a KeySet; zero values take the defaults named.
type KeySetOptions struct {
	Issuer     string        // when set, a token must carry it as "iss"
	Leeway     time.Duration // clock skew allowed on exp, nbf and iat; default 30 s
	MaxAge     time.Duration // keys are refetched once this old; default 10 min
	MinRefresh time.Duration // an unknown kid triggers a refetch at most this often; default 10 s
	CacheSize  int           // verified tokens remembered; default 10000, negative for none
	Now        func() time.Time
}

// KeySet verifies access tokens locally against cached public keys. It refetches them when
// they are older than MaxAge or a token names a kid it does not know, but not more often than
// MinRefresh, so a flood of forged kids cannot turn into a flood of fetches. When a refetch
// fails it keeps using the keys it has.
type KeySet struct {
	src  KeySource
	opts KeySetOptions
	keys atomic.Pointer[keyCache]
	seen *verified // nil when CacheSize is negative

	mu      sync.Mutex // one fetch at a time
	tried   time.Time  // last fetch attempt; guarded by mu
	lastErr error      // error of that attempt; guarded by mu
}

type keyCache struct {
	keys    map[string]ed25519.PublicKey
	fetched time.Time
}

var _ Verifier = (*KeySet)(nil)

// NewKeySet returns a verifier of tokens signed by the keys src supplies.
func NewKeySet(src KeySource, o KeySetOptions) *KeySet {
	if o.Leeway <= 0 {
		o.Leeway = 30 * time.Second
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 10 * time.Minute
	}
	if o.MinRefresh <= 0 {
		o.MinRefresh = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.CacheSize == 0 {
		o.CacheSize = 10000
	}
	ks := &KeySet{src: src, opts: o}
	if o.CacheSize > 0 {
		ks.seen = newVerified(o.CacheSize)
	}
	return ks
}

// Verify checks token and returns the Principal it was issued to.
func (ks *KeySet) Verify(ctx context.Context, token string) (Principal, error) {
	c, err := ks.Claims(ctx, token)
	if err != nil {
		return Principal{}, err
	}
	return c.Principal(), nil
}

// Claims checks token's algorithm, signature, times and issuer and returns its claims. Errors
// are ErrInvalidToken with the reason as cause, or Unavailable when no keys could be fetched.
func (ks *KeySet) Claims(ctx context.Context, token string) (Claims, error) {
	if c, ok := ks.seen.get(token); ok {
		// Same bytes, same signature: only the time claims can have changed their verdict.
		if err := c.check(ks.opts.Now(), ks.opts.Leeway, ks.opts.Issuer); err != nil {
			return Claims{}, ErrInvalidToken.WithCause(err)
		}
		return c, nil
	}
	p, err := parse(token)
	if err != nil {
		return Claims{}, ErrInvalidToken.WithCause(err)
	}
	pub, err := ks.key(ctx, p.header.Kid)
	if err != nil {
		return Claims{}, err
	}
	if !ed25519.Verify(pub, p.signed, p.sig) {
		return Claims{}, ErrInvalidToken.WithCause(errSignature)
	}
	var c Claims
	if err := strictJSON(p.payload, &c); err != nil {
		return Claims{}, ErrInvalidToken.WithCause(errMalformed)
	}
	if err := c.check(ks.opts.Now(), ks.opts.Leeway, ks.opts.Issuer); err != nil {
		return Claims{}, ErrInvalidToken.WithCause(err)
	}
	ks.seen.put(token, c)
	return c, nil
}

// ErrKeysUnavailable says no public keys could be fetched, so no token can be checked.
var ErrKeysUnavailable = apperr.New(apperr.Unavailable, "keys_unavailable", "Sign-in cannot be checked right now.")

func (ks *KeySet) key(ctx context.Context, kid string) (ed25519.PublicKey, error) {
	now := ks.opts.Now()
	c := ks.keys.Load()
	if c != nil {
		if k, ok := c.keys[kid]; ok {
			if now.Sub(c.fetched) < ks.opts.MaxAge {
				return k, nil
			}
			// Stale but known: one caller refetches while the others go on with the key they
			// have, instead of all waiting on the fetch.
			if !ks.mu.TryLock() {
				return k, nil
			}
			ks.mu.Unlock()
		}
	}
	c, err := ks.refresh(ctx, c, now)
	if c == nil {
		return nil, ErrKeysUnavailable.WithCause(err)
	}
	if k, ok := c.keys[kid]; ok {
		return k, nil
	}
	return nil, ErrInvalidToken.WithCause(fmt.Errorf("%w: kid %q", errUnknownKey, kid))
}

// refresh fetches the keys unless another caller just did (seen stands for what the caller
// saw) or the last attempt is younger than MinRefresh; it returns the keys to use.
func (ks *KeySet) refresh(ctx context.Context, seen *keyCache, now time.Time) (*keyCache, error) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if c := ks.keys.Load(); c != seen {
		return c, nil
	}
	if !ks.tried.IsZero() && now.Sub(ks.tried) < ks.opts.MinRefresh {
		return seen, ks.lastErr
	}
	ks.tried = now
	s, err := ks.src.PublicKeys(ctx)
	ks.lastErr = err
	if err != nil {
		return seen, err
	}
	c := &keyCache{keys: s.publicKeys(), fetched: now}
	ks.keys.Store(c)
	return c, nil
}

// Refresh fetches the keys now, ignoring MinRefresh; a process that just added a key calls it.
func (ks *KeySet) Refresh(ctx context.Context) error {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	now := ks.opts.Now()
	ks.tried = now
	s, err := ks.src.PublicKeys(ctx)
	ks.lastErr = err
	if err != nil {
		return err
	}
	ks.keys.Store(&keyCache{keys: s.publicKeys(), fetched: now})
	return nil
}
