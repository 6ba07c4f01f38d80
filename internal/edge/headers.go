package edge

import "net/http"

// contentSecurityPolicy suits Pasar's server-rendered pages: scripts, styles, images and fonts
// from the shop's own origin only (no inline script), forms posting back to it, never framed.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// hsts asks browsers to use HTTPS only for two years, subdomains included.
const hsts = "max-age=63072000; includeSubDomains"

// secureHeaders sets the security headers on every response before next writes it, and HSTS on
// responses sent over TLS (a browser ignores HSTS over plain HTTP, and a plain listener behind a
// TLS-terminating proxy must not claim it). A handler may still override any of them.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Security-Policy"] = []string{contentSecurityPolicy}
		h["X-Content-Type-Options"] = []string{"nosniff"}
		h["X-Frame-Options"] = []string{"DENY"}
		h["Referrer-Policy"] = []string{"strict-origin-when-cross-origin"}
		h["Cross-Origin-Opener-Policy"] = []string{"same-origin"}
		h["Permissions-Policy"] = []string{"camera=(), microphone=(), geolocation=(), payment=(self)"}
		if r.TLS != nil {
			h["Strict-Transport-Security"] = []string{hsts}
		}
		next.ServeHTTP(w, r)
	})
}
