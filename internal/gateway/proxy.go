package gateway

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// errNoReplica is the failure when every replica of a service has been tried.
var errNoReplica = errors.New("no replica left to try")

// proxy builds the reverse proxy for one service: httputil.ReverseProxy for the HTTP details
// (hop-by-hop headers, X-Forwarded-*, streaming, trailers), with a RoundTripper that picks the
// replica per attempt and retries where that is safe.
func (g *Gateway) proxy(p *pool) http.Handler {
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			if g.o.TrustProxy {
				// Behind a load balancer the client is already in X-Forwarded-For: keep the chain.
				pr.Out.Header["X-Forwarded-For"] = pr.In.Header["X-Forwarded-For"]
			}
			pr.SetXForwarded()
			// The id httpx.Middleware accepted or made, so the service logs under the same one.
			if id := httpx.RequestID(pr.In.Context()); id != "" {
				pr.Out.Header.Set("X-Request-Id", id)
			}
			// The replica's address is filled in per attempt; the client's Host header stays, so
			// pages that build absolute links still name the shop.
			pr.Out.URL.Scheme, pr.Out.URL.Host = "http", p.service
		},
		Transport:    &attempts{g: g, p: p},
		BufferPool:   g.buffers,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) { g.proxyError(w, r, p, err) },
		ErrorLog:     slog.NewLogLogger(g.log.Handler(), slog.LevelWarn),
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := &answer{ResponseWriter: w}
		if h := w.Header(); len(h) > 0 {
			a.own = make(http.Header, len(h))
			for k, v := range h {
				a.own[k] = v
				delete(h, k)
			}
		}
		rp.ServeHTTP(a, r)
	})
}

// answer is the proxy's ResponseWriter. The headers the gateway's own middleware and edge set
// before the proxy ran (request id, security headers, Vary) wait in own while the replica's are
// copied in, then fill in what the replica did not send: the replica runs the same chain, and
// ReverseProxy adds to what is there, so each of them came twice. A replica's value wins (a page
// may send a stricter policy); Vary gets the tokens of both.
//
// It also hides Flush from the proxy, except for event streams. ReverseProxy flushes a response
// of unknown length after every write, the headers first: the edge's gzip would then have to
// decide before seeing a byte and send everything uncompressed. Services answer whole documents,
// so nothing waits on those flushes.
type answer struct {
	http.ResponseWriter
	own http.Header
}

func (a *answer) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		a.restore()
	}
	a.ResponseWriter.WriteHeader(code)
}

func (a *answer) Write(p []byte) (int, error) {
	a.restore()
	return a.ResponseWriter.Write(p)
}

func (a *answer) restore() {
	if a.own == nil {
		return
	}
	h := a.Header()
	for k, v := range a.own {
		if got, ok := h[k]; !ok {
			h[k] = v
		} else if k == "Vary" {
			h[k] = mergeTokens(got, v)
		}
	}
	a.own = nil
}

// mergeTokens adds to a the comma-separated tokens of b it lacks (case-insensitive), as one value.
func mergeTokens(a, b []string) []string {
	if len(a) == 1 && len(b) == 1 && strings.EqualFold(a[0], b[0]) {
		return a // the usual case: both said Accept-Encoding
	}
	var out []string
	seen := map[string]bool{}
	for _, list := range [][]string{a, b} {
		for _, v := range list {
			for tok := range strings.SplitSeq(v, ",") {
				tok = strings.TrimSpace(tok)
				if tok != "" && !seen[strings.ToLower(tok)] {
					seen[strings.ToLower(tok)] = true
					out = append(out, tok)
				}
			}
		}
	}
	return []string{strings.Join(out, ", ")}
}

func (a *answer) Flush() error {
	if strings.HasPrefix(a.Header().Get("Content-Type"), "text/event-stream") {
		a.restore()
		return http.NewResponseController(a.ResponseWriter).Flush()
	}
	return nil
}

// proxyError answers a request no replica answered, as problem+json like every Pasar error.
func (g *Gateway) proxyError(w http.ResponseWriter, r *http.Request, p *pool, err error) {
	pr := httpx.Problem{Status: http.StatusBadGateway, Code: "bad_gateway",
		Detail: "The " + p.service + " service did not answer. Try again."}
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		return // the client left; nobody reads an answer
	case errors.As(err, &mbe):
		pr = httpx.Problem{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large",
			Detail: "The request body is larger than " + strconv.FormatInt(mbe.Limit, 10) + " bytes."}
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		pr.Status, pr.Code = http.StatusGatewayTimeout, "gateway_timeout"
		pr.Detail = "The " + p.service + " service did not answer in time."
	}
	g.log.LogAttrs(r.Context(), slog.LevelWarn, "proxy failed",
		slog.String("request_id", httpx.RequestID(r.Context())), slog.String("service", p.service),
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", pr.Status),
		slog.String("err", err.Error()))
	httpx.WriteProblem(w, r, pr)
}

// isTimeout reports whether err is a replica that did not answer within the response timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// attempts is the RoundTripper behind a service's proxy: it sends the request to a replica and,
// when that fails, to another one if that is safe. It is safe when the first replica never got
// the request (the connection was refused), and for requests that may be repeated: GET, HEAD,
// OPTIONS, and any request carrying an Idempotency-Key, which the service deduplicates.
type attempts struct {
	g *Gateway
	p *pool
}

