package edge

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// validUTF8 refuses, with a 400, a path or query that is not valid UTF-8 once percent-decoded:
// every Pasar URL is UTF-8, and overlong or truncated sequences are a classic way around filters
// further in. JSON bodies need no such check (encoding/json replaces invalid bytes).
func validUTF8(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if utf8.ValidString(r.URL.Path) && validQuery(r.URL.RawQuery) {
			next.ServeHTTP(w, r)
			return
		}
		httpx.WriteProblem(w, r, httpx.Problem{Status: http.StatusBadRequest, Code: "invalid_utf8",
			Detail: "The request URL is not valid UTF-8."})
	})
}

func validQuery(raw string) bool {
	if !strings.Contains(raw, "%") {
		return utf8.ValidString(raw) // nothing escaped: no decoding, no allocation
	}
	s, err := url.QueryUnescape(raw)
	return err == nil && utf8.ValidString(s)
}
