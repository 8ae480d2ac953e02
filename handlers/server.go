// Package handlers is the portal's HTTP layer: Echo handlers that return HTML
// for htmx to swap, the middleware that establishes who is asking, and the
// single decision between a full page and a fragment (render.go).
package handlers

import (
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/attachments"
	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/mail"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/realtime"
	"github.com/portal-msp/portal/static"
	"github.com/portal-msp/portal/templates"
)

// Server holds what every handler needs. Client handlers never touch db
// directly: they get a models.Scope from the session (see scope in middleware.go).
type Server struct {
	db  *bun.DB
	cfg config.Config
	log *slog.Logger
	// The templates, parsed once in the background from New (views).
	viewsReady  chan struct{}
	parsedViews *templates.Set
	viewsErr    error
	assets      *static.Assets

	// setUp becomes true once the workspace exists; until then every page
	// leads to the one-time setup page. It never goes back to false.
	setUp atomic.Bool

	// draining turns /readyz red once the process is told to stop (health.go).
	draining atomic.Bool

	// secretURLs redacts token-bearing addresses in log lines, as the route
	// table marks them (secret_urls.go).
	secretURLs *secretURLs

	mailer     *mail.Mailer                  // account e-mail (handlers/auth_mail.go)
	providers  *oauthProviders               // optional Google/Microsoft/OIDC sign-in (handlers/oauth.go)
	frameCache atomic.Pointer[cachedOrigins] // framing origins (handlers/settings.go)
	hub        *realtime.Hub                 // live updates over SSE (handlers/events.go); nil disables them
	files      attachments.Store             // attachment storage (handlers/attachments.go)
	spoolDir   string                        // uploads while their request lasts (handlers/upload_spool.go)
}

// New builds the Echo application with every route and middleware.
func New(cfg config.Config, db *bun.DB, log *slog.Logger, opts ...Option) (*App, error) {
	assets, err := static.New()
	if err != nil {
		return nil, err
	}
	s := &Server{db: db, cfg: cfg, log: log, assets: assets}
	if s.mailer, err = newMailer(cfg, db, log); err != nil {
		return nil, fmt.Errorf("handlers: %w", err)
	}
	if s.providers, err = newOAuthProviders(cfg); err != nil {
		return nil, fmt.Errorf("handlers: %w", err)
	}
	if err := s.announceSetupCode(context.Background()); err != nil {
		log.Error("no setup code: the setup page will refuse until a restart", "error", err)
	}
	s.spoolDir = defaultSpoolDir()
	for _, opt := range opts {
		opt(s)
	}
	sweepSpool(s.spoolDir, time.Now(), log) // files of uploads a stopped process left
	if s.files == nil {
		// Opened on first use, so a process that never sees an attachment
		// never creates the folder.
		u := cfg.AttachmentsURL
		if u == "" {
			u = attachments.DefaultURL(cfg.DataDir)
		}
		s.files = attachments.New(u)
	}
	if s.cfg.CountStatements {
		models.AddStatementCounter(db)
	}
	// Parsing every template took 160 ms, most of a cold start; it runs
	// once, beside the listener coming up. A page (and /readyz) waits for
	// it (views); a parse error answers 500 and keeps /readyz red.
	s.viewsReady = make(chan struct{})
	go func() {
		defer close(s.viewsReady)
		if s.parsedViews, s.viewsErr = templates.Parse(s.funcs(), zonedFuncs); s.viewsErr != nil {
			s.viewsErr = fmt.Errorf("handlers: %w", s.viewsErr)
			log.Error("templates do not parse", "error", s.viewsErr)
		}
	}()
	if s.hub != nil {
		s.hub.SetRenderer(s.renderEvent)
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = ipExtractor(cfg)
	s.routes(e)
	return &App{Echo: e, s: s}, nil
}

// views is the parsed template set, once New's background parse is done.
func (s *Server) views(ctx context.Context) (*templates.Set, error) {
	select {
	case <-s.viewsReady:
		return s.parsedViews, s.viewsErr
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// funcs are the template functions shared by every page.
func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":           s.assets.URL,
		"statusLabel":     models.StatusLabel,
		"channelLabel":    models.ChannelLabel,
		"hours":           formatMinutes,
		"remaining":       formatRemaining,
		"lines":           onePerLine,
		"invalid":         invalidAttrs,
		"errorOf":         errorOf,
		"rfc3339":         formatRFC3339,
		"title":           titleCase,
		"eventText":       eventText,
		"eventLink":       eventLink,
		"signupLabel":     signupLabel,
		"providerButtons": s.providerButtons,
		"providerLabel":   providerLabel,
		"formKey":         newFormKey,       // form_keys.go
		"attachLimits":    s.templateLimits, // attachments.go
		"byteSize":        models.ByteSizeText,
		"mailOff":         s.mailOff,    // mail_status.go
		"mailOutbox":      s.mailOutbox, // mail_status.go
		"slaTarget":       targetText,   // sla_policies.go
		"zoneChoices":     models.ZoneChoices,
	}
}
