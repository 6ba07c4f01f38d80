// Package config holds Pasar's settings: one struct with defaults, read once from PASAR_*
// environment variables and command-line flags (flags win), validated before anything starts.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of the pasar binary.
type Config struct {
	Addr             string
	DataDir          string
	Demo             bool
	PostgresURL      string
	PostgresMaxConns int
	SQLiteSync       string
	NATSURL          string
	NATSListen       string
	NATSStream       string
	NATSPrefix       string
	RedisPrefix      string
	LogLevel         string
	LogFormat        string
	RequestTimeout   time.Duration
	ShutdownTimeout  time.Duration
	DrainDelay       time.Duration
	MaxBodyBytes     int64
	RedisURL         string
	JWKSURL          string
	Argon2Memory     int
	Argon2Iterations int
	Argon2Threads    int
	AccessTokenTTL   time.Duration
	SessionTTL       time.Duration
	SigningKeySecret string
	Currency         string
	StoreCountry     string
	PricesIncludeTax bool
	TaxRates         string
	ShippingMethods  string
	CartTTL          time.Duration
	CDNURL           string // prefix of storefront asset and image URLs; empty: served from this host
	UploadsDir       string // images uploaded on the admin pages; empty: <data>/uploads

	// Edge: WAF, TLS, rate limits (internal/edge).
	WAF                   string
	TLSCert               string
	TLSKey                string
	TLSSelfSigned         bool
	ACMEDomain            string
	ACMEEmail             string
	HTTPRedirectAddr      string
	RateLimitClient       int
	RateLimitClientBurst  int
	RateLimitAccount      int
	RateLimitAccountBurst int
	PaymentCallbackSecret string
	TrustProxy            bool

	// Gateway (internal/gateway): where the replicas are and how to spread requests over them.
	GatewayRoutes         string
	GatewayBalance        string
	GatewayHealthInterval time.Duration
	GatewayAttempts       int
	GatewayIdleConns      int
	WebURL                string

	// Orders and notifications (internal/order, internal/notification).
	Capture   string
	SMTPURL   string
	MailFrom  string
	PublicURL string

	WebhookAllowPrivate bool
	MailRetention       time.Duration
	WebhookRetention    time.Duration

	// Distributed shape (docs/DISTRIBUTED.md): which services run here, where the others are.
	Services            string
	IdentityURL         string
	CatalogURL          string
	SearchURL           string
	InventoryURL        string
	CartURL             string
	PaymentURL          string
	OrderURL            string
	ServiceClientID     string
	ServiceClientSecret string
	ServiceTimeout      time.Duration
	BreakerFailures     int
	BreakerCooldown     time.Duration
	ReplicaID           string

	// Autobackup (docs/OPERATIONS.md): serve takes backups on a schedule.
	BackupDir   string
	BackupEvery time.Duration
	BackupKeep  int
}

// Default returns the settings of a shop on embedded defaults.
func Default() Config {
	return Config{
		Addr:             ":8080",
		DataDir:          "./data",
		PostgresMaxConns: 8,
		SQLiteSync:       "normal",
		NATSListen:       "127.0.0.1:0",
		NATSStream:       "PASAR",
		NATSPrefix:       "pasar",
		RedisPrefix:      "pasar:",
		LogLevel:         "info",
		LogFormat:        "json",
		RequestTimeout:   30 * time.Second,
		ShutdownTimeout:  20 * time.Second,
		MaxBodyBytes:     1 << 20,
		Argon2Memory:     19 * 1024,
		Argon2Iterations: 2,
		Argon2Threads:    1,
		AccessTokenTTL:   15 * time.Minute,
		SessionTTL:       7 * 24 * time.Hour,
		Currency:         "USD",
		CartTTL:          30 * 24 * time.Hour,

		WAF:                   "block",
		RateLimitClient:       50,
		RateLimitClientBurst:  200,
		RateLimitAccount:      20,
		RateLimitAccountBurst: 100,

		GatewayBalance:        "round-robin",
		GatewayHealthInterval: 2 * time.Second,
		GatewayAttempts:       3,
		GatewayIdleConns:      256,

		Capture:  "immediate",
		MailFrom: "Pasar <shop@localhost>",

		MailRetention:    30 * 24 * time.Hour,
		WebhookRetention: 30 * 24 * time.Hour,

		ServiceTimeout:  10 * time.Second,
		BreakerFailures: 5,
		BreakerCooldown: 5 * time.Second,

		BackupEvery: 24 * time.Hour,
		BackupKeep:  7,
	}
}

