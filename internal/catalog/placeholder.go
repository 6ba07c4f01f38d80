package catalog

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"

	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// PlaceholderURL is the address of the generated placeholder image for seed.
func PlaceholderURL(seed string) string { return "/images/placeholder/" + seed + ".svg" }

// servePlaceholder draws a product placeholder picture: two colours and a shape picked from the
// seed, so every demo product looks different and the shop needs no image files.
func servePlaceholder(w http.ResponseWriter, r *http.Request) {
	seed, ok := strings.CutSuffix(r.PathValue("name"), ".svg")
	if !ok || seed == "" || len(seed) > 64 || strings.Trim(seed, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		httpx.WriteProblem(w, r, httpx.Problem{Status: http.StatusNotFound, Code: "not_found",
			Detail: "Placeholder images are named <letters, digits and hyphens>.svg."})
		return
	}
	h := fnv.New64a()
	h.Write([]byte(seed))
	n := h.Sum64()
	hue1, hue2 := n%360, (n>>9)%360
	var shape string
	switch (n >> 18) % 3 {
	case 0:
		shape = `<circle cx="200" cy="190" r="90" fill="#fff" fill-opacity=".35"/>`
	case 1:
		shape = `<rect x="115" y="105" width="170" height="170" rx="18" fill="#fff" fill-opacity=".35"/>`
	default:
		shape = `<path d="M200 90 L300 280 L100 280 Z" fill="#fff" fill-opacity=".35"/>`
	}
	label := seed
	if len(label) > 24 {
		label = label[:24]
	}
	etag := fmt.Sprintf(`"%x"`, n)
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "public, max-age=86400, immutable")
	if etagListMatches(r.Header["If-None-Match"], etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400">`+
		`<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(%d,65%%,55%%)"/>`+
		`<stop offset="1" stop-color="hsl(%d,65%%,40%%)"/></linearGradient></defs>`+
		`<rect width="400" height="400" fill="url(#g)"/>%s`+
		`<text x="200" y="350" font-family="sans-serif" font-size="20" fill="#fff" text-anchor="middle">%s</text></svg>`,
		hue1, hue2, shape, label)
}
