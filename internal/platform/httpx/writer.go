package httpx

import (
	"io"
	"net/http"
)

// responseWriter records the status and byte count for metrics and the
// access log. It implements Unwrap so http.ResponseController reaches the
// server's writer (Hijack, deadlines), plus Flush and ReadFrom directly
// because streaming handlers and http.ServeContent look for them by type.
type responseWriter struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
	st          *requestState // owner, for helpers that get only the writer
}

func (w *responseWriter) WriteHeader(code int) {
	// A second call still reaches the server, which logs it as superfluous
	// with the caller's line; the first status is the one that was sent.
	w.ResponseWriter.WriteHeader(code)
	if w.wroteHeader {
		return
	}
	// 1xx (e.g. 103 Early Hints) may precede the real status; 101 is final.
	if code >= 200 || code == http.StatusSwitchingProtocols {
		w.status = code
		w.wroteHeader = true
	}
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = http.StatusOK, true
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom keeps the server's sendfile path for io.Copy into the response.
func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = http.StatusOK, true
	}
	var n int64
	var err error
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(w.ResponseWriter, src)
	}
	w.bytes += n
	return n, err
}

func (w *responseWriter) Flush() {
	if !w.wroteHeader {
		w.status, w.wroteHeader = http.StatusOK, true
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController find the underlying writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// statusOr returns the recorded status, or 200 when the handler wrote
// nothing (net/http sends 200 then).
func (w *responseWriter) statusOr() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}