// Scope says which commands a setting belongs to.
type Scope uint8

// Scopes: storage settings matter to every command that opens the stores; server settings only
// to serve; gateway settings to `pasar gateway`, which opens no store.
const (
	Storage Scope = 1 << iota
	Server
	Gateway
)

// A Setting binds one field of Config to a flag and its environment twin.
type Setting struct {
	Flag, Env, Usage string
	Scope            Scope
	Secret           bool
	Value            flag.Value
}

// Settings lists c's settings, bound to its fields.
func (c *Config) Settings() []Setting {
	return []Setting{
		{"addr", "PASAR_ADDR", "address to serve HTTP on (host:port)", Server | Gateway, false, (*stringValue)(&c.Addr)},
		{"data", "PASAR_DATA", "folder for embedded data: SQLite files, the event store, the search index", Storage | Gateway, false, (*stringValue)(&c.DataDir)},
		{"demo", "PASAR_DEMO", "fill an empty shop with a demo catalog", Server, false, (*boolValue)(&c.Demo)},
		{"postgres-url", "PASAR_POSTGRES_URL", "PostgreSQL URL; when set, stores live there instead of SQLite", Storage, true, (*stringValue)(&c.PostgresURL)},
		{"postgres-max-conns", "PASAR_POSTGRES_MAX_CONNS", "PostgreSQL connections per service", Storage, false, (*intValue)(&c.PostgresMaxConns)},
		{"sqlite-sync", "PASAR_SQLITE_SYNC", "SQLite durability: normal (fsync at checkpoints) or full (fsync every commit)", Storage, false, (*stringValue)(&c.SQLiteSync)},
		{"nats-url", "PASAR_NATS_URL", "external NATS server(s), comma separated; when empty an embedded server runs", Storage, true, (*stringValue)(&c.NATSURL)},
		{"nats-stream", "PASAR_NATS_STREAM", "JetStream stream that holds the shop's events; shops sharing a NATS server each need their own", Storage, false, (*stringValue)(&c.NATSStream)},
		{"nats-subject-prefix", "PASAR_NATS_SUBJECT_PREFIX", "first token of every event subject (prefix.type); shops sharing a NATS server each need their own", Storage, false, (*stringValue)(&c.NATSPrefix)},
		{"nats-listen", "PASAR_NATS_LISTEN", "client address of the embedded NATS server (port 0 picks a free one)", Server, false, (*stringValue)(&c.NATSListen)},
		{"log-level", "PASAR_LOG_LEVEL", "debug, info, warn or error", Storage | Server | Gateway, false, (*stringValue)(&c.LogLevel)},
		{"log-format", "PASAR_LOG_FORMAT", "json or text", Storage | Server | Gateway, false, (*stringValue)(&c.LogFormat)},
		{"request-timeout", "PASAR_REQUEST_TIMEOUT", "longest time one request may take", Server | Gateway, false, (*durationValue)(&c.RequestTimeout)},
		{"shutdown-timeout", "PASAR_SHUTDOWN_TIMEOUT", "longest wait for in-flight requests on shutdown", Server | Gateway, false, (*durationValue)(&c.ShutdownTimeout)},
		{"drain-delay", "PASAR_DRAIN_DELAY", "on shutdown, keep serving this long with /readyz answering 503, so a load balancer in front stops sending before the listener closes (e.g. 5s behind HAProxy)", Server | Gateway, false, (*durationValue)(&c.DrainDelay)},
		{"max-body-bytes", "PASAR_MAX_BODY_BYTES", "largest request body accepted, in bytes", Server | Gateway, false, (*int64Value)(&c.MaxBodyBytes)},
		{"redis-url", "PASAR_REDIS_URL", "Redis URL; when set, browser sessions, carts and rate limits live there", Server | Gateway, true, (*stringValue)(&c.RedisURL)},
		{"redis-prefix", "PASAR_REDIS_PREFIX", "prefix of every Redis key (carts, sessions, rate limits); shops sharing a Redis each need their own", Server | Gateway, false, (*stringValue)(&c.RedisPrefix)},
		{"jwks-url", "PASAR_JWKS_URL", "identity's JWKS URL, for processes that verify access tokens without running identity", Server, false, (*stringValue)(&c.JWKSURL)},
		{"argon2-memory", "PASAR_ARGON2_MEMORY", "argon2id memory per password hash, in KiB", Storage | Server, false, (*intValue)(&c.Argon2Memory)},
		{"argon2-iterations", "PASAR_ARGON2_ITERATIONS", "argon2id passes over that memory", Storage | Server, false, (*intValue)(&c.Argon2Iterations)},
		{"argon2-threads", "PASAR_ARGON2_THREADS", "argon2id lanes (threads) per hash", Storage | Server, false, (*intValue)(&c.Argon2Threads)},
		{"access-token-ttl", "PASAR_ACCESS_TOKEN_TTL", "lifetime of access tokens, from 1m to 1h", Server, false, (*durationValue)(&c.AccessTokenTTL)},
		{"session-ttl", "PASAR_SESSION_TTL", "lifetime of browser sessions", Server, false, (*durationValue)(&c.SessionTTL)},
		{"signing-key-secret", "PASAR_SIGNING_KEY_SECRET", "secret (32+ random characters) that token signing keys are stored encrypted with", Storage | Server, true, (*stringValue)(&c.SigningKeySecret)},
		{"currency", "PASAR_CURRENCY", "currency of new carts that name none (ISO 4217)", Server, false, (*stringValue)(&c.Currency)},
		{"store-country", "PASAR_STORE_COUNTRY", "country (ISO 3166-1 alpha-2) taxed until a shopper gives an address", Server, false, (*stringValue)(&c.StoreCountry)},
		{"prices-include-tax", "PASAR_PRICES_INCLUDE_TAX", "catalog prices include tax (EU style) instead of tax added at checkout", Server, false, (*boolValue)(&c.PricesIncludeTax)},
		{"tax-rates", "PASAR_TAX_RATES", "tax percent per country or region, e.g. DE=19,US-CA=7.25", Server, false, (*stringValue)(&c.TaxRates)},
		{"shipping-methods", "PASAR_SHIPPING_METHODS", "shipping methods as JSON (see docs/PRICING.md); the first is the default", Server, false, (*stringValue)(&c.ShippingMethods)},
		{"cart-ttl", "PASAR_CART_TTL", "how long a cart lives after its last change (Redis expiry, hourly sweep in SQL)", Server, false, (*durationValue)(&c.CartTTL)},
		{"cdn-url", "PASAR_CDN_URL", "URL prefix (e.g. https://cdn.example.com) for the storefront's assets and product images; empty: this host", Server, false, (*stringValue)(&c.CDNURL)},
		{"uploads-dir", "PASAR_UPLOADS_DIR", "folder of the product images uploaded on the admin pages; several web replicas must share it (see docs/DISTRIBUTED.md); empty: <data>/uploads", Server, false, (*stringValue)(&c.UploadsDir)},

		{"waf", "PASAR_WAF", "web application firewall (OWASP CRS): off, detect (log only) or block", Server | Gateway, false, (*stringValue)(&c.WAF)},
		{"tls-cert", "PASAR_TLS_CERT", "TLS certificate (PEM file, chain included); with --tls-key serves HTTPS", Server | Gateway, false, (*stringValue)(&c.TLSCert)},
		{"tls-key", "PASAR_TLS_KEY", "TLS private key (PEM file)", Server | Gateway, false, (*stringValue)(&c.TLSKey)},
		{"tls-self-signed", "PASAR_TLS_SELF_SIGNED", "serve HTTPS with a development certificate generated under the data folder", Server | Gateway, false, (*boolValue)(&c.TLSSelfSigned)},
		{"acme-domain", "PASAR_ACME_DOMAIN", "serve HTTPS with certificates from Let's Encrypt (ACME) for these domains, comma separated", Server | Gateway, false, (*stringValue)(&c.ACMEDomain)},
		{"acme-email", "PASAR_ACME_EMAIL", "contact address given to the ACME certificate authority", Server | Gateway, false, (*stringValue)(&c.ACMEEmail)},
		{"http-redirect-addr", "PASAR_HTTP_REDIRECT_ADDR", "address of a plain HTTP listener that redirects to HTTPS (e.g. :80)", Server | Gateway, false, (*stringValue)(&c.HTTPRedirectAddr)},
		{"rate-limit-client", "PASAR_RATE_LIMIT_CLIENT", "requests per second per client address (0: no limit)", Server | Gateway, false, (*intValue)(&c.RateLimitClient)},
		{"rate-limit-client-burst", "PASAR_RATE_LIMIT_CLIENT_BURST", "requests a client address may make at once before its rate applies", Server | Gateway, false, (*intValue)(&c.RateLimitClientBurst)},
		{"rate-limit-account", "PASAR_RATE_LIMIT_ACCOUNT", "requests per second per signed-in account (0: no limit)", Server, false, (*intValue)(&c.RateLimitAccount)},
		{"rate-limit-account-burst", "PASAR_RATE_LIMIT_ACCOUNT_BURST", "requests an account may make at once before its rate applies", Server, false, (*intValue)(&c.RateLimitAccountBurst)},
		{"payment-callback-secret", "PASAR_PAYMENT_CALLBACK_SECRET", "HMAC key the test payment provider signs its callbacks with; callbacks are refused while it is empty", Server, true, (*stringValue)(&c.PaymentCallbackSecret)},
		{"gateway-routes", "PASAR_GATEWAY_ROUTES", "file listing each service's replicas, a line each (docs/GATEWAY.md); PASAR_<SERVICE>_URL wins for a service it names", Gateway, false, (*stringValue)(&c.GatewayRoutes)},
		{"gateway-balance", "PASAR_GATEWAY_BALANCE", "how the gateway spreads requests over a service's replicas: round-robin or least-conn", Gateway, false, (*stringValue)(&c.GatewayBalance)},
		{"gateway-health-interval", "PASAR_GATEWAY_HEALTH_INTERVAL", "how often the gateway asks every replica's /readyz", Gateway, false, (*durationValue)(&c.GatewayHealthInterval)},
		{"gateway-attempts", "PASAR_GATEWAY_ATTEMPTS", "replicas one request may be tried on (retries only where repeating is safe)", Gateway, false, (*intValue)(&c.GatewayAttempts)},
		{"gateway-idle-conns", "PASAR_GATEWAY_IDLE_CONNS", "keep-alive connections the gateway keeps open to each replica", Gateway, false, (*intValue)(&c.GatewayIdleConns)},
		{"web-url", "PASAR_WEB_URL", "base URL(s) of the process serving the HTML pages, for the gateway", Gateway, false, (*stringValue)(&c.WebURL)},
		{"trust-proxy", "PASAR_TRUST_PROXY", "take client addresses from X-Forwarded-For (only behind a proxy or gateway that sets it)", Server | Gateway, false, (*boolValue)(&c.TrustProxy)},
		{"capture", "PASAR_CAPTURE", "when payments are captured: immediate (at checkout) or shipment (when the order ships; checkout only authorizes)", Server, false, (*stringValue)(&c.Capture)},
		{"smtp-url", "PASAR_SMTP_URL", "SMTP server for mail, e.g. smtp://user:pass@host:587 (STARTTLS) or smtps://host:465; empty appends each mail to a mail log under <data>/mail, one mbox file per UTC day", Server, true, (*stringValue)(&c.SMTPURL)},
		{"mail-from", "PASAR_MAIL_FROM", "From address of the shop's mail", Server, false, (*stringValue)(&c.MailFrom)},
		{"webhook-allow-private", "PASAR_WEBHOOK_ALLOW_PRIVATE", "let merchant webhooks reach loopback, private, link-local and other internal addresses (an on-premises receiver); refused by default", Server, false, (*boolValue)(&c.WebhookAllowPrivate)},
		{"mail-retention", "PASAR_MAIL_RETENTION", "how long mails stay in the mail log folder (<data>/mail; a day's file goes once its last mail is that old) and their records in the store; 0 keeps them forever", Server, false, (*durationValue)(&c.MailRetention)},
		{"webhook-retention", "PASAR_WEBHOOK_RETENTION", "how long delivered and failed webhook deliveries stay in the delivery log; 0 keeps them forever", Server, false, (*durationValue)(&c.WebhookRetention)},
		{"public-url", "PASAR_PUBLIC_URL", "the shop's address as shoppers reach it (e.g. https://shop.example.com), for links in mail; empty uses http://localhost:8080", Server, false, (*stringValue)(&c.PublicURL)},

		{"services", "PASAR_SERVICES", "services this process runs, comma separated (" + strings.Join(ServiceNames, ", ") + "); empty: all of them", Server, false, (*stringValue)(&c.Services)},
		{"identity-url", "PASAR_IDENTITY_URL", "identity's base URL, or a comma list of its replicas, when it runs elsewhere (for the gateway: where it runs)", Server | Gateway, false, (*stringValue)(&c.IdentityURL)},
		{"catalog-url", "PASAR_CATALOG_URL", "the catalog's base URL(s) when it runs elsewhere (for the gateway: where it runs)", Server | Gateway, false, (*stringValue)(&c.CatalogURL)},
		{"search-url", "PASAR_SEARCH_URL", "search's base URL(s) when it runs elsewhere (for the gateway: where it runs)", Server | Gateway, false, (*stringValue)(&c.SearchURL)},
		{"inventory-url", "PASAR_INVENTORY_URL", "the inventory's base URL(s) when it runs elsewhere (for the gateway: where it runs)", Server | Gateway, false, (*stringValue)(&c.InventoryURL)},
		{"cart-url", "PASAR_CART_URL", "the cart service's base URL(s) when it runs elsewhere (for the gateway: where it runs)", Server | Gateway, false, (*stringValue)(&c.CartURL)},
		{"payment-url", "PASAR_PAYMENT_URL", "the payment service's base URL(s) when it runs elsewhere (for the gateway: where it runs)", Server | Gateway, false, (*stringValue)(&c.PaymentURL)},
		{"order-url", "PASAR_ORDER_URL", "the order service's base URL(s) when it runs elsewhere (for the gateway: where it runs)", Server | Gateway, false, (*stringValue)(&c.OrderURL)},
		{"service-client-id", "PASAR_SERVICE_CLIENT_ID", "service client (registered in identity) this process calls other services as", Server, false, (*stringValue)(&c.ServiceClientID)},
		{"service-client-secret", "PASAR_SERVICE_CLIENT_SECRET", "that service client's secret", Server, true, (*stringValue)(&c.ServiceClientSecret)},
		{"service-timeout", "PASAR_SERVICE_TIMEOUT", "longest wait for one call to another service (each retry has its own)", Server, false, (*durationValue)(&c.ServiceTimeout)},
		{"breaker-failures", "PASAR_BREAKER_FAILURES", "consecutive failed calls that open a replica's circuit breaker", Server, false, (*intValue)(&c.BreakerFailures)},
		{"breaker-cooldown", "PASAR_BREAKER_COOLDOWN", "how long an open breaker refuses calls before one probe is let through", Server, false, (*durationValue)(&c.BreakerCooldown)},
		{"backup-dir", "PASAR_BACKUP_DIR", "folder serve writes scheduled backups into, one timestamped folder each; empty: no scheduled backups", Server, false, (*stringValue)(&c.BackupDir)},
		{"backup-every", "PASAR_BACKUP_EVERY", "time between scheduled backups (with --backup-dir)", Server, false, (*durationValue)(&c.BackupEvery)},
		{"backup-keep", "PASAR_BACKUP_KEEP", "scheduled backups kept; older ones are deleted", Server, false, (*intValue)(&c.BackupKeep)},
		{"replica-id", "PASAR_REPLICA_ID", "this replica's name for its own durable event consumers and, on PostgreSQL, its search schema; empty: host name plus a hash of the data folder", Storage | Server, false, (*stringValue)(&c.ReplicaID)},
	}
}

