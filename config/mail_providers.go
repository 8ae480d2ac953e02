package config

import (
	netmail "net/mail"
	"net/url"
	"strconv"
)

// loadMail reads the SMTP settings. The port defaults by TLS mode; the sender
// defaults to noreply at the portal's host name.
func loadMail(cfg *Config, get func(name, def string) string, bad func(name, value, why string)) {
	cfg.SMTPHost = get("PORTAL_SMTP_HOST", "")
	cfg.SMTPUsername = get("PORTAL_SMTP_USERNAME", "")
	cfg.SMTPPassword = get("PORTAL_SMTP_PASSWORD", "")
	cfg.SMTPTLS = get("PORTAL_SMTP_TLS", "starttls")
	defPort := map[string]string{"none": "25", "starttls": "587", "tls": "465"}[cfg.SMTPTLS]
	if defPort == "" {
		bad("PORTAL_SMTP_TLS", cfg.SMTPTLS, "want none, starttls or tls")
		defPort = "587"
	}
	port := get("PORTAL_SMTP_PORT", defPort)
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		bad("PORTAL_SMTP_PORT", port, "want a port number between 1 and 65535")
	} else {
		cfg.SMTPPort = n
	}
	host := "localhost"
	if cfg.BaseURL != nil {
		host = cfg.BaseURL.Hostname()
	}
	cfg.SMTPFrom = get("PORTAL_SMTP_FROM", "noreply@"+host)
	if _, err := netmail.ParseAddress(cfg.SMTPFrom); err != nil {
		bad("PORTAL_SMTP_FROM", cfg.SMTPFrom, "want an address such as Portal <portal@example.com>")
	}
	if cfg.SMTPPassword != "" && cfg.SMTPUsername == "" {
		bad("PORTAL_SMTP_USERNAME", "", "is required when PORTAL_SMTP_PASSWORD is set")
	}
}

// loadProviders reads the optional Google, Microsoft and OpenID Connect
// sign-in settings; a provider needs both its client id and secret.
func loadProviders(cfg *Config, get func(name, def string) string, bad func(name, value, why string)) {
	pair := func(prefix string, id, secret *string) {
		*id = get(prefix+"_CLIENT_ID", "")
		*secret = get(prefix+"_CLIENT_SECRET", "")
		switch {
		case *id != "" && *secret == "":
			bad(prefix+"_CLIENT_SECRET", "", "is required when "+prefix+"_CLIENT_ID is set")
		case *id == "" && *secret != "":
			bad(prefix+"_CLIENT_ID", "", "is required when "+prefix+"_CLIENT_SECRET is set")
		}
	}
	pair("PORTAL_GOOGLE", &cfg.GoogleClientID, &cfg.GoogleClientSecret)
	pair("PORTAL_MICROSOFT", &cfg.MicrosoftClientID, &cfg.MicrosoftClientSecret)
	cfg.MicrosoftTenant = get("PORTAL_MICROSOFT_TENANT", "common")
	pair("PORTAL_OIDC", &cfg.OIDCClientID, &cfg.OIDCClientSecret)
	cfg.OIDCIssuer = get("PORTAL_OIDC_ISSUER", "")
	cfg.OIDCName = get("PORTAL_OIDC_NAME", "single sign-on")
	if cfg.OIDCClientID != "" {
		if u, err := url.Parse(cfg.OIDCIssuer); err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
			bad("PORTAL_OIDC_ISSUER", cfg.OIDCIssuer, "want the issuer URL such as https://login.example.com")
		}
	}
}
