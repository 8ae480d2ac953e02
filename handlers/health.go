package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
)

// healthz answers while the process runs.
func (s *Server) healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok\n")
}

// readyz answers 200 only while the database answers too, so a load balancer
// stops sending traffic to a process that lost its database.
//
// Once the process is stopping it answers 503 whatever the database says,
// while the listener keeps serving for PORTAL_DRAIN_PERIOD (see Drain).
func (s *Server) readyz(c echo.Context) error {
	if s.draining.Load() {
		return c.String(http.StatusServiceUnavailable, "shutting down\n")
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	// The templates are parsed in the background once the process starts
	// (New), and a page asked for before that waits for it (views): being
	// ready does not wait for the parse, which took most of a cold start.
	// Templates that do not parse keep the process out of service.
	if err := s.viewsFailed(); err != nil {
		s.log.WarnContext(ctx, "readiness check failed", "error", err)
		return c.String(http.StatusServiceUnavailable, "templates do not parse\n")
	}
	if err := models.Ping(ctx, s.db); err != nil {
		s.log.WarnContext(ctx, "readiness check failed", "error", err)
		return c.String(http.StatusServiceUnavailable, "database unreachable\n")
	}
	return c.String(http.StatusOK, "ready\n")
}

// Drain marks the process as stopping: /readyz turns red so that a load
// balancer stops sending new requests, while everything else keeps being
// served until the server shuts down.
func (a *App) Drain() { a.s.draining.Store(true) }

// viewsFailed is the templates' parse error once the parse is over; nil
// while it still runs or when it succeeded.
func (s *Server) viewsFailed() error {
	select {
	case <-s.viewsReady:
		return s.viewsErr
	default:
		return nil
	}
}
