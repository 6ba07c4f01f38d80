package openapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"
)

// Handler answers GET /openapi.json with doc, merged once at startup: the ETag is its hash, so a
// client revalidates cheaply and sees a new document after a deploy.
func Handler(doc []byte) http.Handler {
	sum := sha256.Sum256(doc)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "public, max-age=300")
		h.Set("ETag", etag)
		// ServeContent answers If-None-Match with 304, and HEAD and ranges as usual.
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(doc))
	})
}
