package config

import (
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
)

// Inbound is how replies by e-mail reach the portal (README: "Replies by
// e-mail"). With no Address, outgoing mail carries no reply token and
// nothing is received.
type Inbound struct {
	// Address is the mailbox replies go to (PORTAL_INBOUND_ADDRESS), such as
	// support@msp.example; mail says Reply-To support+<token>@msp.example.
	Address string
	// SMTPAddr is where the built-in SMTP/LMTP receiver listens
	// (PORTAL_INBOUND_SMTP_ADDR, e.g. 127.0.0.1:2525); empty: off.
	SMTPAddr string
	// LMTP makes the receiver speak LMTP instead of SMTP (PORTAL_INBOUND_LMTP).
	LMTP bool
	// MaxBytes is the largest mail accepted (PORTAL_INBOUND_MAX_BYTES).
	MaxBytes int64
	// MaxConns is how many SMTP connections are served at once
	// (PORTAL_INBOUND_MAX_CONNECTIONS).
	MaxConns int
	// IMAPURL is the mailbox to watch (PORTAL_INBOUND_IMAP_URL):
	// imaps://user@host:993/INBOX, or imap://… with STARTTLS; the password
	// is PORTAL_INBOUND_IMAP_PASSWORD, never in the URL.
	IMAPURL      *url.URL
	IMAPPassword string
}

// Enabled reports whether replies by e-mail are configured at all.
func (in Inbound) Enabled() bool { return in.Address != "" }

// loadInbound reads the PORTAL_INBOUND_* variables.
func loadInbound(cfg *Config, get func(name, def string) string, bad func(name, value, why string)) {
	in := &cfg.Inbound
	if v := get("PORTAL_INBOUND_ADDRESS", ""); v != "" {
		a, err := netmail.ParseAddress(v)
		if err != nil || a.Name != "" || strings.Contains(a.Address, "+") || !strings.Contains(a.Address, "@") {
			bad("PORTAL_INBOUND_ADDRESS", v, "want a bare address without a +tag, such as support@msp.example")
		} else {
			in.Address = strings.ToLower(a.Address)
		}
	}
	in.SMTPAddr = get("PORTAL_INBOUND_SMTP_ADDR", "")
	in.LMTP = get("PORTAL_INBOUND_LMTP", "") == "true"
	v := get("PORTAL_INBOUND_MAX_BYTES", "26214400")
	if n, err := strconv.ParseInt(v, 10, 64); err != nil || n < 1024 {
		bad("PORTAL_INBOUND_MAX_BYTES", v, "want a number of bytes of at least 1024, such as 26214400 (25 MiB)")
		in.MaxBytes = 25 << 20
	} else {
		in.MaxBytes = n
	}
	v = get("PORTAL_INBOUND_MAX_CONNECTIONS", "20")
	if n, err := strconv.Atoi(v); err != nil || n < 1 {
		bad("PORTAL_INBOUND_MAX_CONNECTIONS", v, "want a positive number such as 20")
		in.MaxConns = 20
	} else {
		in.MaxConns = n
	}
	if v := get("PORTAL_INBOUND_IMAP_URL", ""); v != "" {
		u, err := url.Parse(v)
		switch {
		case err != nil || (u.Scheme != "imap" && u.Scheme != "imaps") || u.Host == "" || u.User == nil || u.User.Username() == "":
			bad("PORTAL_INBOUND_IMAP_URL", Redact(v), "want imaps://user@imap.example.com:993/INBOX")
		case hasPassword(u):
			bad("PORTAL_INBOUND_IMAP_URL", Redact(v), "put the password in PORTAL_INBOUND_IMAP_PASSWORD, not in the URL")
		default:
			in.IMAPURL = u
		}
	}
	in.IMAPPassword = get("PORTAL_INBOUND_IMAP_PASSWORD", "")
	if (in.SMTPAddr != "" || in.IMAPURL != nil) && in.Address == "" {
		bad("PORTAL_INBOUND_ADDRESS", "", "is required when PORTAL_INBOUND_SMTP_ADDR or PORTAL_INBOUND_IMAP_URL is set")
	}
}

func hasPassword(u *url.URL) bool {
	_, ok := u.User.Password()
	return ok
}