// Load fills c from the environment (through getenv) and then from args, for the settings in
// scope, and validates the result. fs receives the flags, so `-h` lists them.
func (c *Config) Load(fs *flag.FlagSet, scope Scope, args []string, getenv func(string) string) error {
	var ss []Setting
	for _, s := range c.Settings() {
		if s.Scope&scope == 0 {
			continue
		}
		ss = append(ss, s)
		if v := getenv(s.Env); v != "" {
			if err := s.Value.Set(v); err != nil {
				return settingError(s, v, err)
			}
		}
		fs.Var(s.Value, s.Flag, s.Usage+" ($"+s.Env+")")
	}
	fs.Usage = func() { usage(fs, ss) }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return c.validate(ss)
}

func usage(fs *flag.FlagSet, ss []Setting) {
	w := fs.Output()
	fmt.Fprintf(w, "Usage of pasar %s:\n\nEvery flag has an environment twin; a flag given on the command line wins.\n\n", fs.Name())
	for _, s := range ss {
		def := s.Value.String()
		if s.Secret || def == "" {
			def = "none"
		}
		fmt.Fprintf(w, "  --%-20s %s\n  %-22s env %s, default %s\n", s.Flag, s.Usage, "", s.Env, def)
	}
}

func settingError(s Setting, v string, err error) error {
	if s.Secret {
		v = "(hidden)"
	}
	return fmt.Errorf("invalid setting %s (--%s): %q: %v", s.Env, s.Flag, v, err)
}

