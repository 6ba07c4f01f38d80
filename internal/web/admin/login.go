package admin

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	"github.com/pasarhq/pasar/internal/identity"
	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
)

// loginCookie carries the sign-in form's CSRF token before there is a session (double submit):
// another site cannot read it, so it cannot post a form that matches it.
const loginCookie = "pasar_admin_login"

type loginPage struct {
	Next, Token string
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	if p := auth.FromContext(r.Context()); p.Can(auth.AdminAccess) {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	h.showLogin(w, r, http.StatusOK, newForm(nil))
}

func (h *Handler) showLogin(w http.ResponseWriter, r *http.Request, status int, f *form) {
	token := randomToken()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: token, Path: "/admin/login", HttpOnly: true,
		Secure: overTLS(r), SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	next := r.URL.Query().Get("next")
	if f.Get("next") != "" {
		next = f.Get("next")
	}
	h.render(w, r, status, "login", view{Title: "Sign in", Form: f, Page: loginPage{Next: safeNext(next), Token: token}})
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.showLogin(w, r, http.StatusBadRequest, &form{Message: "The form could not be read."})
		return
	}
	f := newForm(r.PostForm)
	c, err := r.Cookie(loginCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(f.Get("login_token"))) != 1 {
		f.Message = "The form has expired. Sign in again."
		h.showLogin(w, r, http.StatusForbidden, f)
		return
	}
	email, password := f.Get("email"), f.Get("password")
	if email == "" {
		f.Add("email", "Enter your email address.")
	}
	if password == "" {
		f.Add("password", "Enter your password.")
	}
	if f.Bad() {
		h.showLogin(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	ctx := identity.WithClientIP(r.Context(), clientIP(r))
	s, err := h.o.Identity.StartSession(ctx, identity.Credentials{Email: email, Password: password})
	if err != nil {
		f.Values.Del("password")
		status := f.absorb(err)
		if apperr.KindOf(err) == apperr.Unauthenticated {
			f.Message, status = "The email or password is wrong.", http.StatusUnauthorized
		}
		if status >= 500 {
			h.o.Logger.Error("admin sign-in", "err", err)
		}
		h.showLogin(w, r, status, f)
		return
	}
	if !s.Principal.Can(auth.AdminAccess) {
		// A shopper's account: no admin session for it.
		if err := h.o.Identity.EndSession(ctx, s.Token); err != nil {
			h.o.Logger.Warn("end customer session at admin sign-in", "err", err)
		}
		f.Values.Del("password")
		f.Message = "This account has no access to the shop's administration."
		h.showLogin(w, r, http.StatusForbidden, f)
		return
	}
	identity.SetSessionCookie(w, r, s)
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Path: "/admin/login", MaxAge: -1})
	http.Redirect(w, r, safeNext(f.Get("next")), http.StatusSeeOther)
}

// logout ends the session; the session middleware has checked the form's CSRF token.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(identity.SessionCookie); err == nil && !auth.FromContext(r.Context()).IsAnonymous() {
		if err := h.o.Identity.EndSession(r.Context(), c.Value); err != nil && !errors.Is(err, identity.ErrNoSession) {
			h.fail(w, r, err)
			return
		}
	}
	identity.ClearSessionCookie(w, r)
	http.Redirect(w, r, "/admin/login?done=signedout", http.StatusSeeOther)
}

// overTLS reports whether the browser came over HTTPS, directly or through a proxy that ended
// TLS and said so, as identity decides for the session cookie (a lying client only makes its own
// cookie stricter).
func overTLS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
