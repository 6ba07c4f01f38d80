package httpx

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/pasarhq/pasar/internal/platform/apperr"
)

// Options configures Middleware. The zero value logs nothing, sets no
// timeout and no body limit beyond Decode's default, and does not trace.
type Options struct {
	Logger            *slog.Logger         // access log and errors; nil discards
	RequestTimeout    time.Duration        // deadline on the request context; 0 = none
	MaxBodyBytes      int64                // request body limit; 0 = none (Decode still caps at DefaultMaxBodyBytes)
	TracerProvider    trace.TracerProvider // nil = no tracing, and no tracing cost
	TrustProxyHeaders bool                 // take the client address from X-Forwarded-For (see ClientIP)
}

// Middleware wraps h (usually a Router) with the plumbing every request
// gets: a request id (a sane inbound X-Request-Id or a new one, echoed in the
// response), panic recovery (a 500 problem; http.ErrAbortHandler passes
// through), one access log line, a context deadline, a body size limit and a
// server span continuing an inbound W3C trace context. It belongs outermost,
// so the log and the span cover everything inside.
//
// The timeout only sets the context's deadline: handlers and the stores they
// call must honour ctx. The server's WriteTimeout remains the hard stop.
func Middleware(h http.Handler, o Options) http.Handler {
	m := &middleware{next: h, opts: o, logger: o.Logger}
	if m.logger == nil {
		m.logger = slog.New(slog.DiscardHandler)
	}
	if o.TracerProvider != nil {
		m.tracer = o.TracerProvider.Tracer("github.com/pasarhq/pasar/internal/platform/httpx")
		m.spanOpts = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)}
	}
	return m
}

type middleware struct {
	next     http.Handler
	opts     Options
	logger   *slog.Logger
	tracer   trace.Tracer // nil when not tracing
	spanOpts []trace.SpanStartOption
}

func (m *middleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := &requestState{
		start:      time.Now(),
		logger:     m.logger,
		maxBody:    m.opts.MaxBodyBytes,
		trustProxy: m.opts.TrustProxyHeaders,
	}
	st.rw.ResponseWriter, st.rw.st = w, st
	if id := r.Header.Get(headerRequestID); validRequestID(id) {
		st.id = id
	} else {
		st.id = newRequestID(st.start)
	}
	st.idHeader[0] = st.id
	w.Header()[headerRequestID] = st.idHeader[:] // no []string allocation, unlike Header.Set

	ctx := context.WithValue(r.Context(), stateKey{}, st)
	var span trace.Span
	if m.tracer != nil {
		ctx = propagation.TraceContext{}.Extract(ctx, propagation.HeaderCarrier(r.Header))
		ctx, span = m.tracer.Start(ctx, r.Method, m.spanOpts...) // renamed to "METHOD route" once routed
	}
	if m.opts.RequestTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, m.opts.RequestTimeout)
		defer cancel()
	}
	r = r.WithContext(ctx)
	if m.opts.MaxBodyBytes > 0 && r.Body != nil && r.Body != http.NoBody {
		// The server's own writer, not ours: MaxBytesReader tells it to
		// close the connection rather than drain an oversized body.
		r.Body = http.MaxBytesReader(w, r.Body, m.opts.MaxBodyBytes)
	}

	defer m.finish(st, r, span)
	m.next.ServeHTTP(&st.rw, r)
}

// finish runs deferred: it recovers a panic, then ends the span and writes
// the access log line, so both see the final status.
func (m *middleware) finish(st *requestState, r *http.Request, span trace.Span) {
	abort := false
	if v := recover(); v != nil {
		abort = m.recovered(v, st, r)
	}
	if span != nil {
		m.endSpan(span, st, r)
	}
	m.logAccess(st, r, span)
	if abort {
		panic(http.ErrAbortHandler) // the server closes the connection without logging
	}
}

// recovered answers a panic with a 500 problem and logs it with its stack.
// It reports whether the connection must be aborted instead: the handler
// asked so (http.ErrAbortHandler) or half a response is already out, which
// a client must not mistake for a whole one.
func (m *middleware) recovered(v any, st *requestState, r *http.Request) (abort bool) {
	if v == http.ErrAbortHandler { //nolint:errorlint // net/http compares it the same way
		return true
	}
	m.logger.LogAttrs(r.Context(), slog.LevelError, "panic",
		slog.String("request_id", st.id),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Any("panic", v),
		slog.String("stack", string(debug.Stack())))
	if st.rw.wroteHeader {
		return true
	}
	h := st.rw.Header()
	clear(h) // whatever the handler set was for a response it never made
	h[headerRequestID] = st.idHeader[:]
	writeProblem(&st.rw, Problem{Status: http.StatusInternalServerError, Code: apperr.Internal.String(),
		Detail: internalDetail, Instance: r.URL.Path, RequestID: st.id})
	return false
}

// logAccess writes the request's one access log line. It builds the record
// itself: Logger.LogAttrs would also capture the caller's PC, a stack walk
// per request for a source that is always this function.
func (m *middleware) logAccess(st *requestState, r *http.Request, span trace.Span) {
	ctx, h := r.Context(), m.logger.Handler()
	if !h.Enabled(ctx, slog.LevelInfo) {
		return // skip the clock read and the formatting below
	}
	route := st.route
	if route == "" {
		route = routeUnmatched
	}
	now := time.Now()
	rec := slog.NewRecord(now, slog.LevelInfo, "request", 0)
	rec.AddAttrs(
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("route", route),
		slog.Int("status", st.rw.statusOr()),
		slog.Int64("bytes", st.rw.bytes),
		slog.Duration("duration", now.Sub(st.start)),
		slog.String("request_id", st.id),
		slog.String("remote", ClientIP(r)))
	if span != nil && span.SpanContext().HasTraceID() {
		rec.AddAttrs(slog.String("trace_id", span.SpanContext().TraceID().String()))
	}
	_ = h.Handle(ctx, rec) // a log sink's error has nowhere better to go
}

func (m *middleware) endSpan(span trace.Span, st *requestState, r *http.Request) {
	status := st.rw.statusOr()
	if st.spanName != "" {
		span.SetName(st.spanName)
	}
	if span.IsRecording() {
		span.SetAttributes(
			attribute.String("http.request.method", r.Method),
			attribute.String("url.path", r.URL.Path),
			attribute.String("http.route", st.route),
			attribute.Int("http.response.status_code", status),
			attribute.String("client.address", ClientIP(r)),
			attribute.String("pasar.request_id", st.id))
		if status >= 500 {
			span.SetStatus(codes.Error, "")
		}
	}
	span.End()
}
