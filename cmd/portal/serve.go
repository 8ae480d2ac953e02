package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/portal-msp/portal/attachments"
	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/handlers"
	"github.com/portal-msp/portal/jobs"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/realtime"
)

// serve runs the portal until SIGINT or SIGTERM, then turns /readyz red for
// PORTAL_DRAIN_PERIOD while still serving, then lets running requests finish
// for up to PORTAL_SHUTDOWN_TIMEOUT before closing the database. On SQLite it
// first locks the data folder so that a second process refuses to start.
func serve(ctx context.Context, args []string, getenv config.Getenv, stdout io.Writer) error {
	cfg, err := config.Load(getenv, args)
	if err != nil {
		return err
	}
	log := newLogger(cfg, os.Stderr)

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	if !cfg.Postgres() {
		release, err := lockDataDir(cfg.DataDir)
		if err != nil {
			return err
		}
		defer release()
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := migrateUp(ctx, cfg, db)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		log.Info("migrated database", "applied", applied)
	}
	if cfg.Demo {
		if err := loadDemo(ctx, db, cfg, stdout); err != nil {
			return err
		}
	}

	// Live updates: this process's open browsers, fed with committed events.
	hub := realtime.NewHub(db, nil, log, realtime.Options{})
	defer hub.Close()

	// Attached files: a folder under the data directory, or object storage
	// that every process shares (PORTAL_ATTACHMENTS_URL).
	filesURL := cfg.AttachmentsURL
	if filesURL == "" {
		filesURL = attachments.DefaultURL(cfg.DataDir)
	}
	files, err := attachments.Open(filesURL)
	if err != nil {
		return fmt.Errorf("PORTAL_ATTACHMENTS_URL: %w", err)
	}
	defer files.Close()

	// Replies by e-mail: the SMTP/LMTP receiver and the IMAP reader, when
	// configured (before the notifier, which puts the reply address in mail).
	stopInbound, err := startInbound(ctx, &cfg, db, files, log, stdout)
	if err != nil {
		return err
	}
	defer stopInbound()

	app, err := handlers.New(cfg, db, log, handlers.WithHub(hub), handlers.WithAttachments(files))
	if err != nil {
		return err
	}
	feedCtx, stopFeed := context.WithCancel(context.Background())
	defer stopFeed()
	go func() {
		if err := realtime.NewFeed(db, hub, log).Run(feedCtx); err != nil {
			log.Error("realtime feed stopped", "error", err)
		}
	}()
	// The workspace and SLA policies are cached per process; on PostgreSQL a
	// NOTIFY on every change drops the copy (models/settings_cache.go).
	go models.ListenChanges(feedCtx, db, log)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on PORTAL_ADDR=%s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           app,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	// Shutdown waits for handlers; event streams never end on their own, so
	// close them as soon as shutdown begins.
	srv.RegisterOnShutdown(hub.Close)
	database := "SQLite " + cfg.DataDir + "/portal.db"
	if cfg.Postgres() {
		database = "PostgreSQL " + config.Redact(cfg.DatabaseURL)
	}
	log.Info("portal listening", "url", cfg.BaseURL.String(), "addr", ln.Addr().String(), "database", database)

	if cfg.DebugAddr != "" {
		go serveDebug(ctx, cfg.DebugAddr, log)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	// The scheduled jobs start once the listener serves: their first rounds
	// (a catch-up of summaries, the SLA clocks) compete for the CPU with a
	// cold start, and nothing a page shows waits for them.
	// SLA clocks change colour as time passes; one process per round does it.
	go (&jobs.SLATicker{DB: db, Log: log}).Run(feedCtx)
	jobs.NewSummaries(cfg, db, log).Start(feedCtx) // monthly summaries: at start-up, then 00:05 UTC on the 1st
	go jobs.NewNotifier(cfg, db, log).Run(ctx)     // batched e-mail notifications
	// Files whose upload never reached the database: hourly, one process.
	go (&jobs.OrphanSweeper{DB: db, Store: files, Log: log}).Run(feedCtx)
	// Webhooks leave from the outbox; every process sends, each event once.
	go jobs.NewWebhooks(cfg, db, log).Run(feedCtx)
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	stop() // a second signal ends the process at once
	// Readiness goes red first and the listener keeps serving for the drain
	// period, so a load balancer stops sending before connections are refused.
	app.Drain()
	if cfg.DrainPeriod > 0 {
		log.Info("draining: /readyz answers 503, requests are still served", "period", cfg.DrainPeriod.String())
		time.Sleep(cfg.DrainPeriod)
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}
