package identity

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// SessionCookie is the name of the browser session cookie.
const SessionCookie = "pasar_session"

// CSRFHeader and CSRFField carry the CSRF token of a session: the header for scripts, the
// field for HTML forms.
const (
	CSRFHeader = "X-CSRF-Token"
	CSRFField  = "csrf_token"
)

// ErrCSRF answers a cookie-authenticated write without the session's CSRF token.
var ErrCSRF = auth.ErrForbidden.WithMessage("The form has expired or did not come from this shop. Reload the page and try again.")

type sessionKey struct{}

// Sessions looks up the browser session of a cookie token: Service.Session, or a function
// around Service.SessionAccess where the session's calls go to other processes.
type Sessions interface {
	Session(ctx context.Context, token string) (Session, error)
}

// SessionFunc is a Sessions made of a function.
type SessionFunc func(ctx context.Context, token string) (Session, error)

// Session calls f.
func (f SessionFunc) Session(ctx context.Context, token string) (Session, error) {
	return f(ctx, token)
}

// SessionMiddleware signs in requests that carry a session cookie and no bearer token, and
// refuses their state-changing requests (anything but GET, HEAD, OPTIONS) unless they carry
// the session's CSRF token in CSRFHeader or the CSRFField form field. A session with an access
// token puts it in the context too (Session.Context), for the service clients. A cookie for an
// ended session is cleared and the request goes on as anonymous.
func SessionMiddleware(svc Sessions, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(SessionCookie)
		// Internal paths are for services, which call with bearer tokens; a cookie passed on to
		// one (GET /api/v1/internal/session) is what it works on, never who calls.
		if err != nil || !auth.FromContext(r.Context()).IsAnonymous() || strings.HasPrefix(r.URL.Path, "/api/v1/internal/") {
			next.ServeHTTP(w, r)
			return
		}
		s, err := svc.Session(r.Context(), c.Value)
		if err != nil {
			if errors.Is(err, ErrNoSession) {
				clearCookie(w, r)
			}
			next.ServeHTTP(w, r)
			return
		}
		if !safeMethod(r.Method) && !s.ValidCSRF(csrfFrom(r)) {
			httpx.WriteError(w, r, ErrCSRF)
			return
		}
		ctx := context.WithValue(s.Context(r.Context()), sessionKey{}, s)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// CSRFToken returns the CSRF token of the request's session, for the hidden CSRFField of every
// form that changes state; "" when the request has no session.
func CSRFToken(ctx context.Context) string {
	s, _ := ctx.Value(sessionKey{}).(Session)
	return s.CSRF
}

func csrfFrom(r *http.Request) string {
	if t := r.Header.Get(CSRFHeader); t != "" {
		return t
	}
	return r.PostFormValue(CSRFField) // parses url-encoded and multipart forms only
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// SetSessionCookie sets the cookie of s after StartSession, for page handlers that sign a
// browser in with a form; the JSON session endpoint uses it too.
func SetSessionCookie(w http.ResponseWriter, r *http.Request, s Session) { setSessionCookie(w, r, s) }

// ClearSessionCookie removes the session cookie after EndSession.
func ClearSessionCookie(w http.ResponseWriter, r *http.Request) { clearCookie(w, r) }

// setSessionCookie sets the cookie of s: HttpOnly so scripts cannot read it, SameSite=Lax so
// other sites' forms do not carry it, and Secure when the request came over TLS.
func setSessionCookie(w http.ResponseWriter, r *http.Request, s Session) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: s.Token, Path: "/", Expires: s.ExpiresAt,
		HttpOnly: true, Secure: overTLS(r), SameSite: http.SameSiteLaxMode})
}

// overTLS reports whether the browser reached us over HTTPS, directly or through a proxy that
// ended TLS and said so in X-Forwarded-Proto. Believing the header without knowing the proxy is
// safe here: a client that lies only makes its own cookie stricter.
func overTLS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: overTLS(r), SameSite: http.SameSiteLaxMode})
}

func (h handlers) startSession(w http.ResponseWriter, r *http.Request) {
	var in Credentials
	if !decode(w, r, &in) {
		return
	}
	s, err := h.svc.StartSession(withIP(r), in)
	if err != nil {
		fail(w, r, err)
		return
	}
	setSessionCookie(w, r, s)
	noStore(w)
	httpx.JSON(w, http.StatusOK, s)
}

// endSession signs the browser out; SessionMiddleware has already checked its CSRF token.
func (h handlers) endSession(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if err := h.svc.EndSession(r.Context(), c.Value); err != nil {
			fail(w, r, err)
			return
		}
	}
	clearCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
}

// sessionView is a session as GET /api/v1/auth/session shows it to the browser (or to
// identity's HTTP client holding the cookie).
type sessionView struct {
	CSRF      string    `json:"csrf_token"`
	ExpiresAt time.Time `json:"expires_at"`
	UserID    string    `json:"user_id"`
	Email     string    `json:"email"`
	Role      auth.Role `json:"role"`
}

// accessView is a session with an access token, as GET /api/v1/internal/session answers a page
// server: never to a browser (the gateway refuses internal paths, and it needs
// auth.SessionsExchange).
type accessView struct {
	sessionView
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
}

// sessionAccess answers the session of the cookie the caller passes on, with an access token.
func (h handlers) sessionAccess(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		fail(w, r, ErrNoSession)
		return
	}
	s, err := h.svc.SessionAccess(r.Context(), c.Value)
	if err != nil {
		fail(w, r, err)
		return
	}
	noStore(w)
	httpx.JSON(w, http.StatusOK, accessView{sessionView: viewOf(s), AccessToken: s.AccessToken,
		ExpiresIn: int(SessionAccessTTL / time.Second)})
}

func viewOf(s Session) sessionView {
	return sessionView{CSRF: s.CSRF, ExpiresAt: s.ExpiresAt, UserID: s.Principal.Subject,
		Email: s.Principal.Email, Role: s.Principal.Role}
}

// session shows the session the cookie belongs to; SessionMiddleware has looked it up.
func (h handlers) session(w http.ResponseWriter, r *http.Request) {
	s, ok := r.Context().Value(sessionKey{}).(Session)
	if !ok {
		fail(w, r, ErrNoSession)
		return
	}
	noStore(w)
	httpx.JSON(w, http.StatusOK, viewOf(s))
}
