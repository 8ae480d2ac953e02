package handlers

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/models"
)

const (
	sessionCookie = "portal_session"
	ctxUser       = "portal.user"
	ctxHTTPS      = "portal.https" // browsers reach the portal over TLS (secureHeaders)
	// ctxEventCursor is the live stream's start for a full page, read with
	// the session (models.SessionUserAt).
	ctxEventCursor = "portal.event_cursor"
)

// requestLog writes one slog line per request with its request id.
func (s *Server) requestLog() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURI: true, LogMethod: true, LogLatency: true,
		LogRequestID: true, LogRemoteIP: true, LogError: true,
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			switch {
			case v.Status == http.StatusServiceUnavailable:
				level = slog.LevelWarn // the database is out of reach (db_unavailable.go): nothing to fix here
			case v.Status >= 500:
				level = slog.LevelError
			}
			attrs := []slog.Attr{
				slog.String("method", v.Method), slog.String("uri", s.redactURI(v.URI)),
				slog.Int("status", v.Status), slog.Duration("latency", v.Latency),
				slog.String("ip", v.RemoteIP), slog.String("request_id", v.RequestID),
			}
			if u := currentUser(c); u != nil {
				attrs = append(attrs, slog.Int64("user_id", u.ID))
			}
			if v.Error != nil && v.Status >= 500 {
				attrs = append(attrs, slog.String("error", v.Error.Error()))
			}
			s.log.LogAttrs(c.Request().Context(), level, "request", attrs...)
			return nil
		},
	})
}

// secureHeaders sets the content security policy and its companions. Scripts
// come only from /static, so no inline script can run.
//
// The origins allowed to frame the portal are PORTAL_FRAME_ANCESTORS plus the
// workspace setting (see frameAncestors in settings.go).
func (s *Server) secureHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; " +
		"frame-ancestors "
	return func(c echo.Context) error {
		h := c.Response().Header()
		ancestors := "'none'"
		if origins := s.frameAncestors(c); len(origins) > 0 {
			ancestors = "'self' " + strings.Join(origins, " ")
		} else {
			h.Set("X-Frame-Options", "DENY")
		}
		h.Set("Content-Security-Policy", csp+ancestors)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		// Behind a proxy that terminates TLS the request arrives as plain
		// HTTP; PORTAL_BASE_URL says what browsers see.
		if s.secureCookies(c) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
			c.Set(ctxHTTPS, true)
		}
		return next(c)
	}
}

// sessionPolicy is the configured session lifetime.
func (s *Server) sessionPolicy() models.SessionPolicy {
	return models.SessionPolicy{Idle: s.cfg.SessionIdle, Max: s.cfg.SessionMax}
}

// loadSession puts the signed-in user, if any, in the context. A cookie that
// no longer names a live session is cleared.
func (s *Server) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(sessionCookie)
		if err != nil || ck.Value == "" {
			return next(c)
		}
		load := models.SessionUser
		fullPage := c.Request().Method == http.MethodGet && !htmxOf(c.Request()).wantsFragment()
		if fullPage && s.hub != nil {
			load = models.SessionUserAt // the live stream's start, read before the page (fillChrome)
		}
		u, sess, err := load(c.Request().Context(), s.db, ck.Value, s.sessionPolicy())
		switch {
		case errors.Is(err, models.ErrNotFound):
			s.clearSessionCookie(c)
		case err != nil:
			return err
		default:
			c.Set(ctxUser, u)
			c.Set(ctxSessionToken, ck.Value)
			if fullPage && s.hub != nil {
				c.Set(ctxEventCursor, sess.Cursor())
			}
		}
		return next(c)
	}
}

// currentUser is the signed-in user, or nil.
func currentUser(c echo.Context) *models.User {
	u, _ := c.Get(ctxUser).(*models.User)
	return u
}

// requireSetUp sends every page to /setup until the workspace exists, and
// hides /setup for good afterwards.
func (s *Server) requireSetUp(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !s.setUp.Load() {
			_, err := models.GetWorkspace(c.Request().Context(), s.db)
			switch {
			case err == nil:
				s.setUp.Store(true)
			case !errors.Is(err, models.ErrNotFound):
				return err
			}
		}
		onSetup := c.Path() == "/setup"
		switch {
		case !s.setUp.Load() && !onSetup:
			return redirect(c, "/setup")
		case s.setUp.Load() && onSetup:
			return echo.ErrNotFound
		}
		return next(c)
	}
}

// clientPage is a portal handler. It is handed the signed-in client user's
// Scope and reaches client data only through it: a portal handler that
// needs the raw database is a tenancy bug (portal_scope_test.go checks).
type clientPage func(c echo.Context, sc models.Scope) error

// asClient admits signed-in client users and hands h their Scope, resolved
// once from the session; staff are sent to the console and visitors to
// sign in.
func (s *Server) asClient(h clientPage) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := currentUser(c)
		if u == nil {
			return redirect(c, "/signin")
		}
		if u.IsStaff() {
			if c.Request().Method == http.MethodGet && c.Path() == "/" {
				return redirect(c, "/console")
			}
			return echo.ErrNotFound
		}
		sc, err := models.ScopeFor(s.db, u)
		if err != nil {
			return fmt.Errorf("handlers: scope of user %d: %w", u.ID, err)
		}
		return h(c, sc)
	}
}

// requireStaff admits staff; client users get 404 (the console does not
// exist for them) and visitors are sent to sign in.
func (s *Server) requireStaff(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := currentUser(c)
		if u == nil {
			return redirect(c, "/signin")
		}
		if !u.IsStaff() {
			return echo.ErrNotFound
		}
		return next(c)
	}
}

// ipExtractor believes X-Forwarded-For only from the configured proxies.
func ipExtractor(cfg config.Config) echo.IPExtractor {
	if len(cfg.TrustedProxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range cfg.TrustedProxies {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// skipGzip leaves event streams uncompressed so each event is flushed at once.
func skipGzip(c echo.Context) bool {
	p := c.Request().URL.Path
	// Attachments are mostly compressed already, and are served with ranges.
	return strings.HasPrefix(p, "/events") || strings.HasPrefix(p, "/attachments/") || strings.HasPrefix(p, "/console/attachments/")
}
