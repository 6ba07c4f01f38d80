package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/pasarhq/pasar/internal/catalog"
)

// imageSizes are the widths, in pixels, product images are served at: thumbnails in lists, the
// product page's main picture, and that picture on wide high-density screens.
var imageSizes = map[string]int{"160": 160, "400": 400, "800": 800}

// imageURL returns the URL of a catalog image at size: placeholders are drawn at that size by
// serveImage; other images are served as they are. cdn prefixes what this shop serves.
func imageURL(cdn, src string, size int) string {
	if seed, ok := catalog.PlaceholderSeed(src); ok {
		return cdn + "/images/" + strconv.Itoa(size) + "/" + seed + ".svg"
	}
	if strings.HasPrefix(src, "/") && !strings.HasPrefix(src, "//") {
		return cdn + src
	}
	return src
}

// serveImage answers /images/{size}/{seed}.svg with the placeholder of seed drawn at size. The
// picture depends only on its URL, so it is cached for a year.
func serveImage(w http.ResponseWriter, r *http.Request) {
	size, ok := imageSizes[r.PathValue("size")]
	seed, svg := strings.CutSuffix(r.PathValue("name"), ".svg")
	if !ok || !svg || !catalog.ValidPlaceholderSeed(seed) {
		http.Error(w, "no such image", http.StatusNotFound)
		return
	}
	etag := catalog.PlaceholderETag(seed)
	h := w.Header()
	h.Set("Cache-Control", immutable)
	h.Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && strings.Contains(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "image/svg+xml")
	catalog.WritePlaceholder(w, seed, size)
}
