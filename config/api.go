package config

import "strconv"

// API is the configuration of /api/v1 and of outgoing webhooks.
type API struct {
	RateLimit int // PORTAL_API_RATE_LIMIT: calls per token per minute (default 600)
	// WebhookAllowPrivate (PORTAL_WEBHOOK_ALLOW_PRIVATE=1) lets webhook
	// endpoints be plain http or private, loopback and link-local
	// addresses: for tests and development, never for production.
	WebhookAllowPrivate bool
}

// loadAPI reads the API's rate limit and the webhook address rule.
func loadAPI(cfg *Config, get func(name, def string) string, bad func(name, value, why string)) {
	v := get("PORTAL_API_RATE_LIMIT", "600")
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		bad("PORTAL_API_RATE_LIMIT", v, "want a whole number of calls per token per minute, such as 600")
		n = 600
	}
	cfg.API.RateLimit = n
	switch v := get("PORTAL_WEBHOOK_ALLOW_PRIVATE", "0"); v {
	case "1", "true":
		cfg.API.WebhookAllowPrivate = true
	case "0", "false":
	default:
		bad("PORTAL_WEBHOOK_ALLOW_PRIVATE", v, "want 1 or 0")
	}
}
