package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/pasarhq/pasar/internal/identity"
	"github.com/pasarhq/pasar/internal/order"
	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

type accountData struct {
	Orders []order.Order
}

// historyLimit is how many recent orders the account page lists.
const historyLimit = 50

func (s *Storefront) accountPage(w http.ResponseWriter, r *http.Request) {
	if !signedIn(r) {
		redirect(w, r, "/account/login?next=/account/")
		return
	}
	os, err := s.o.Orders.Mine(r.Context(), historyLimit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, cacheNone, "account", view{Title: "Your account", Data: accountData{Orders: os}})
}

func (s *Storefront) accountOrder(w http.ResponseWriter, r *http.Request) {
	if !signedIn(r) {
		redirect(w, r, "/account/login?next="+url.QueryEscape(r.URL.Path))
		return
	}
	o, err := s.o.Orders.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, cacheNone, "order", view{Title: "Order " + o.Number, Data: orderData{Order: o}})
}

type authData struct {
	Next    string
	Message string
	Token   string
}

// localNext returns next when it is a path on this shop, else "/account/": a sign-in form must
// not send the shopper to another site.
func localNext(next string) string {
	if strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") && !strings.HasPrefix(next, "/\\") {
		return next
	}
	return "/account/"
}

func (s *Storefront) loginPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := authData{Next: localNext(q.Get("next"))}
	if q.Get("reset") == "1" {
		d.Message = "Your password is changed. Sign in with the new one."
	}
	s.render(w, r, http.StatusOK, cacheNone, "login", view{Title: "Sign in", Data: d})
}

func (s *Storefront) registerPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, cacheNone, "register", view{Title: "Create an account",
		Data: authData{Next: localNext(r.URL.Query().Get("next"))}})
}

func credentials(r *http.Request) identity.Credentials {
	return identity.Credentials{Email: strings.TrimSpace(r.PostForm.Get("email")), Password: r.PostForm.Get("password")}
}

func (s *Storefront) login(w http.ResponseWriter, r *http.Request) {
	if err := s.signIn(w, r, credentials(r)); err != nil {
		s.authFailed(w, r, "login", "Sign in", err)
		return
	}
	redirect(w, r, localNext(r.PostForm.Get("next")))
}

func (s *Storefront) register(w http.ResponseWriter, r *http.Request) {
	c := credentials(r)
	if _, err := s.o.Identity.Register(identity.WithClientIP(r.Context(), clientIP(r)), c); err != nil {
		s.authFailed(w, r, "register", "Create an account", err)
		return
	}
	if err := s.signIn(w, r, c); err != nil {
		s.authFailed(w, r, "login", "Sign in", err)
		return
	}
	redirect(w, r, localNext(r.PostForm.Get("next")))
}

// signIn starts a browser session and moves the guest cart into the customer's.
func (s *Storefront) signIn(w http.ResponseWriter, r *http.Request, c identity.Credentials) error {
	sess, err := s.o.Identity.StartSession(identity.WithClientIP(r.Context(), clientIP(r)), c)
	if err != nil {
		return err
	}
	identity.SetSessionCookie(w, r, sess)
	if guest := cartID(r); guest != "" {
		// As the customer just signed in: their token, where the cart is in another process.
		v, err := s.o.Carts.Merge(sess.Context(r.Context()), guest, sess.Principal.Subject)
		switch {
		case err == nil:
			setCartCookie(w, r, v.ID)
		case apperr.KindOf(err) == apperr.NotFound || apperr.KindOf(err) == apperr.BadRequest:
			clearCartCookie(w, r) // gone or someone else's: nothing to keep
		default:
			// Signed in all the same; the guest cart stays in its cookie for the next try.
			s.o.Log.Warn("merge guest cart at sign-in", "err", err)
		}
	}
	return nil
}

// authFailed shows the sign-in or register form again with the problem: 422 with the fields
// for invalid input, the kind's own status otherwise (401 for a wrong password).
func (s *Storefront) authFailed(w http.ResponseWriter, r *http.Request, page, title string, err error) {
	errs, ok := fieldErrors(err)
	if !ok {
		s.fail(w, r, err)
		return
	}
	form := url.Values{"email": {r.PostForm.Get("email")}} // never echo a password
	s.render(w, r, statusForForm(err), cacheNone, page, view{Title: title, Errors: errs, Form: form,
		Data: authData{Next: localNext(r.PostForm.Get("next"))}})
}

func statusForForm(err error) int {
	if k := apperr.KindOf(err); k != apperr.InvalidInput && k != apperr.BadRequest {
		return httpx.StatusOf(k)
	}
	return http.StatusUnprocessableEntity
}

func (s *Storefront) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(identity.SessionCookie); err == nil {
		if err := s.o.Identity.EndSession(r.Context(), c.Value); err != nil && apperr.KindOf(err) != apperr.NotFound {
			s.fail(w, r, err)
			return
		}
	}
	identity.ClearSessionCookie(w, r)
	clearCartCookie(w, r) // the cart is the customer's now; a guest cannot see it
	redirect(w, r, "/")
}

func (s *Storefront) resetRequestPage(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("token") != "" {
		// The link in the reset mail: go straight to choosing the new password.
		s.resetConfirmPage(w, r)
		return
	}
	s.render(w, r, http.StatusOK, cacheNone, "reset", view{Title: "Reset your password"})
}

func (s *Storefront) resetRequest(w http.ResponseWriter, r *http.Request) {
	email := strings.TrimSpace(r.PostForm.Get("email"))
	if email == "" {
		s.render(w, r, http.StatusUnprocessableEntity, cacheNone, "reset", view{Title: "Reset your password",
			Errors: map[string]string{"email": "is required"}, Form: r.PostForm})
		return
	}
	if err := s.o.Identity.RequestPasswordReset(identity.WithClientIP(r.Context(), clientIP(r)), email); err != nil {
		errs, ok := fieldErrors(err)
		if !ok {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, statusForForm(err), cacheNone, "reset", view{Title: "Reset your password", Errors: errs, Form: r.PostForm})
		return
	}
	// The same answer whether or not the address has an account, so the form tells nobody
	// which addresses are customers.
	s.render(w, r, http.StatusOK, cacheNone, "reset", view{Title: "Reset your password",
		Data: authData{Message: "If " + email + " has an account, we have sent it a link to choose a new password."}})
}

func (s *Storefront) resetConfirmPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, cacheNone, "reset_confirm", view{Title: "Choose a new password",
		Data: authData{Token: r.URL.Query().Get("token")}})
}

func (s *Storefront) resetConfirm(w http.ResponseWriter, r *http.Request) {
	in := identity.PasswordReset{Token: r.PostForm.Get("token"), Password: r.PostForm.Get("password")}
	if err := s.o.Identity.ResetPassword(r.Context(), in); err != nil {
		errs, ok := fieldErrors(err)
		if !ok {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, statusForForm(err), cacheNone, "reset_confirm", view{Title: "Choose a new password",
			Errors: errs, Data: authData{Token: in.Token}})
		return
	}
	redirect(w, r, "/account/login?reset=1")
}