func (c *Config) validate(ss []Setting) error {
	checks := map[string]func() error{
		"addr":                func() error { return checkAddr(c.Addr) },
		"data":                func() error { return nonEmpty(c.DataDir) },
		"postgres-url":        func() error { return checkURLs(c.PostgresURL, "postgres", "postgresql") },
		"postgres-max-conns":  func() error { return positive(int64(c.PostgresMaxConns)) },
		"sqlite-sync":         func() error { return oneOf(c.SQLiteSync, "normal", "full") },
		"nats-url":            func() error { return checkURLs(c.NATSURL, "nats", "tls", "ws", "wss") },
		"nats-listen":         func() error { return checkAddr(c.NATSListen) },
		"nats-stream":         func() error { return natsName(c.NATSStream, false) },
		"nats-subject-prefix": func() error { return natsName(c.NATSPrefix, true) },
		"redis-prefix":        func() error { return nonEmpty(c.RedisPrefix) },
		"log-level":           func() error { return oneOf(c.LogLevel, "debug", "info", "warn", "error") },
		"log-format":          func() error { return oneOf(c.LogFormat, "json", "text") },
		"request-timeout":     func() error { return positive(int64(c.RequestTimeout)) },
		"shutdown-timeout":    func() error { return positive(int64(c.ShutdownTimeout)) },
		"drain-delay":         func() error { return notNegative(int64(c.DrainDelay)) },
		"max-body-bytes":      func() error { return positive(c.MaxBodyBytes) },
		"redis-url":           func() error { return checkURLs(c.RedisURL, "redis", "rediss") },
		"jwks-url":            func() error { return checkURLs(c.JWKSURL, "http", "https") },
		"argon2-memory":       func() error { return between(int64(c.Argon2Memory), 8*int64(c.Argon2Threads), 4<<20) },
		"argon2-iterations":   func() error { return between(int64(c.Argon2Iterations), 1, 100) },
		"argon2-threads":      func() error { return between(int64(c.Argon2Threads), 1, 255) },
		"access-token-ttl": func() error {
			if c.AccessTokenTTL < time.Minute || c.AccessTokenTTL > time.Hour {
				return errors.New("must be from 1m to 1h")
			}
			return nil
		},
		"session-ttl": func() error { return positive(int64(c.SessionTTL)) },
		"signing-key-secret": func() error {
			if c.SigningKeySecret != "" && len(c.SigningKeySecret) < 32 {
				return errors.New("must be at least 32 characters (e.g. openssl rand -base64 32)")
			}
			return nil
		},

		"currency":      func() error { return upperCode(c.Currency, 3) },
		"store-country": func() error { return upperCode(c.StoreCountry, 2) },
		"cart-ttl":      func() error { return positive(int64(c.CartTTL)) },
		"cdn-url":       func() error { return optionalBaseURL(c.CDNURL) },

		"waf":                      func() error { return oneOf(c.WAF, "off", "detect", "block") },
		"tls-key":                  func() error { return together(c.TLSCert, c.TLSKey, "--tls-cert") },
		"http-redirect-addr":       func() error { return optionalAddr(c.HTTPRedirectAddr) },
		"rate-limit-client":        func() error { return between(int64(c.RateLimitClient), 0, 1_000_000) },
		"rate-limit-client-burst":  func() error { return between(int64(c.RateLimitClientBurst), 1, 1_000_000) },
		"rate-limit-account":       func() error { return between(int64(c.RateLimitAccount), 0, 1_000_000) },
		"rate-limit-account-burst": func() error { return between(int64(c.RateLimitAccountBurst), 1, 1_000_000) },

		"gateway-balance":         func() error { return oneOf(c.GatewayBalance, "round-robin", "least-conn") },
		"gateway-health-interval": func() error { return positive(int64(c.GatewayHealthInterval)) },
		"gateway-attempts":        func() error { return between(int64(c.GatewayAttempts), 1, 64) },
		"gateway-idle-conns":      func() error { return between(int64(c.GatewayIdleConns), 1, 100_000) },
		"web-url":                 func() error { return checkURLs(c.WebURL, "http", "https") },

		"capture":    func() error { return oneOf(c.Capture, "immediate", "shipment") },
		"smtp-url":   func() error { return checkURLs(c.SMTPURL, "smtp", "smtps") },
		"mail-from":  func() error { return checkMailbox(c.MailFrom) },
		"public-url": func() error { return checkURLs(c.PublicURL, "http", "https") },
		// A day at least: the mail keys must outlive any redelivery of the event that sent it.
		"mail-retention":    func() error { return zeroOrAtLeast(c.MailRetention, 24*time.Hour) },
		"webhook-retention": func() error { return zeroOrAtLeast(c.WebhookRetention, time.Hour) },

		"services":              func() error { _, err := ParseServices(c.Services); return err },
		"identity-url":          func() error { return checkURLs(c.IdentityURL, "http", "https") },
		"catalog-url":           func() error { return checkURLs(c.CatalogURL, "http", "https") },
		"search-url":            func() error { return checkURLs(c.SearchURL, "http", "https") },
		"inventory-url":         func() error { return checkURLs(c.InventoryURL, "http", "https") },
		"cart-url":              func() error { return checkURLs(c.CartURL, "http", "https") },
		"payment-url":           func() error { return checkURLs(c.PaymentURL, "http", "https") },
		"order-url":             func() error { return checkURLs(c.OrderURL, "http", "https") },
		"service-client-secret": func() error { return together(c.ServiceClientID, c.ServiceClientSecret, "--service-client-id") },
		"service-timeout":       func() error { return positive(int64(c.ServiceTimeout)) },
		"breaker-failures":      func() error { return between(int64(c.BreakerFailures), 1, 1000) },
		"breaker-cooldown":      func() error { return positive(int64(c.BreakerCooldown)) },
		"backup-every": func() error {
			if c.BackupEvery < time.Minute {
				return errors.New("must be at least 1m")
			}
			return nil
		},
		"backup-keep": func() error { return between(int64(c.BackupKeep), 1, 10_000) },
		"replica-id": func() error {
			if strings.IndexFunc(c.ReplicaID, func(r rune) bool { return !validNameRune(r) }) >= 0 || len(c.ReplicaID) > 64 {
				return errors.New("use at most 64 letters, digits, - and _")
			}
			return nil
		},
	}
	for _, s := range ss {
		if check := checks[s.Flag]; check != nil {
			if err := check(); err != nil {
				return settingError(s, s.Value.String(), err)
			}
		}
	}
	return nil
}

