package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/pasarhq/pasar/internal/cart"
	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// cartCookie holds the id of the shopper's cart, guest or signed in. The id is the only secret
// of a guest cart, so the cookie is HttpOnly and SameSite=Lax like the session's.
const cartCookie = "pasar_cart"

// cartCookieAge keeps a guest's cart across visits; the cart service expires idle carts itself.
const cartCookieAge = 30 * 24 * time.Hour

// cartID returns the id in the cart cookie, or "" when there is none that could be a cart id.
func cartID(r *http.Request) string {
	c, err := r.Cookie(cartCookie)
	if err != nil || !cart.ValidID(c.Value) {
		return ""
	}
	return c.Value
}

func setCartCookie(w http.ResponseWriter, r *http.Request, id string) {
	http.SetCookie(w, &http.Cookie{Name: cartCookie, Value: id, Path: "/", MaxAge: int(cartCookieAge / time.Second),
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

func clearCartCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cartCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

// currentCart returns the shopper's cart, or ok false when the cookie names none they can see
// (expired, checked out, or another customer's after signing out).
func (s *Storefront) currentCart(r *http.Request) (cart.View, bool) {
	id := cartID(r)
	if id == "" {
		return cart.View{}, false
	}
	v, err := s.o.Carts.Get(r.Context(), id)
	if err != nil {
		return cart.View{}, false
	}
	return v, true
}

// cartCount is the number of units in the shopper's cart, for the header.
func (s *Storefront) cartCount(r *http.Request) int64 {
	v, ok := s.currentCart(r)
	if !ok {
		return 0
	}
	var n int64
	for _, it := range v.Items {
		n += it.Quantity
	}
	return n
}

// ensureCart returns the id of the shopper's cart, creating one (and its cookie) when needed.
func (s *Storefront) ensureCart(w http.ResponseWriter, r *http.Request) (string, error) {
	if v, ok := s.currentCart(r); ok {
		return v.ID, nil
	}
	v, err := s.o.Carts.Create(r.Context(), s.o.Currency)
	if err != nil {
		return "", err
	}
	setCartCookie(w, r, v.ID)
	return v.ID, nil
}

// errCrossSite refuses a form posted from another site.
var errCrossSite = apperr.New(apperr.Forbidden, "cross_site_form",
	"This form did not come from this shop. Go back, reload the page and try again.")

// guard runs a form handler only for a post that came from this shop's own pages. The session
// middleware already checks the CSRF token of signed-in shoppers; guests have no session, so
// their forms (add to cart, sign in, register) are held to the browser's own origin headers:
// Sec-Fetch-Site where sent, else Origin. A request with neither (an old browser, curl) goes on:
// SameSite=Lax keeps the cart cookie off other sites' posts anyway.
func (s *Storefront) guard(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !sameOrigin(r) {
			s.fail(w, r, errCrossSite)
			return
		}
		if err := r.ParseForm(); err != nil {
			s.fail(w, r, apperr.New(apperr.BadRequest, "bad_form", "The form could not be read."))
			return
		}
		h(w, r)
	})
}

func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	case "":
	default:
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// signedIn reports whether the request comes from a signed-in shopper (not a service).
func signedIn(r *http.Request) bool {
	p := auth.FromContext(r.Context())
	return !p.IsAnonymous() && !p.Service
}

func clientIP(r *http.Request) string { return httpx.ClientIP(r) }
