package auth

import "sync"

// verified remembers tokens whose signature checked out, so a client presenting the same
// token on every request pays for one signature check, not one per request. It holds at most
// size tokens; when full it starts over, which costs one re-check per live token and needs no
// bookkeeping on the hot path.
type verified struct {
	mu   sync.RWMutex
	m    map[string]Claims
	size int
}

func newVerified(size int) *verified { return &verified{m: make(map[string]Claims, size), size: size} }

func (v *verified) get(token string) (Claims, bool) {
	if v == nil {
		return Claims{}, false
	}
	v.mu.RLock()
	c, ok := v.m[token]
	v.mu.RUnlock()
	return c, ok
}

func (v *verified) put(token string, c Claims) {
	if v == nil {
		return
	}
	v.mu.Lock()
	if len(v.m) >= v.size {
		clear(v.m)
	}
	v.m[token] = c
	v.mu.Unlock()
}
