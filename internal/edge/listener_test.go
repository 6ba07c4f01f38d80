package edge

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/edge/waf"
)

// listen serves the edge chain on a real TLS listener with the limits internal/app's server
// sets (MaxHeaderBytes 64 KiB, a header and a body deadline), deadlines scaled down for a test.
func listen(t *testing.T) (addr string, dial func() net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := TLSOptions{SelfSigned: true, DataDir: t.TempDir()}
	tl, err := ListenTLS(context.Background(), o, l, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler:           chain(testEdge(t, waf.Block), echoBody()),
		ReadHeaderTimeout: 300 * time.Millisecond,
		ReadTimeout:       600 * time.Millisecond,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(slog.DiscardHandler, slog.LevelWarn),
	}
	go func() { _ = srv.Serve(tl) }()
	t.Cleanup(func() { srv.Close() })
	roots := trustDevCert(t, o.DataDir)
	return l.Addr().String(), func() net.Conn {
		c, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{RootCAs: roots, ServerName: "localhost", NextProtos: []string{"http/1.1"}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
}

func echoBody() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return // the server has already answered or cut the connection
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(b)
	})
}

// status reads one response's status from c, or 0 when the server closed the connection
// without one; it fails the test if neither happens within the deadline.
func status(t *testing.T, c net.Conn, within time.Duration) int {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(within))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("no answer and no close within %v", within)
		}
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestHostileConnectionsAreCutOff(t *testing.T) {
	t.Parallel()
	_, dial := listen(t)
	for _, tc := range []struct {
		name string
		send func(c net.Conn)
		want []int // acceptable outcomes; 0 is a closed connection
	}{
		{"huge header", func(c net.Conn) {
			_, _ = io.WriteString(c, "GET /api/v1/products HTTP/1.1\r\nHost: localhost\r\nX-Big: "+strings.Repeat("a", 100<<10)+"\r\n\r\n")
		}, []int{http.StatusRequestHeaderFieldsTooLarge}},
		{"very many headers", func(c net.Conn) {
			var b strings.Builder
			b.WriteString("GET /api/v1/products HTTP/1.1\r\nHost: localhost\r\n")
			for i := range 5000 {
				b.WriteString("X-H" + strings.Repeat("x", i%7) + ": 1234567890\r\n")
			}
			_, _ = io.WriteString(c, b.String()+"\r\n")
		}, []int{http.StatusRequestHeaderFieldsTooLarge}},
		{"slowloris headers", func(c net.Conn) {
			_, _ = io.WriteString(c, "GET /api/v1/products HTTP/1.1\r\nHost: localhost\r\n")
			for range 10 { // one header line every 100 ms, never finishing
				time.Sleep(100 * time.Millisecond)
				if _, err := io.WriteString(c, "X-Slow: 1\r\n"); err != nil {
					return
				}
			}
		}, []int{0, http.StatusRequestTimeout}},
		{"slow body", func(c net.Conn) {
			_, _ = io.WriteString(c, "POST /api/v1/checkout HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
			for range 20 {
				time.Sleep(100 * time.Millisecond)
				if _, err := io.WriteString(c, " "); err != nil {
					return
				}
			}
		}, []int{0, http.StatusRequestTimeout, http.StatusBadRequest}},
		{"invalid utf-8 in the query", func(c net.Conn) {
			_, _ = io.WriteString(c, "GET /api/v1/search?q=%C0%AE%C0%AE%2Fetc HTTP/1.1\r\nHost: localhost\r\n\r\n")
		}, []int{http.StatusBadRequest}},
		{"raw invalid utf-8 bytes in the path", func(c net.Conn) {
			_, _ = io.WriteString(c, "GET /p/\xff\xfe HTTP/1.1\r\nHost: localhost\r\n\r\n")
		}, []int{http.StatusBadRequest}},
		{"smuggling: two content-lengths", func(c net.Conn) {
			_, _ = io.WriteString(c, "POST /api/v1/checkout HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}")
		}, []int{http.StatusBadRequest}},
		{"invalid utf-8 in a json login body", func(c net.Conn) {
			body := "{\"email\":\"a\xc0\xafb@example.com\",\"password\":\"x\xff\"}"
			_, _ = io.WriteString(c, "POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
		}, []int{http.StatusBadRequest, http.StatusForbidden}},
		{"invalid utf-8 in a checkout form body", func(c net.Conn) {
			body := "name=%C0%AE%C0%AE&line1=a%FFb"
			_, _ = io.WriteString(c, "POST /checkout HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
		}, []int{http.StatusBadRequest, http.StatusForbidden}},
		{"slowloris chunked body", func(c net.Conn) {
			_, _ = io.WriteString(c, "POST /api/v1/checkout HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
			for range 20 { // a one-byte chunk every 100 ms, never the last chunk
				time.Sleep(100 * time.Millisecond)
				if _, err := io.WriteString(c, "1\r\n \r\n"); err != nil {
					return
				}
			}
		}, []int{0, http.StatusRequestTimeout, http.StatusBadRequest}},
		{"header line over the limit on its own", func(c net.Conn) {
			_, _ = io.WriteString(c, "GET /api/v1/search?q=x HTTP/1.1\r\nHost: localhost\r\nCookie: "+strings.Repeat("k=v; ", 20<<10)+"\r\n\r\n")
		}, []int{http.StatusRequestHeaderFieldsTooLarge}},
		{"null byte in the request line", func(c net.Conn) {
			_, _ = io.WriteString(c, "GET /api/v1/products?slug=a\x00b HTTP/1.1\r\nHost: localhost\r\n\r\n")
		}, []int{http.StatusBadRequest}},
		{"null byte encoded in the query", func(c net.Conn) {
			_, _ = io.WriteString(c, "GET /api/v1/products?slug=shirt%00.php HTTP/1.1\r\nHost: localhost\r\n\r\n")
		}, []int{http.StatusForbidden}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := dial()
			start := time.Now()
			go tc.send(c)
			got := status(t, c, 5*time.Second)
			for _, w := range tc.want {
				if got == w {
					if d := time.Since(start); d > 3*time.Second {
						t.Errorf("cut off only after %v", d)
					}
					return
				}
			}
			t.Errorf("outcome %d (0: closed), want one of %v", got, tc.want)
		})
	}
}

// TestSmuggledRequestIsScreened sends Content-Length and chunked encoding together, the classic
// desync. net/http follows Transfer-Encoding alone (RFC 9112 6.1), so the request hidden after the
// empty chunked body is read as a request of its own, and the WAF screens it like any other:
// nothing reaches a handler unseen.
func TestSmuggledRequestIsScreened(t *testing.T) {
	t.Parallel()
	_, dial := listen(t)
	c := dial()
	_, _ = io.WriteString(c, "POST /api/v1/checkout HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n"+
		"Content-Length: 80\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"+
		"GET /api/v1/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E HTTP/1.1\r\nHost: localhost\r\n\r\n")
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	var got []int
	for range 2 {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			break
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		got = append(got, resp.StatusCode)
	}
	if len(got) == 2 && got[1] == http.StatusForbidden || len(got) == 1 && got[0] == http.StatusBadRequest {
		return
	}
	t.Errorf("statuses %v, want the smuggled request answered 403 by the WAF (or the whole refused)", got)
}

func TestRedirectListener(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	redirectAddr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tl, err := ListenTLS(ctx, TLSOptions{SelfSigned: true, DataDir: t.TempDir(), RedirectAddr: redirectAddr}, l, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer tl.Close()
	_, tlsPort, _ := net.SplitHostPort(l.Addr().String())
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var resp *http.Response
	for deadline := time.Now().Add(5 * time.Second); ; { // the listener starts in the background
		resp, err = client.Post("http://"+redirectAddr+"/checkout?step=2", "text/plain", strings.NewReader("x"))
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := "https://127.0.0.1:" + tlsPort + "/checkout?step=2"
	if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != want {
		t.Errorf("status %d Location %q, want 308 to %s", resp.StatusCode, resp.Header.Get("Location"), want)
	}
}

func TestRedirectTargets(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, port, host, target, want string }{
		{"standard port dropped", "443", "shop.example.com", "/p/shirt?x=1", "https://shop.example.com/p/shirt?x=1"},
		{"port of the request replaced", "443", "shop.example.com:80", "/", "https://shop.example.com/"},
		{"other port kept", "8443", "localhost:8080", "/a", "https://localhost:8443/a"},
		{"ipv6", "443", "[2001:db8::1]:80", "/", "https://[2001:db8::1]/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest("GET", "http://"+tc.host+tc.target, nil)
			rec := &headerRecorder{h: http.Header{}}
			Redirect(tc.port).ServeHTTP(rec, req)
			if got := rec.h.Get("Location"); got != tc.want || rec.code != http.StatusPermanentRedirect {
				t.Errorf("%d %q, want 308 %q", rec.code, got, tc.want)
			}
		})
	}
}

type headerRecorder struct {
	h    http.Header
	code int
}

func (r *headerRecorder) Header() http.Header         { return r.h }
func (r *headerRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *headerRecorder) WriteHeader(code int)        { r.code = code }

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
