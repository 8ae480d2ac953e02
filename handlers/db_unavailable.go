package handlers

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"syscall"

	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/portal-msp/portal/templates"
)

// While PostgreSQL restarts, fails over or is out of reach, nothing is wrong
// with the portal or with what was asked: the answer is 503 and "try again",
// keeping what the person typed, and the log says WARN, not ERROR.

const tplUnavailable templates.Page = "errors/unavailable"

// dbUnavailable reports whether err says the database cannot be reached
// just now, rather than that a statement failed.
func dbUnavailable(err error) bool {
	var pg pgdriver.Error
	if errors.As(err, &pg) {
		code := pg.Field('C')
		switch code {
		case "57P01", // admin_shutdown: the server is stopping (or ended our backend)
			"57P02", // crash_shutdown
			"57P03", // cannot_connect_now: starting up or shutting down
			"53300": // too_many_connections
			return true
		}
		return strings.HasPrefix(code, "08") // connection_exception
	}
	var op *net.OpError
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.As(err, &op):
		// A dial that failed (refused, no route, timed out) or a connection
		// that broke mid-statement.
		return true
	}
	return false
}

// clientGone reports whether err is the request's own context ending: the
// browser went away, and no one is left to answer.
func clientGone(c echo.Context, err error) bool {
	return c.Request().Context().Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}

// logFailure logs a failure that does not stop the answer (a read marker, an
// alert) at the level it deserves: debug when the browser left, warn when
// the database is out of reach, error otherwise.
func (s *Server) logFailure(c echo.Context, msg string, err error, args ...any) {
	level := slog.LevelError
	switch {
	case clientGone(c, err):
		level = slog.LevelDebug
	case dbUnavailable(err):
		level = slog.LevelWarn
	}
	s.log.Log(c.Request().Context(), level, msg, append(args, "error", err)...)
}

// UnavailablePage is the "try again" page: for a form, what was posted,
// ready to send again.
type UnavailablePage struct {
	Action   string // where the form goes; "" for a page that was only read
	Fields   []keptField
	HadFiles bool
}

// keptField is one posted field, shown (Text) or carried along hidden.
type keptField struct {
	Name, Label, Value string
	Text               bool
}

// freeText are the fields people type into; others (choices, ids, the form
// key) go back hidden.
var freeText = map[string]bool{"title": true, "description": true, "body": true, "comment": true, "note": true,
	"message": true, "reason": true, "resolution": true, "summary": true, "name": true}

// keptFields is what a post carried that may travel back in a page: never a
// password, a code or the CSRF token (the page has its own).
func keptFields(r *http.Request) []keptField {
	var out []keptField
	names := make([]string, 0, len(r.PostForm))
	for name := range r.PostForm {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		lower := strings.ToLower(name)
		if name == "csrf" || strings.Contains(lower, "password") || strings.Contains(lower, "code") ||
			strings.Contains(lower, "secret") || strings.Contains(lower, "token") {
			continue
		}
		for _, v := range r.PostForm[name] {
			out = append(out, keptField{Name: name, Value: v, Text: freeText[name] || strings.ContainsAny(v, "\n"),
				Label: strings.ToUpper(name[:1]) + strings.ReplaceAll(name[1:], "_", " ")})
		}
	}
	return out
}

// unavailable answers a request the database could not serve: 503 with
// Retry-After. A form post gets a page with what was typed in a form that
// sends it again; an htmx form keeps its text where it is and gets a notice
// at the top of the page; a read gets "reload in a moment".
func (s *Server) unavailable(c echo.Context, err error) {
	r := c.Request()
	s.log.WarnContext(r.Context(), "database unavailable: answered 503", "error", err,
		"method", r.Method, "uri", s.redactURI(r.RequestURI))
	c.Response().Header().Set("Retry-After", "5")
	if r.Method == http.MethodHead {
		c.NoContent(http.StatusServiceUnavailable) //nolint:errcheck
		return
	}
	write := r.Method != http.MethodGet
	if htmxOf(r).wantsFragment() {
		h := c.Response().Header()
		if !write {
			// A part of a page refreshing itself: leave it as it is.
			h.Set("HX-Reswap", "none")
			c.NoContent(http.StatusServiceUnavailable) //nolint:errcheck
			return
		}
		// The form stays as it is, with its text: the notice goes above
		// the page instead of in the form's place.
		h.Set("HX-Retarget", "#main")
		h.Set("HX-Reswap", "afterbegin")
		c.HTML(http.StatusServiceUnavailable, `<div class="flash flash-error" role="alert" id="try-again">`+ //nolint:errcheck
			`The portal cannot reach its database just now, so nothing was saved. What you wrote is still in the form: send it again in a moment.</div>`)
		return
	}
	page := UnavailablePage{}
	if write {
		page.Action = r.URL.RequestURI()
		page.Fields = keptFields(r)
		page.HadFiles = len(uploadsOf(c)) > 0
	}
	if c.Get(ctxCSRF) == nil {
		// The session could not be read, so no token was checked or made:
		// the form carries the one it came with, checked when it is sent.
		c.Set(ctxCSRF, r.PostForm.Get("csrf"))
	}
	if rerr := s.render(c, http.StatusServiceUnavailable, tplUnavailable, View{Title: "Try again in a moment", Data: page}); rerr != nil {
		c.String(http.StatusServiceUnavailable, "The portal cannot reach its database just now. Try again in a moment.") //nolint:errcheck
	}
}
