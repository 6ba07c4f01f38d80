package catalog

import (
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"strings"

	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// PlaceholderURL is the address of the generated placeholder image for seed.
func PlaceholderURL(seed string) string { return "/images/placeholder/" + seed + ".svg" }

// PlaceholderSeed returns the seed of a URL that PlaceholderURL made, and whether it is one.
func PlaceholderSeed(url string) (string, bool) {
	seed, ok := strings.CutPrefix(url, "/images/placeholder/")
	if !ok {
		return "", false
	}
	seed, ok = strings.CutSuffix(seed, ".svg")
	return seed, ok && ValidPlaceholderSeed(seed)
}

// ValidPlaceholderSeed reports whether seed can name a placeholder: 1-64 lower-case letters,
// digits and hyphens.
func ValidPlaceholderSeed(seed string) bool {
	return seed != "" && len(seed) <= 64 && strings.Trim(seed, "abcdefghijklmnopqrstuvwxyz0123456789-") == ""
}

// PlaceholderETag is the entity tag of seed's placeholder at any size: the drawing depends only
// on the seed and the size, which is part of the URL.
func PlaceholderETag(seed string) string {
	return fmt.Sprintf(`"%x"`, placeholderHash(seed))
}

func placeholderHash(seed string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(seed))
	return h.Sum64()
}

// servePlaceholder draws a product placeholder picture: two colours and a shape picked from the
// seed, so every demo product looks different and the shop needs no image files.
func servePlaceholder(w http.ResponseWriter, r *http.Request) {
	seed, ok := strings.CutSuffix(r.PathValue("name"), ".svg")
	if !ok || !ValidPlaceholderSeed(seed) {
		httpx.WriteProblem(w, r, httpx.Problem{Status: http.StatusNotFound, Code: "not_found",
			Detail: "Placeholder images are named <letters, digits and hyphens>.svg."})
		return
	}
	etag := PlaceholderETag(seed)
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "public, max-age=86400, immutable")
	if etagListMatches(r.Header["If-None-Match"], etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	WritePlaceholder(w, seed, 400)
}

// WritePlaceholder draws seed's placeholder as an SVG of size x size pixels (the drawing scales;
// the size only sets the intrinsic dimensions, so browsers lay it out without a reflow).
func WritePlaceholder(w io.Writer, seed string, size int) {
	n := placeholderHash(seed)
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
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 400 400">`+
		`<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(%d,65%%,55%%)"/>`+
		`<stop offset="1" stop-color="hsl(%d,65%%,40%%)"/></linearGradient></defs>`+
		`<rect width="400" height="400" fill="url(#g)"/>%s`+
		`<text x="200" y="350" font-family="sans-serif" font-size="20" fill="#fff" text-anchor="middle">%s</text></svg>`,
		size, size, hue1, hue2, shape, label)
}
