package mail

import (
	"log/slog"
	"path/filepath"

	"github.com/portal-msp/portal/config"
)

// FromConfig is the portal's mailer as configured: SMTP when PORTAL_SMTP_HOST
// is set, else the log and the outbox folder in the data directory.
func FromConfig(cfg config.Config, log *slog.Logger) (*Mailer, error) {
	return New(Config{
		Host: cfg.SMTPHost, Port: cfg.SMTPPort, Username: cfg.SMTPUsername, Password: cfg.SMTPPassword,
		From: cfg.SMTPFrom, TLS: cfg.SMTPTLS, Outbox: filepath.Join(cfg.DataDir, "outbox"),
	}, log)
}
