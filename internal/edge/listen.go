package edge

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// ListenTLS puts TLS per o on l and, when o.RedirectAddr is set, starts a plain listener there
// that redirects to HTTPS (and answers ACME HTTP-01 challenges) until ctx ends. Without a
// certificate source it returns l unchanged. On error l is left open for the caller to close.
func ListenTLS(ctx context.Context, o TLSOptions, l net.Listener, log *slog.Logger) (net.Listener, error) {
	cfg, acm, err := TLSConfig(o)
	if err != nil || cfg == nil {
		return l, err
	}
	if o.RedirectAddr != "" {
		rl, err := net.Listen("tcp", o.RedirectAddr)
		if err != nil {
			return l, err
		}
		_, tlsPort, _ := net.SplitHostPort(l.Addr().String())
		var h http.Handler = Redirect(tlsPort)
		if acm != nil {
			h = acm.HTTPHandler(h)
		}
		go serveRedirect(ctx, rl, h, log)
	}
	source := "files"
	switch {
	case o.SelfSigned:
		source = "self-signed"
	case acm != nil:
		source = "acme"
	}
	log.Info("serving HTTPS", "certificate", source, "redirect_addr", o.RedirectAddr)
	return tls.NewListener(l, cfg), nil
}

// Redirect answers every request with a permanent redirect to the same URL over HTTPS on
// tlsPort (left out when it is 443). 308 keeps the method and body of a POST.
func Redirect(tlsPort string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if host == "" {
			http.Error(w, "Host header required", http.StatusBadRequest)
			return
		}
		if tlsPort != "" && tlsPort != "443" {
			host = net.JoinHostPort(host, tlsPort)
		} else if net.ParseIP(host) != nil && net.ParseIP(host).To4() == nil {
			host = "[" + host + "]"
		}
		w.Header().Set("Connection", "close")
		http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusPermanentRedirect)
	})
}

func serveRedirect(ctx context.Context, l net.Listener, h http.Handler, log *slog.Logger) {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       30 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx) // redirects are short; a cut one is retried by the browser
	}()
	log.Info("redirecting HTTP to HTTPS", "addr", l.Addr().String())
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("HTTP redirect listener stopped", "err", err)
	}
}
