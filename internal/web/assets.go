package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var staticFS embed.FS

// immutable is the caching of anything whose URL changes when its content does.
const immutable = "public, max-age=31536000, immutable"

// assets holds the embedded static files under fingerprinted names (app.3f9c2a1b.css), so they
// can be cached for a year: a new build with another stylesheet has another URL.
type assets struct {
	byName map[string][]byte // fingerprinted name -> content
	url    map[string]string // plain name -> fingerprinted name
}

func loadAssets() *assets {
	a := &assets{byName: map[string][]byte{}, url: map[string]string{}}
	_ = fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := path.Base(p)
		ext := path.Ext(name)
		fp := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		a.byName[fp], a.url[name] = b, fp
		return nil
	})
	return a
}

// path returns the URL path of the plain-named asset.
func (a *assets) path(name string) string { return "/assets/" + a.url[name] }

func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	b, ok := a.byName[name]
	if !ok {
		http.Error(w, "no such asset", http.StatusNotFound)
		return
	}
	h := w.Header()
	h.Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
	h.Set("Cache-Control", immutable)
	h.Set("ETag", `"`+name+`"`)
	// ServeContent answers If-None-Match with 304 and handles HEAD and ranges.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}