// SlogLevel returns the configured log level.
func (c Config) SlogLevel() slog.Level {
	var l slog.Level
	_ = l.UnmarshalText([]byte(c.LogLevel)) // validated in Load
	return l
}

// LogValue logs the settings with secrets masked.
func (c Config) LogValue() slog.Value {
	var attrs []slog.Attr
	for _, s := range c.Settings() {
		v := s.Value.String()
		switch {
		case s.Secret && strings.Contains(v, "://"):
			v = Mask(v) // the server stays visible, the password not
		case s.Secret && v != "":
			v = "xxxxx"
		}
		attrs = append(attrs, slog.String(s.Flag, v))
	}
	return slog.GroupValue(attrs...)
}

// Mask hides the passwords in a comma-separated list of URLs.
func Mask(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil {
			parts[i] = "(unparseable)"
			continue
		}
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		q := u.Query()
		if q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		parts[i] = u.String()
	}
	return strings.Join(parts, ",")
}

func checkAddr(a string) error {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return errors.New("want host:port, e.g. :8080 or 127.0.0.1:8080")
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return errors.New("port must be a number from 0 to 65535")
	}
	if host != "" && net.ParseIP(host) == nil && strings.ContainsAny(host, " /") {
		return errors.New("host is not a name or an IP address")
	}
	return nil
}

