package handlers

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
)

// statementsHeader carries the number of SQL statements a request ran, when
// counting is on (PORTAL_COUNT_STATEMENTS=1, or WithStatementCount in tests).
const statementsHeader = "X-Portal-Statements"

// WithStatementCount counts each request's SQL statements and reports them
// in the X-Portal-Statements header.
func WithStatementCount() Option {
	return func(s *Server) { s.cfg.CountStatements = true }
}

// countStatements gives each request a statement counter; the figure is
// written into the response header just before the status line, so it covers
// everything the handler ran before answering.
func (s *Server) countStatements(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, n := models.CountStatements(c.Request().Context())
		c.SetRequest(c.Request().WithContext(ctx))
		c.Response().Before(func() {
			c.Response().Header().Set(statementsHeader, strconv.FormatInt(n.N(), 10))
		})
		return next(c)
	}
}
