package edge

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// minCompressSize is the smallest body worth compressing: below it, gzip's 18-byte frame and the
// CPU cost outweigh what it saves (a small JSON answer fits one packet either way).
const minCompressSize = 1024

var gzipPool = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression) // the level is valid: never fails
	return zw
}}

// compress gzips text responses of at least minCompressSize bytes for clients that accept gzip.
// Every response says Vary: Accept-Encoding, so caches keep the variants apart. Bodies the handler
// already encoded, non-text types, ranges and HEAD pass untouched. A compressed response's strong
// ETag becomes weak (W/"x"): the bytes differ from the identity variant's, the content does not,
// and handlers compare If-None-Match weakly (RFC 9110), so revalidation keeps working.
func compress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Encoding")
		if r.Method == http.MethodHead || r.Header.Get("Range") != "" || !acceptsGzip(r.Header.Values("Accept-Encoding")) {
			next.ServeHTTP(w, r)
			return
		}
		cw := &compressWriter{ResponseWriter: w}
		defer cw.close()
		next.ServeHTTP(cw, r)
	})
}

// acceptsGzip reports whether Accept-Encoding lists gzip (or *) without q=0.
func acceptsGzip(values []string) bool {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding != "gzip" && coding != "*" {
				continue
			}
			q := strings.ReplaceAll(strings.ToLower(params), " ", "")
			return !strings.HasPrefix(q, "q=0") || strings.HasPrefix(q, "q=0.") && strings.Trim(q[4:], "0") != ""
		}
	}
	return false
}

// compressible reports whether a Content-Type is text that gzip shrinks.
func compressible(ct string) bool {
	ct, _, _ = strings.Cut(ct, ";")
	ct = strings.ToLower(strings.TrimSpace(ct))
	switch {
	case strings.HasPrefix(ct, "text/"),
		ct == "application/json", ct == "application/javascript", ct == "application/xml",
		ct == "image/svg+xml", ct == "application/manifest+json",
		strings.HasSuffix(ct, "+json"), strings.HasSuffix(ct, "+xml"):
		return true
	}
	return false
}

// compressWriter holds back the first bytes until it knows whether to compress: the headers
// (type, encoding, length) and whether the body reaches minCompressSize.
type compressWriter struct {
	http.ResponseWriter
	status  int
	buf     []byte
	decided bool
	zw      *gzip.Writer // nil: passing through
}

func (c *compressWriter) WriteHeader(code int) {
	if c.decided || c.status != 0 {
		c.ResponseWriter.WriteHeader(code) // let net/http report the superfluous call
		return
	}
	if code < 200 || code == http.StatusNoContent || code == http.StatusNotModified {
		if code == http.StatusNotModified {
			weakenETag(c.Header()) // the tag the compressed 200 carried
		}
		if code >= 200 {
			c.decided = true
		}
		c.ResponseWriter.WriteHeader(code)
		return
	}
	c.status = code
	h := c.Header()
	// No type yet: Write sniffs it from the first bytes, as net/http would.
	if ct := h.Get("Content-Type"); h.Get("Content-Encoding") != "" || ct != "" && !compressible(ct) {
		c.decide(false)
		return
	}
	if cl := h.Get("Content-Length"); cl != "" && len(cl) < 4 { // declared under 1000 bytes
		c.decide(false)
	}
}

func (c *compressWriter) Write(p []byte) (int, error) {
	if !c.decided {
		if c.status == 0 {
			c.WriteHeader(http.StatusOK)
		}
		if !c.decided && c.Header().Get("Content-Type") == "" {
			c.Header().Set("Content-Type", http.DetectContentType(p))
			if !compressible(c.Header().Get("Content-Type")) {
				c.decide(false)
			}
		}
		if !c.decided {
			c.buf = append(c.buf, p...)
			if len(c.buf) >= minCompressSize {
				c.decide(true)
			}
			return len(p), nil
		}
	}
	if c.zw != nil {
		return c.zw.Write(p)
	}
	return c.ResponseWriter.Write(p)
}

// decide sends the headers, compressed or not, and whatever was held back.
func (c *compressWriter) decide(gz bool) {
	c.decided = true
	h := c.Header()
	if gz {
		h.Set("Content-Encoding", "gzip")
		h.Del("Content-Length")
		h.Del("Accept-Ranges") // ranges of the gzip stream are not ranges of the resource
		weakenETag(h)
		c.zw = gzipPool.Get().(*gzip.Writer)
		c.zw.Reset(c.ResponseWriter)
	}
	if c.status != 0 {
		c.ResponseWriter.WriteHeader(c.status)
	}
	if len(c.buf) > 0 {
		buf := c.buf
		c.buf = nil
		if c.zw != nil {
			_, _ = c.zw.Write(buf) // a failed write resurfaces on the handler's next one
		} else {
			_, _ = c.ResponseWriter.Write(buf)
		}
	}
}

// close flushes a body that stayed under the threshold uncompressed, or ends the gzip stream.
func (c *compressWriter) close() {
	if !c.decided {
		if c.status != 0 || len(c.buf) > 0 {
			c.decide(false)
		}
		return
	}
	if c.zw != nil {
		_ = c.zw.Close() // the client went away if this fails; nothing left to tell it
		c.zw.Reset(nil)
		gzipPool.Put(c.zw)
		c.zw = nil
	}
}

// Flush sends what is buffered: a streaming handler wants its bytes out now, compressed or not.
func (c *compressWriter) Flush() {
	if !c.decided {
		// WriteHeader already refused unsuitable types; what is buffered is text worth compressing.
		c.decide(len(c.buf) > 0)
	}
	if c.zw != nil {
		_ = c.zw.Flush()
	}
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack hands over the connection (websockets); only before anything was written.
func (c *compressWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(c.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController reach the server's writer.
func (c *compressWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func weakenETag(h http.Header) {
	if et := h.Get("ETag"); strings.HasPrefix(et, `"`) {
		h.Set("ETag", "W/"+et)
	}
}