func checkURLs(list string, schemes ...string) error {
	if list == "" {
		return nil
	}
	for _, p := range strings.Split(list, ",") {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil || u.Host == "" {
			return fmt.Errorf("want a URL like %s://host:port", schemes[0])
		}
		if oneOf(u.Scheme, schemes...) != nil {
			return fmt.Errorf("scheme must be one of %s", strings.Join(schemes, ", "))
		}
	}
	return nil
}

func oneOf(v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fmt.Errorf("must be one of %s", strings.Join(allowed, ", "))
}

// natsName checks a stream name, or a subject prefix (which may hold dots between tokens): no
// wildcards, spaces or other characters NATS gives a meaning to.
func natsName(v string, dots bool) error {
	if v == "" || v[0] == '.' || v[len(v)-1] == '.' || strings.Contains(v, "..") {
		return errors.New("must be letters, digits, - or _" + map[bool]string{true: ", tokens separated by single dots", false: ""}[dots])
	}
	for _, r := range v {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || dots && r == '.'
		if !ok {
			return fmt.Errorf("character %q is not allowed", r)
		}
	}
	return nil
}

func nonEmpty(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("must not be empty")
	}
	return nil
}

func notNegative(n int64) error {
	if n < 0 {
		return errors.New("must not be negative")
	}
	return nil
}

