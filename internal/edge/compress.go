package edge

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
)

// minCompressSize is the smallest body worth compressing: below it, gzip's 18-byte frame and the
// CPU cost outweigh what it saves (a small JSON answer fits one packet either way).
const minCompressSize = 1024

// encoder is what gzip.Writer and brotli.Writer share.
type encoder interface {
	io.WriteCloser
	Flush() error
	Reset(io.Writer)
}

// brotliLevel trades a little size for speed on dynamic answers: level 4 encodes a product list
// about 28% smaller than gzip's default at about 1.3 times its CPU (BenchmarkCompress); 11,
// the maximum, is for files compressed once, far too slow per request.
const brotliLevel = 4

var encoders = map[string]*sync.Pool{
	"gzip": {New: func() any {
		zw, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression) // the level is valid: never fails
		return encoder(zw)
	}},
	"br": {New: func() any { return encoder(brotli.NewWriterLevel(nil, brotliLevel)) }},
}

// compress encodes text responses of at least minCompressSize bytes with brotli or gzip, the one
// the client prefers by Accept-Encoding (brotli on a tie: it is smaller). Every response says
// Vary: Accept-Encoding, so caches keep the variants apart. Bodies the handler already encoded,
// non-text types, ranges and HEAD pass untouched. A compressed response's strong ETag becomes
// weak (W/"x"): the bytes differ from the identity variant's, the content does not, and handlers
// compare If-None-Match weakly (RFC 9110), so revalidation keeps working.
func compress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Encoding")
		var coding string
		if r.Method != http.MethodHead && r.Header.Get("Range") == "" {
			coding = negotiate(r.Header.Values("Accept-Encoding"))
		}
		if coding == "" {
			next.ServeHTTP(w, r)
			return
		}
		cw := &compressWriter{ResponseWriter: w, coding: coding}
		defer cw.close()
		next.ServeHTTP(cw, r)
	})
}

// negotiate picks "br" or "gzip" from Accept-Encoding by quality (RFC 9110 12.5.3): an explicit
// entry wins over "*", q=0 refuses, equal qualities prefer brotli. "" means neither.
func negotiate(values []string) string {
	q := map[string]float64{}
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding == "" {
				continue
			}
			weight := 1.0
			if p := strings.ReplaceAll(strings.ToLower(params), " ", ""); strings.HasPrefix(p, "q=") {
				f, err := strconv.ParseFloat(p[2:], 64)
				if err != nil || f < 0 || f > 1 {
					continue
				}
				weight = f
			}
			q[coding] = weight
		}
	}
	quality := func(coding string) float64 {
		if w, ok := q[coding]; ok {
			return w
		}
		if w, ok := q["*"]; ok {
			return w
		}
		return 0
	}
	br, gz := quality("br"), quality("gzip")
	switch {
	case br > 0 && br >= gz:
		return "br"
	case gz > 0:
		return "gzip"
	}
	return ""
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
	coding  string  // "br" or "gzip"
	zw      encoder // nil: passing through
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
func (c *compressWriter) decide(encode bool) {
	c.decided = true
	h := c.Header()
	if encode {
		h.Set("Content-Encoding", c.coding)
		h.Del("Content-Length")
		h.Del("Accept-Ranges") // ranges of the encoded stream are not ranges of the resource
		weakenETag(h)
		c.zw = encoders[c.coding].Get().(encoder)
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

// close flushes a body that stayed under the threshold uncompressed, or ends the encoded stream.
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
		encoders[c.coding].Put(c.zw)
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
