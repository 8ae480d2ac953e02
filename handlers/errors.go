package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const tplError templates.Page = "errors/error"

// ErrorPage is the data of the HTML error page.
type ErrorPage struct {
	Code    int
	Heading string
	Message string
}

// handleError renders every error as an HTML page (a fragment for htmx).
// Only server errors are logged as errors; the request log has the rest.
// statusClientClosed is logged for a request its browser abandoned.
const statusClientClosed = 499

func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if clientGone(c, err) {
		// The browser went away (a closed tab, a click elsewhere, a load
		// tool stopping): no one is left to answer, and nothing failed
		// here. Logged with nginx's "client closed request", not as a 500.
		c.Response().Status = statusClientClosed
		return
	}
	var he *echo.HTTPError
	if !errors.As(err, &he) && dbUnavailable(err) {
		s.unavailable(c, err) // 503, try again (db_unavailable.go)
		return
	}
	code := http.StatusInternalServerError
	message := ""
	switch {
	case errors.As(err, &he):
		code = he.Code
		if m, ok := he.Message.(string); ok && code < 500 {
			message = m
		}
	case errors.Is(err, models.ErrNotFound):
		code = http.StatusNotFound
	}
	page := ErrorPage{Code: code, Heading: http.StatusText(code)}
	switch code {
	case http.StatusNotFound:
		page.Heading, page.Message = "Page not found", "There is nothing here. It may have moved, or the link may be wrong."
	case http.StatusMethodNotAllowed:
		page.Message = "This address does not accept that kind of request."
	case http.StatusInternalServerError:
		page.Heading, page.Message = "Something went wrong", "The error has been logged. Please try again in a moment."
		s.log.ErrorContext(c.Request().Context(), "server error", "error", err,
			"uri", s.redactURI(c.Request().RequestURI), "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	}
	if message != "" && message != http.StatusText(code) {
		page.Message = message
	}
	if c.Request().Method == http.MethodHead {
		c.NoContent(code) //nolint:errcheck
		return
	}
	if rerr := s.render(c, code, tplError, View{Title: page.Heading, Data: page}); rerr != nil {
		s.log.ErrorContext(c.Request().Context(), "render error page", "error", rerr)
		c.String(code, page.Heading) //nolint:errcheck
	}
}