func positive(n int64) error {
	if n <= 0 {
		return errors.New("must be greater than zero")
	}
	return nil
}

func zeroOrAtLeast(d, lo time.Duration) error {
	if d != 0 && d < lo {
		return fmt.Errorf("must be 0 (keep forever) or at least %s", lo)
	}
	return nil
}

func between(n, lo, hi int64) error {
	if n < lo || n > hi {
		return fmt.Errorf("must be from %d to %d", lo, hi)
	}
	return nil
}

// upperCode checks an optional ISO code of n upper-case letters (USD, DE).
func upperCode(v string, n int) error {
	if v == "" {
		return nil
	}
	if len(v) != n || strings.ToUpper(v) != v || strings.IndexFunc(v, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		return fmt.Errorf("must be %d upper-case letters", n)
	}
	return nil
}

// together checks that two settings are given both or neither.
func together(a, b, other string) error {
	if (a == "") != (b == "") {
		return fmt.Errorf("goes together with %s", other)
	}
	return nil
}

func optionalAddr(a string) error {
	if a == "" {
		return nil
	}
	return checkAddr(a)
}

// checkMailbox accepts one address, with or without a display name ("Shop <shop@example.com>").
func checkMailbox(v string) error {
	if _, err := mail.ParseAddress(v); err != nil {
		return errors.New("want an address like Shop <shop@example.com>")
	}
	return nil
}

// optionalBaseURL accepts "" or an absolute http(s) URL without query or fragment, which pages
// put in front of asset paths.
func optionalBaseURL(v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return errors.New("must be an http(s) URL such as https://cdn.example.com")
	}
	return nil
}