func (a *attempts) RoundTrip(req *http.Request) (*http.Response, error) {
	g, p := a.g, a.p
	repeatable := idempotent(req)
	var body []byte
	var once *onceBody
	if req.Body != nil && req.Body != http.NoBody {
		if repeatable {
			b, err := io.ReadAll(req.Body) // bounded by the Middleware's MaxBodyBytes
			req.Body.Close()
			if err != nil {
				return nil, err
			}
			body = b
		} else {
			once = &onceBody{rc: req.Body}
		}
	}
	var tried uint64
	var lastErr error
	for attempt := 0; ; attempt++ {
		r := p.pick(tried)
		if r == nil {
			if lastErr == nil {
				lastErr = errNoReplica
			}
			return nil, lastErr
		}
		tried |= 1 << r.index
		out := a.target(req, r)
		switch {
		case body != nil:
			out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		case once != nil:
			out.Body = once
		}
		resp, err := a.send(out, r)
		last := attempt+1 >= g.o.Attempts
		if err != nil {
			g.failed(p, r, err, 0)
			lastErr = err
			again := repeatable || (isDialError(err) && (once == nil || !once.read.Load()))
			if last || !again || req.Context().Err() != nil {
				return nil, err
			}
		} else if resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusServiceUnavailable {
			// The replica answered but cannot serve (shutting down, a dependency gone): another may.
			g.failed(p, r, nil, resp.StatusCode)
			if last || !repeatable || p.pick(tried) == nil {
				return a.track(resp, r), nil
			}
			r.inFlight.Add(-1)
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		} else {
			g.succeeded(r)
			return a.track(resp, r), nil
		}
		g.m.retries.WithLabelValues(p.service).Inc()
		g.log.LogAttrs(req.Context(), slog.LevelInfo, "retrying on another replica",
			slog.String("request_id", httpx.RequestID(req.Context())), slog.String("service", p.service),
			slog.String("upstream", r.name), slog.String("method", req.Method), slog.String("path", req.URL.Path))
	}
}

// target returns req addressed to replica r. RoundTrip must not change the request it was given,
// so URL and, when tracing, headers are copies.
func (a *attempts) target(req *http.Request, r *replica) *http.Request {
	out := new(http.Request)
	*out = *req
	u := *req.URL
	u.Scheme, u.Host = r.base.Scheme, r.base.Host
	if r.base.Path != "" && r.base.Path != "/" {
		u.Path, u.RawPath = r.base.JoinPath(req.URL.Path).Path, ""
	}
	out.URL = &u
	return out
}

// send makes one attempt, timed and counted for r, inside a client span when tracing.
func (a *attempts) send(out *http.Request, r *replica) (*http.Response, error) {
	g := a.g
	var span trace.Span
	if g.tracer != nil {
		var ctx context.Context
		ctx, span = g.tracer.Start(out.Context(), "proxy "+a.p.service, trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(attribute.String("server.address", r.name),
				attribute.String("http.request.method", out.Method), attribute.String("url.path", out.URL.Path)))
		out.Header = out.Header.Clone()
		propagation.TraceContext{}.Inject(ctx, propagation.HeaderCarrier(out.Header))
		out = out.WithContext(ctx)
	}
	r.inFlight.Add(1)
	start := time.Now()
	var resp *http.Response
	var err error
	if r.base.Scheme == "http" && direct(out) {
		resp, err = r.conns.roundTrip(out, g.o.ResponseTimeout)
	} else {
		resp, err = g.transport.RoundTrip(out)
	}
	r.m.duration.Observe(time.Since(start).Seconds())
	if err != nil {
		r.inFlight.Add(-1)
		r.m.errors.Inc()
	} else {
		r.m.code(resp.StatusCode).Inc()
	}
	if span != nil {
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, "")
		} else {
			span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
			if resp.StatusCode >= 500 {
				span.SetStatus(codes.Error, "")
			}
		}
		span.End()
	}
	return resp, err
}

// track keeps r's in-flight count up until the response body is closed, so least-connections
// sees streaming answers as the load they are.
func (a *attempts) track(resp *http.Response, r *replica) *http.Response {
	if resp.StatusCode == http.StatusSwitchingProtocols {
		r.inFlight.Add(-1) // the proxy needs the body's own ReadWriteCloser for the upgrade
		return resp
	}
	resp.Body = &trackedBody{ReadCloser: resp.Body, r: r}
	return resp
}

type trackedBody struct {
	io.ReadCloser
	r    *replica
	once sync.Once
}

func (b *trackedBody) Close() error {
	b.once.Do(func() { b.r.inFlight.Add(-1) })
	return b.ReadCloser.Close()
}

// onceBody lets a body that cannot be replayed go to a second replica when the first never read
// any of it. Closing is left to the server, which closes the request body itself.
type onceBody struct {
	rc   io.ReadCloser
	read atomic.Bool // set by the transport's writer goroutine
}

func (b *onceBody) Read(p []byte) (int, error) {
	b.read.Store(true)
	return b.rc.Read(p)
}

func (b *onceBody) Close() error { return nil }

// idempotent reports whether req may be sent twice without doing its work twice.
func idempotent(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return req.Header.Get("Idempotency-Key") != ""
}

// bufferPool lends the proxy its copy buffers, sparing an allocation per response.
type bufferPool struct{ p sync.Pool }

func newBufferPool() *bufferPool {
	return &bufferPool{p: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}}
}

func (b *bufferPool) Get() []byte  { return *(b.p.Get().(*[]byte)) }
func (b *bufferPool) Put(p []byte) { b.p.Put(&p) }
