package waf

import (
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// verdicts remembers requests the rules passed without a single detection, so an identical
// request is let through without evaluating the rules again. It is sound because the verdict
// is a function of what the key holds: for a body-less request the CRS request rules at
// paranoia level 1 read only the method, the request target, the protocol, the headers and
// whether the peer is the loopback address (REQUEST-905); they read no clock, no counters kept
// across requests and no random input that can change a verdict (the sampling rule draws from
// UNIQUE_ID only when sampling is under 100%, and Pasar never lowers it).
// TestVerdictKeyCoversWhatTheRulesRead fails if a rule file starts reading anything else.
//
// Only requests that carry no credentials (Cookie, Authorization) and no body are remembered:
// public catalog reads, searches, pages and assets, which are what shoppers repeat. Only
// verdicts that let the request pass without a log line are remembered (a score under the
// blocking threshold is such a pass): a refused request, or one detect mode logs, is evaluated
// every time and gets its own incident.
//
// The set is bounded: two generations of at most max keys each; when the current one fills it
// becomes the old one and the one before is dropped, and a key found in the old generation is
// moved to the current one, so keys in use survive and a flood of unique requests costs at most
// 2*max keys of memory.
type verdicts struct {
	mu       sync.RWMutex
	cur, old map[string]struct{}
	max      int
}

// maxKeyBytes bounds one remembered key; longer requests are always evaluated.
const maxKeyBytes = 2048

func newVerdicts(max int) *verdicts {
	return &verdicts{cur: make(map[string]struct{}, max), old: map[string]struct{}{}, max: max}
}

func (v *verdicts) passed(key string) bool {
	v.mu.RLock()
	_, inCur := v.cur[key]
	_, inOld := v.old[key]
	v.mu.RUnlock()
	if inOld && !inCur {
		v.remember(key)
	}
	return inCur || inOld
}

func (v *verdicts) remember(key string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.cur) >= v.max {
		v.old, v.cur = v.cur, make(map[string]struct{}, v.max)
	}
	v.cur[key] = struct{}{}
}

// verdictKey returns the key of a request whose verdict may be remembered, or "" for one that
// must always be evaluated. Every part is length-prefixed, so no two requests share a key.
func verdictKey(r *http.Request) string {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return ""
	}
	if r.ContentLength != 0 || len(r.TransferEncoding) > 0 || (r.Body != nil && r.Body != http.NoBody) {
		return ""
	}
	if _, ok := r.Header["Cookie"]; ok {
		return ""
	}
	if _, ok := r.Header["Authorization"]; ok {
		return ""
	}
	var b strings.Builder
	b.Grow(512)
	put := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	put(r.Method)
	put(r.URL.RequestURI())
	put(r.Proto)
	put(r.Host)
	// REQUEST-905 exempts some requests from 127.0.0.1 and ::1: the exact loopback address is
	// part of the key, any other peer is not.
	if host, _ := splitHostPort(r.RemoteAddr); loopback(host) {
		put(host)
	} else {
		put("")
	}
	names := make([]string, 0, len(r.Header))
	for k := range r.Header {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		put(k)
		vs := r.Header[k]
		b.WriteString(strconv.Itoa(len(vs)))
		for _, v := range vs {
			put(v)
		}
		if b.Len() > maxKeyBytes {
			return ""
		}
	}
	return b.String()
}

func loopback(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
