package handlers

import (
	"log/slog"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/mail"
)

// newMailer configures outgoing mail: SMTP when a host is set, otherwise the
// log and the outbox folder in the data directory; every message carries
// the workspace's brand.
func newMailer(cfg config.Config, db *bun.DB, log *slog.Logger) (*mail.Mailer, error) {
	return mail.ForPortal(cfg, db, log)
}

// absURL is an absolute URL of the portal for e-mails and copied links.
func (s *Server) absURL(path string) string {
	return s.cfg.BaseURL.String() + path
}

// mailMessage is a templated e-mail to one address.
func mailMessage(to, template string, data any) mail.Message {
	return mail.Message{To: to, Template: template, Data: data}
}
