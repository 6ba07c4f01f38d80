package edge

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
		wantGzip             bool
		wantETag             string
	}{
		{name: "large json", accept: "gzip, deflate, br", h: product(4000), wantGzip: true, wantETag: `W/"v1"`},
		{name: "large html", accept: "gzip", h: typed("text/html; charset=utf-8", "<p>"+big+"</p>", nil), wantGzip: true},
		{name: "css", accept: "gzip", h: typed("text/css", big, nil), wantGzip: true},
		{name: "javascript", accept: "gzip", h: typed("text/javascript", big, nil), wantGzip: true},
		{name: "svg", accept: "gzip", h: typed("image/svg+xml", "<svg>"+big+"</svg>", nil), wantGzip: true},
		{name: "problem json", accept: "gzip", h: typed("application/problem+json", big, nil), wantGzip: true},
		{name: "untyped text is sniffed", accept: "gzip", h: typed("", "<html><body>"+big, nil), wantGzip: true},
		{name: "tiny json", accept: "gzip", h: product(200), wantETag: `"v1"`},
		{name: "declared small length", accept: "gzip", h: typed("application/json", `{"a":1}`, map[string]string{"Content-Length": "7"})},
		{name: "png", accept: "gzip", h: typed("image/png", big, nil)},
		{name: "already gzipped", accept: "gzip", h: typed("application/json", big, map[string]string{"Content-Encoding": "gzip"})},
		{name: "client without gzip", accept: "", h: product(4000), wantETag: `"v1"`},
		{name: "client refusing gzip", accept: "gzip;q=0, identity", h: product(4000), wantETag: `"v1"`},
		{name: "client preferring little gzip", accept: "gzip;q=0.1", h: product(4000), wantGzip: true},
		{name: "any coding", accept: "*", h: product(4000), wantGzip: true},
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
			gz := rec.Header().Get("Content-Encoding") == "gzip" && plain.Header().Get("Content-Encoding") == ""
			if gz != tc.wantGzip {
				t.Fatalf("compressed = %v, want %v", gz, tc.wantGzip)
			}
			body := rec.Body.Bytes()
			if gz {
				if rec.Header().Get("Content-Length") != "" {
					t.Error("Content-Length of the uncompressed body kept")
				}
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
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
