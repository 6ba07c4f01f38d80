package edge

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

func TestCompress(t *testing.T) {
	t.Parallel()
	big := strings.Repeat(`{"name":"Linen shirt","price":4999},`, 100)
	typed := func(ct, body string, extra map[string]string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ct != "" {
				w.Header().Set("Content-Type", ct)
			}
			for k, v := range extra {
				w.Header().Set(k, v)
			}
			_, _ = io.WriteString(w, body)
		})
	}
	for _, tc := range []struct {
		name, method, accept string
		reqHeader            map[string]string
		h                    http.Handler
		want                 string // the Content-Encoding expected, "" for none
		wantETag             string
	}{
		{name: "large json", accept: "gzip, deflate, br", h: product(4000), want: "br", wantETag: `W/"v1"`},
		{name: "large json to a gzip-only client", accept: "gzip, deflate", h: product(4000), want: "gzip", wantETag: `W/"v1"`},
		{name: "gzip preferred by quality", accept: "br;q=0.5, gzip", h: product(4000), want: "gzip"},
		{name: "brotli refused", accept: "br;q=0, gzip;q=0.2", h: product(4000), want: "gzip"},
		{name: "brotli only", accept: "br", h: product(4000), want: "br"},
		{name: "any coding but gzip", accept: "*, gzip;q=0", h: product(4000), want: "br"},
		{name: "any coding refused", accept: "*;q=0, identity", h: product(4000), wantETag: `"v1"`},
		{name: "brotli not modified keeps the compressed tag", accept: "br", reqHeader: map[string]string{"If-None-Match": `W/"v1"`}, h: product(4000), wantETag: `W/"v1"`},
		{name: "large html", accept: "gzip", h: typed("text/html; charset=utf-8", "<p>"+big+"</p>", nil), want: "gzip"},
		{name: "css", accept: "gzip", h: typed("text/css", big, nil), want: "gzip"},
		{name: "javascript", accept: "gzip", h: typed("text/javascript", big, nil), want: "gzip"},
		{name: "svg", accept: "gzip", h: typed("image/svg+xml", "<svg>"+big+"</svg>", nil), want: "gzip"},
		{name: "problem json", accept: "gzip", h: typed("application/problem+json", big, nil), want: "gzip"},
		{name: "untyped text is sniffed", accept: "gzip", h: typed("", "<html><body>"+big, nil), want: "gzip"},
		{name: "tiny json", accept: "gzip", h: product(200), wantETag: `"v1"`},
		{name: "declared small length", accept: "gzip", h: typed("application/json", `{"a":1}`, map[string]string{"Content-Length": "7"})},
		{name: "png", accept: "gzip", h: typed("image/png", big, nil)},
		{name: "already gzipped", accept: "gzip", h: typed("application/json", big, map[string]string{"Content-Encoding": "gzip"})},
		{name: "client without gzip", accept: "", h: product(4000), wantETag: `"v1"`},
		{name: "client refusing gzip", accept: "gzip;q=0, identity", h: product(4000), wantETag: `"v1"`},
		{name: "client preferring little gzip", accept: "gzip;q=0.1", h: product(4000), want: "gzip"},
		{name: "any coding", accept: "*", h: product(4000), want: "br"},
		{name: "head", method: "HEAD", accept: "gzip", h: product(4000)},
		{name: "range", accept: "gzip", reqHeader: map[string]string{"Range": "bytes=0-10"}, h: product(4000)},
		{name: "not modified keeps the compressed tag", accept: "gzip", reqHeader: map[string]string{"If-None-Match": `W/"v1"`}, h: product(4000), wantETag: `W/"v1"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			method := tc.method
			if method == "" {
				method = "GET"
			}
			req := httptest.NewRequest(method, "/x", nil)
			if tc.accept != "" {
				req.Header.Set("Accept-Encoding", tc.accept)
			}
			for k, v := range tc.reqHeader {
				req.Header.Set(k, v)
			}
			// The reference: the same handler without compression.
			plain := httptest.NewRecorder()
			tc.h.ServeHTTP(plain, req)
			rec := httptest.NewRecorder()
			compress(tc.h).ServeHTTP(rec, req)

			if !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") {
				t.Error("no Vary: Accept-Encoding")
			}
			if rec.Code != plain.Code {
				t.Errorf("status %d, want %d", rec.Code, plain.Code)
			}
			got := rec.Header().Get("Content-Encoding")
			if plain.Header().Get("Content-Encoding") != "" {
				got = "" // the handler's own encoding, passed through
			}
			if got != tc.want {
				t.Fatalf("Content-Encoding %q, want %q", got, tc.want)
			}
			body := rec.Body.Bytes()
			if got != "" {
				if rec.Header().Get("Content-Length") != "" {
					t.Error("Content-Length of the uncompressed body kept")
				}
				var zr io.Reader = brotli.NewReader(bytes.NewReader(body))
				if got == "gzip" {
					var err error
					if zr, err = gzip.NewReader(bytes.NewReader(body)); err != nil {
						t.Fatal(err)
					}
				}
				var err error
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(body, plain.Body.Bytes()) {
				t.Errorf("body differs from the handler's: %d vs %d bytes", len(body), plain.Body.Len())
			}
			if tc.wantETag != "" && rec.Header().Get("ETag") != tc.wantETag {
				t.Errorf("ETag %q, want %q", rec.Header().Get("ETag"), tc.wantETag)
			}
		})
	}
}

// TestCompressStreams checks that a handler that flushes gets its bytes out as it writes.
func TestCompressStreams(t *testing.T) {
	t.Parallel()
	first := make(chan struct{})
	h := compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: hello\n\n")
		w.(http.Flusher).Flush()
		<-first
		_, _ = io.WriteString(w, "data: bye\n\n")
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := srv.Client().Transport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len("data: hello\n\n"))
	if _, err := io.ReadFull(zr, buf); err != nil || string(buf) != "data: hello\n\n" {
		t.Fatalf("first event %q before the handler finished: %v", buf, err)
	}
	close(first)
	rest, _ := io.ReadAll(zr)
	if string(rest) != "data: bye\n\n" {
		t.Errorf("rest %q", rest)
	}
}

// BenchmarkCompress encodes a product list page's JSON (20 products) with each coding and
// reports the encoded size next to the time.
//
//	go test -run '^$' -bench Compress ./internal/edge
func BenchmarkCompress(b *testing.B) {
	var list strings.Builder
	list.WriteString(`{"items":[`)
	for i := range 20 {
		if i > 0 {
			list.WriteByte(',')
		}
		fmt.Fprintf(&list, `{"id":"01J%08dX","slug":"linen-shirt-%d","name":"Linen shirt %d","category":"clothing/shirts",`+
			`"price":{"amount":%d,"currency":"EUR"},"attributes":{"colour":"blue","size":["S","M","L"],"material":"linen"},`+
			`"image":"/assets/products/linen-shirt-%d.jpg","in_stock":true}`, i, i, i, 2999+i*100, i)
	}
	list.WriteString(`],"next_cursor":"eyJwIjo0OTk5LCJpZCI6IjAxSiJ9"}`)
	body := []byte(list.String())
	for _, coding := range []string{"gzip", "br"} {
		b.Run(coding, func(b *testing.B) {
			h := compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(body)
			}))
			req := httptest.NewRequest("GET", "/api/v1/products", nil)
			req.Header.Set("Accept-Encoding", coding)
			var size int
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(size), "bytes")
			b.ReportMetric(float64(len(body)), "raw-bytes")
		})
	}
}
