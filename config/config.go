// Package config reads the portal's settings from the environment (12-factor),
// with command-line flags for the common ones. Every variable is documented in
// README.md; an invalid value stops start-up with an error naming it.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"
)

// Config is the whole runtime configuration of one portal process.
type Config struct {
	Addr            string        // PORTAL_ADDR
	BaseURL         *url.URL      // PORTAL_BASE_URL: how browsers reach the portal; used in e-mailed links
	DatabaseURL     string        // DATABASE_URL: postgres://…; empty means embedded SQLite
	DataDir         string        // PORTAL_DATA_DIR: SQLite file, mail outbox
	LogLevel        slog.Level    // PORTAL_LOG_LEVEL
	LogFormat       string        // PORTAL_LOG_FORMAT: text or json
	ShutdownTimeout time.Duration // PORTAL_SHUTDOWN_TIMEOUT
	FrameAncestors  []string      // PORTAL_FRAME_ANCESTORS: origins allowed to embed the portal
	TrustedProxies  []*net.IPNet  // PORTAL_TRUSTED_PROXIES: whose X-Forwarded-For is believed
	SessionIdle     time.Duration // PORTAL_SESSION_IDLE
	SessionMax      time.Duration // PORTAL_SESSION_MAX
	Demo            bool          // serve --demo
	DebugAddr       string        // PORTAL_DEBUG_ADDR: pprof and runtime figures, off by default
	CountStatements bool          // PORTAL_COUNT_STATEMENTS: X-Portal-Statements header per request

	// Request limits and shutdown (limits.go).
	MaxBodyBytes int64         // PORTAL_MAX_BODY_BYTES: largest request body of a form post
	ReadTimeout  time.Duration // PORTAL_READ_TIMEOUT: time a request's headers and body have to arrive
	DrainPeriod  time.Duration // PORTAL_DRAIN_PERIOD: /readyz is red this long before shutdown begins

	// AttachmentsURL is where attached files are kept (PORTAL_ATTACHMENTS_URL):
	// file:///folder, or s3://bucket?region=... for object storage that several
	// processes share. Empty: the attachments folder in DataDir.
	AttachmentsURL string

	// Outgoing mail. With no SMTPHost, mail goes to the log and DataDir/outbox.
	SMTPHost     string // PORTAL_SMTP_HOST
	SMTPPort     int    // PORTAL_SMTP_PORT (default by TLS mode: 25, 587 or 465)
	SMTPUsername string // PORTAL_SMTP_USERNAME
	SMTPPassword string // PORTAL_SMTP_PASSWORD
	SMTPFrom     string // PORTAL_SMTP_FROM
	SMTPTLS      string // PORTAL_SMTP_TLS: none, starttls or tls

	// Incoming mail: replies by e-mail (inbound.go).
	Inbound Inbound

	// Optional sign-in providers; each is enabled when its client id is set.
	GoogleClientID        string // PORTAL_GOOGLE_CLIENT_ID
	GoogleClientSecret    string // PORTAL_GOOGLE_CLIENT_SECRET
	MicrosoftClientID     string // PORTAL_MICROSOFT_CLIENT_ID
	MicrosoftClientSecret string // PORTAL_MICROSOFT_CLIENT_SECRET
	MicrosoftTenant       string // PORTAL_MICROSOFT_TENANT
	OIDCIssuer            string // PORTAL_OIDC_ISSUER: a generic OpenID Connect provider
	OIDCClientID          string // PORTAL_OIDC_CLIENT_ID
	OIDCClientSecret      string // PORTAL_OIDC_CLIENT_SECRET
	OIDCName              string // PORTAL_OIDC_NAME: the button's label

	// The API's rate limit and the webhook address rule (api.go).
	API API
}

// Getenv is the environment lookup Load uses; tests pass a map's lookup.
type Getenv func(string) string

