// Package httpx is the HTTP plumbing every Pasar service shares: a Router on
// the standard library's ServeMux with per-route metrics, the outermost
// Middleware (request ids, panic recovery, access log, timeout, body limit,
// tracing), RFC 9457 problem responses and strict JSON decoding.
//
// It sits on the hot path of every request, so per-request work is kept to
// one small state value (found through the request context) that also holds
// the status-recording ResponseWriter; metric children are resolved once per
// route, not per request.
package httpx
