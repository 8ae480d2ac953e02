package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/attachments"
	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/mail"
	"github.com/portal-msp/portal/mail/inbound"
	"github.com/portal-msp/portal/mail/thread"
	"github.com/portal-msp/portal/models"
)

// demoInbound is what `serve --demo` uses for replies by e-mail when
// nothing is configured: the built-in receiver on the loopback interface.
const (
	demoInboundAddress = "support@localhost"
	demoInboundSMTP    = "127.0.0.1:2525"
)

// inboundConfig is the processor's configuration of a serving process.
func inboundConfig(cfg config.Config, db *bun.DB, files attachments.Store, log *slog.Logger) inbound.Config {
	ic := inbound.Config{DB: db, Files: files, Address: cfg.Inbound.Address, Domain: cfg.BaseURL.Hostname(),
		MaxBytes: cfg.Inbound.MaxBytes, Log: log.With("part", "inbound mail")}
	// The one reply naming refused attachments goes out as the portal's
	// other mail does; the configuration was checked at start-up already.
	if m, err := mail.FromConfig(cfg, log); err == nil {
		ic.Mailer = m
	} else {
		log.Warn("replies naming refused attachments are off: no mailer", "error", err)
	}
	return ic
}

// startInbound starts the ways in that are configured: the SMTP/LMTP
// receiver (PORTAL_INBOUND_SMTP_ADDR) and the IMAP reader
// (PORTAL_INBOUND_IMAP_URL). The returned stop ends them.
// With --demo and nothing configured, the receiver listens on
// 127.0.0.1:2525 for support@localhost (set in cfg, so that the mail the
// demo sends carries reply addresses) and how to use it is printed.
func startInbound(ctx context.Context, cfg *config.Config, db *bun.DB, files attachments.Store, log *slog.Logger, stdout io.Writer) (stop func(), err error) {
	stop = func() {}
	if cfg.Demo && !cfg.Inbound.Enabled() {
		cfg.Inbound.Address, cfg.Inbound.SMTPAddr = demoInboundAddress, demoInboundSMTP
	}
	if !cfg.Inbound.Enabled() {
		return stop, nil
	}
	ic := inboundConfig(*cfg, db, files, log)
	var closers []func()
	if cfg.Inbound.SMTPAddr != "" {
		ln, err := net.Listen("tcp", cfg.Inbound.SMTPAddr)
		if err != nil {
			return stop, fmt.Errorf("listen on PORTAL_INBOUND_SMTP_ADDR=%s: %w", cfg.Inbound.SMTPAddr, err)
		}
		r := inbound.NewReceiver(ic, inbound.ReceiverOptions{LMTP: cfg.Inbound.LMTP, MaxConns: cfg.Inbound.MaxConns})
		go func() {
			if err := r.Serve(ln); err != nil {
				log.Error("inbound SMTP receiver stopped", "error", err)
			}
		}()
		closers = append(closers, func() { r.Close() })
		log.Info("receiving replies by e-mail", "smtp", ln.Addr().String(), "address", cfg.Inbound.Address, "lmtp", cfg.Inbound.LMTP)
	}
	if cfg.Inbound.IMAPURL != nil {
		// The reader runs until stop; on PostgreSQL only one process at a
		// time reads the mailbox (the others wait for its lock).
		r := inbound.NewIMAPReader(ic, inbound.IMAPOptions{URL: cfg.Inbound.IMAPURL, Password: cfg.Inbound.IMAPPassword})
		readCtx, stopReading := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			r.Run(readCtx)
		}()
		closers = append(closers, func() { stopReading(); <-done })
		u := cfg.Inbound.IMAPURL
		log.Info("watching a mailbox for replies by e-mail", "imap", u.Scheme+"://"+u.User.Username()+"@"+u.Host+u.Path, "address", cfg.Inbound.Address)
	}
	if cfg.Demo {
		if err := printInboundDemo(ctx, *cfg, db, stdout); err != nil {
			log.Warn("demo: how to reply by e-mail", "error", err)
		}
	}
	return func() {
		for _, c := range closers {
			c()
		}
	}, nil
}

// printInboundDemo tells a developer how to answer a demo mail by e-mail:
// a ready reply address for the first client user's first request, and a
// command that sends to the built-in receiver.
func printInboundDemo(ctx context.Context, cfg config.Config, db *bun.DB, stdout io.Writer) error {
	if cfg.Inbound.SMTPAddr == "" {
		return nil
	}
	var u models.User
	if err := db.NewSelect().Model(&u).Where("client_id IS NOT NULL").Where("disabled_at IS NULL").
		Order("id").Limit(1).Scan(ctx); err != nil {
		return nil // no client user: nothing to show
	}
	var r models.Request
	if err := db.NewSelect().Model(&r).Where("client_id = ?", *u.ClientID).Where("status <> ?", models.StatusCompleted).
		Order("id").Limit(1).Scan(ctx); err != nil {
		return nil
	}
	st, err := models.GetInboundSettings(ctx, db)
	if err != nil {
		return err
	}
	signer, err := thread.NewSigner(st.TokenKey, cfg.BaseURL.Hostname())
	if err != nil {
		return err
	}
	to := thread.ReplyAddress(cfg.Inbound.Address, signer.Token(r.ID, u.ID))
	fmt.Fprintf(stdout, "\nReplies by e-mail: the receiver listens on %s for %s.\n", cfg.Inbound.SMTPAddr, cfg.Inbound.Address)
	fmt.Fprintf(stdout, "Mail in %s/outbox carries each reader's Reply-To. To answer request %d as %s, send for example:\n",
		cfg.DataDir, r.Number, u.Email)
	host, port, _ := strings.Cut(cfg.Inbound.SMTPAddr, ":")
	fmt.Fprintf(stdout, "  printf 'From: %s\\r\\nTo: %s\\r\\nSubject: Re: demo\\r\\n\\r\\nSent by e-mail.\\r\\n' | curl -s smtp://%s:%s --mail-from %s --mail-rcpt '%s' -T -\n",
		u.Email, to, host, port, u.Email, to)
	fmt.Fprintf(stdout, "  (or swaks --server %s --from %s --to '%s' --body 'Sent by e-mail.')\n", cfg.Inbound.SMTPAddr, u.Email, to)
	return nil
}
