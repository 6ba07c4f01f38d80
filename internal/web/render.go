package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/identity"
	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

//go:embed templates
var templateFS embed.FS

// pages holds one template set per page: the layout and its partials plus that page.
type pages struct{ byName map[string]*template.Template }

func parsePages(funcs template.FuncMap) (*pages, error) {
	entries, err := fs.Glob(templateFS, "templates/page_*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, e := range entries {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/parts.html", e)
		if err != nil {
			return nil, fmt.Errorf("web template %s: %w", e, err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(e, "templates/page_"), ".html")
		p.byName[name] = t
	}
	return p, nil
}

// view is what every page template gets: the page's own data under Data, and what the layout
// needs (who is signed in, the cart size, the CSRF token for forms).
type view struct {
	Title     string
	Shop      string
	Signed    bool
	Email     string
	CSRF      string
	CartCount int64
	Query     string // the search box's text
	Errors    map[string]string
	Form      url.Values
	Flash     string
	Data      any
}

// Err returns the error of field name, for the template to show next to the field.
func (v view) Err(name string) string { return v.Errors[name] }

// Val returns the submitted value of field name, to fill a form shown again with errors.
func (v view) Val(name string) string { return v.Form.Get(name) }

// Caching choices for HTML.
const (
	// cachePublic lets browsers and shared caches keep a page briefly: it differs by nothing but
	// its URL for a shopper with no session and no cart.
	cachePublic = "public, max-age=60"
	// cachePrivate is for pages that show the shopper's own state (signed in, or with a cart).
	cachePrivate = "private, no-cache"
	// cacheNone is for carts, checkout and accounts: nothing of them may be stored.
	cacheNone = "private, no-store"
)

// render writes page name with status and caching cc. It renders into a buffer first, so a
// template error becomes an error page rather than half a page.
func (s *Storefront) render(w http.ResponseWriter, r *http.Request, status int, cc, name string, v view) {
	s.fillLayout(r, &v)
	t := s.pages.byName[name]
	var buf bytes.Buffer
	if t == nil {
		s.o.Log.Error("no such page template", "page", name)
		status, cc = http.StatusInternalServerError, cacheNone
	} else if err := t.Execute(&buf, v); err != nil {
		s.o.Log.Error("render page", "page", name, "err", err)
		buf.Reset()
		status, cc = http.StatusInternalServerError, cacheNone
		_ = s.pages.byName["error"].Execute(&buf, view{Title: "Something went wrong", Shop: s.o.ShopName,
			Data: errorData{Status: status, Message: "The page could not be shown. Please try again."}})
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", cc)
	if s.csp != "" {
		h.Set("Content-Security-Policy", s.csp)
	}
	h.Add("Vary", "Cookie")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// fillLayout sets what the layout shows about the shopper.
func (s *Storefront) fillLayout(r *http.Request, v *view) {
	v.Shop = s.o.ShopName
	p := auth.FromContext(r.Context())
	if !p.IsAnonymous() && !p.Service {
		v.Signed, v.Email = true, p.Email
	}
	v.CSRF = identity.CSRFToken(r.Context())
	if v.CartCount == 0 {
		v.CartCount = s.cartCount(r)
	}
}

// publicOrPrivate is cachePublic for a shopper who has nothing of their own on the page.
func publicOrPrivate(r *http.Request) string {
	if _, err := r.Cookie(identity.SessionCookie); err == nil {
		return cachePrivate
	}
	if _, err := r.Cookie(cartCookie); err == nil {
		return cachePrivate
	}
	return cachePublic
}

type errorData struct {
	Status  int
	Message string
}

// fail shows err as an error page with the status its kind maps to. Internal errors are logged
// and shown without their text.
func (s *Storefront) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := httpx.StatusOf(apperr.KindOf(err))
	msg := "Something went wrong on our side. Please try again in a moment."
	var ae *apperr.Error
	if errors.As(err, &ae) && status < 500 {
		msg = ae.Message
	}
	if status >= 500 {
		s.o.Log.Error("storefront page failed", "path", r.URL.Path, "err", err)
	}
	title := http.StatusText(status)
	if status == http.StatusNotFound {
		title, msg = "Not found", "We could not find that page. It may have moved or sold out."
		if errors.Is(err, catalog.ErrNotFound) {
			msg = "We could not find that product. It may have been removed."
		}
	}
	s.render(w, r, status, cacheNone, "error", view{Title: title, Data: errorData{Status: status, Message: msg}})
}

// notFound shows the 404 page.
func (s *Storefront) notFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, apperr.New(apperr.NotFound, "not_found", "Not found."))
}

// fieldErrors returns err's per-field problems keyed by field, and whether err is about input
// the shopper can correct (shown next to the fields with 422).
func fieldErrors(err error) (map[string]string, bool) {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return nil, false
	}
	switch ae.Kind {
	case apperr.InvalidInput, apperr.BadRequest, apperr.Conflict, apperr.PaymentRequired, apperr.Unauthenticated,
		apperr.NotFound, apperr.RateLimited:
	default:
		return nil, false
	}
	m := map[string]string{}
	for _, f := range ae.Fields {
		if _, dup := m[f.Field]; !dup {
			m[f.Field] = f.Detail
		}
	}
	m[""] = ae.Message
	return m, true
}

// redirect answers a form post with 303 See Other, so reloading the next page does not post again.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	w.Header().Set("Cache-Control", cacheNone)
	http.Redirect(w, r, to, http.StatusSeeOther)
}
