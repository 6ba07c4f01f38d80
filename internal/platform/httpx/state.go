package httpx

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// headerRequestID is canonical so it can index the header map directly.
const headerRequestID = "X-Request-Id"

// stateKey is the context key of the per-request state.
type stateKey struct{}

// requestState is everything the plumbing tracks about one request. It is
// the request's only context value and one allocation: the ResponseWriter
// wrapper and the header slice for the request id live inside it.
type requestState struct {
	rw         responseWriter
	start      time.Time
	id         string
	idHeader   [1]string // backing array for the X-Request-Id header value
	route      string    // set by the Router's route handler; "" until matched
	spanName   string
	logger     *slog.Logger
	maxBody    int64
	trustProxy bool
}

func stateFrom(ctx context.Context) *requestState {
	st, _ := ctx.Value(stateKey{}).(*requestState)
	return st
}

// RequestID returns the request id Middleware gave the request, or "".
func RequestID(ctx context.Context) string {
	if st := stateFrom(ctx); st != nil {
		return st.id
	}
	return ""
}

// loggerFor returns the Middleware's logger, or slog's default when the
// handler runs without Middleware (tests, ad-hoc servers).
func loggerFor(r *http.Request) *slog.Logger {
	if st := stateFrom(r.Context()); st != nil {
		return st.logger
	}
	return slog.Default()
}

// validRequestID accepts ids a proxy or client may send: short, and made of
// characters that cannot break a log line or a header.
func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

// newRequestID returns a UUIDv7: time-ordered, so ids sort like the log, and
// 74 random bits from the runtime's per-thread ChaCha8 generator, which needs
// no lock and no system call (ids are correlation handles, not secrets).
func newRequestID(now time.Time) string {
	var b [16]byte
	ms := uint64(now.UnixMilli())
	binary.BigEndian.PutUint16(b[0:2], uint16(ms>>32))
	binary.BigEndian.PutUint32(b[2:6], uint32(ms))
	binary.LittleEndian.PutUint16(b[6:8], uint16(rand.Uint32()))
	binary.LittleEndian.PutUint64(b[8:16], rand.Uint64())
	b[6] = 0x70 | b[6]&0x0f // version 7
	b[8] = 0x80 | b[8]&0x3f // RFC 9562 variant
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// ClientIP returns the client's address. Behind trusted proxies
// (Options.TrustProxyHeaders) it is the rightmost public address in
// X-Forwarded-For: every proxy appends the peer it saw, so entries to the
// left of the first public one may be forged by the client, while private
// ones to the right are our own proxies. Without trust, or without a usable
// header, it is the host of RemoteAddr.
func ClientIP(r *http.Request) string {
	if st := stateFrom(r.Context()); st != nil && st.trustProxy {
		if ip := forwardedFor(r.Header.Values("X-Forwarded-For")); ip != "" {
			return ip
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func forwardedFor(values []string) string {
	leftmost := ""
	for i := len(values) - 1; i >= 0; i-- {
		v := values[i]
		for v != "" {
			var part string
			if j := strings.LastIndexByte(v, ','); j >= 0 {
				part, v = v[j+1:], v[:j]
			} else {
				part, v = v, ""
			}
			part = strings.TrimSpace(part)
			addr, err := netip.ParseAddr(part)
			if err != nil {
				continue
			}
			if !addr.IsPrivate() && !addr.IsLoopback() && !addr.IsLinkLocalUnicast() {
				return part
			}
			leftmost = part
		}
	}
	// Only internal addresses: the client is on an internal network too.
	return leftmost
}
