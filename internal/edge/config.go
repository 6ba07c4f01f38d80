package edge

import (
	"log/slog"
	"strings"

	"github.com/pasarhq/pasar/internal/edge/ratelimit"
	"github.com/pasarhq/pasar/internal/edge/waf"
	"github.com/pasarhq/pasar/internal/platform/config"
)

// OptionsFrom takes the edge's settings from the process configuration.
func OptionsFrom(cfg config.Config, log *slog.Logger) Options {
	return Options{
		WAF:          waf.Mode(cfg.WAF),
		MaxBodyBytes: cfg.MaxBodyBytes,
		ClientRate:   ratelimit.Rate{PerSecond: float64(cfg.RateLimitClient), Burst: cfg.RateLimitClientBurst},
		AccountRate:  ratelimit.Rate{PerSecond: float64(cfg.RateLimitAccount), Burst: cfg.RateLimitAccountBurst},
		RedisURL:     cfg.RedisURL,
		RedisPrefix:  cfg.RedisPrefix + "ratelimit:",
		Logger:       log,
	}
}

// TLSOptionsFrom takes the listener's TLS settings from the process configuration.
func TLSOptionsFrom(cfg config.Config) TLSOptions {
	var domains []string
	for d := range strings.SplitSeq(cfg.ACMEDomain, ",") {
		if d = strings.TrimSpace(d); d != "" {
			domains = append(domains, d)
		}
	}
	return TLSOptions{
		CertFile:     cfg.TLSCert,
		KeyFile:      cfg.TLSKey,
		SelfSigned:   cfg.TLSSelfSigned,
		ACMEDomains:  domains,
		ACMEEmail:    cfg.ACMEEmail,
		DataDir:      cfg.DataDir,
		RedirectAddr: cfg.HTTPRedirectAddr,
	}
}