// Load reads the configuration from getenv, then lets flags in args override
// the common settings. It returns every invalid variable at once.
func Load(getenv Getenv, args []string) (Config, error) {
	var errs []error
	bad := func(name, value, why string) {
		errs = append(errs, fmt.Errorf("config: %s=%q: %s", name, value, why))
	}
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	duration := func(name, def string) time.Duration {
		v := get(name, def)
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			bad(name, v, "want a positive duration such as 30s, 15m or 24h")
			d, _ = time.ParseDuration(def)
		}
		return d
	}

	cfg := Config{
		Addr:            get("PORTAL_ADDR", ":8080"),
		DatabaseURL:     get("DATABASE_URL", ""),
		DataDir:         get("PORTAL_DATA_DIR", "data"),
		LogFormat:       get("PORTAL_LOG_FORMAT", "text"),
		ShutdownTimeout: duration("PORTAL_SHUTDOWN_TIMEOUT", "15s"),
		SessionIdle:     duration("PORTAL_SESSION_IDLE", "168h"),
		SessionMax:      duration("PORTAL_SESSION_MAX", "720h"),
	}

	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (PORTAL_ADDR)")
	fs.StringVar(&cfg.DatabaseURL, "database-url", cfg.DatabaseURL, "PostgreSQL URL; empty for embedded SQLite (DATABASE_URL)")
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "folder for the SQLite database and mail outbox (PORTAL_DATA_DIR)")
	fs.BoolVar(&cfg.Demo, "demo", false, "load demo data before serving")
	baseURL := fs.String("base-url", get("PORTAL_BASE_URL", ""), "public URL of the portal (PORTAL_BASE_URL)")
	if err := fs.Parse(args); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}

	if _, port, err := net.SplitHostPort(cfg.Addr); err != nil || port == "" {
		bad("PORTAL_ADDR", cfg.Addr, "want host:port such as :8080")
	}
	if cfg.DatabaseURL != "" {
		if u, err := url.Parse(cfg.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			bad("DATABASE_URL", Redact(cfg.DatabaseURL), "want postgres://user:password@host:5432/dbname")
		}
	}

	if *baseURL == "" {
		*baseURL = "http://localhost" + portSuffix(cfg.Addr)
	}
	if u, err := url.Parse(*baseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("PORTAL_BASE_URL", *baseURL, "want an absolute http(s) URL such as https://portal.example.com")
	} else {
		u.Path = strings.TrimSuffix(u.Path, "/")
		cfg.BaseURL = u
	}

	level := get("PORTAL_LOG_LEVEL", "info")
	if err := cfg.LogLevel.UnmarshalText([]byte(level)); err != nil {
		bad("PORTAL_LOG_LEVEL", level, "want debug, info, warn or error")
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		bad("PORTAL_LOG_FORMAT", cfg.LogFormat, "want text or json")
	}

	for _, origin := range strings.Fields(get("PORTAL_FRAME_ANCESTORS", "")) {
		if !validOrigin(origin) {
			bad("PORTAL_FRAME_ANCESTORS", origin, "want space-separated origins such as https://www.example.com")
			continue
		}
		cfg.FrameAncestors = append(cfg.FrameAncestors, origin)
	}
	for _, cidr := range strings.FieldsFunc(get("PORTAL_TRUSTED_PROXIES", ""), isListSep) {
		if !strings.Contains(cidr, "/") {
			if ip := net.ParseIP(cidr); ip != nil && ip.To4() != nil {
				cidr += "/32"
			} else {
				cidr += "/128"
			}
		}
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			bad("PORTAL_TRUSTED_PROXIES", cidr, "want IP addresses or CIDR ranges such as 10.0.0.0/8")
			continue
		}
		cfg.TrustedProxies = append(cfg.TrustedProxies, n)
	}
	loadMail(&cfg, get, bad)
	loadInbound(&cfg, get, bad)
	loadDebug(&cfg, get, bad)
	loadLimits(&cfg, get, bad)
	loadAttachments(&cfg, get, bad)
	loadProviders(&cfg, get, bad)
	loadAPI(&cfg, get, bad)
	if cfg.SessionMax < cfg.SessionIdle {
		bad("PORTAL_SESSION_MAX", cfg.SessionMax.String(), "must not be shorter than PORTAL_SESSION_IDLE")
	}

	return cfg, errors.Join(errs...)
}

// Postgres reports whether the portal runs on PostgreSQL rather than SQLite.
func (c Config) Postgres() bool { return c.DatabaseURL != "" }

func validOrigin(s string) bool {
	if s == "'self'" {
		return true
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && (u.Path == "" || u.Path == "/")
}

func isListSep(r rune) bool { return r == ',' || r == ' ' }

func portSuffix(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" || port == "80" {
		return ""
	}
	return ":" + port
}

// Redact hides the password of a database URL before it reaches a log line.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable)"
	}
	return u.Redacted()
}
