package handlers

import (
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// uploadLimits gives routes whose bodies may be larger than
// PORTAL_MAX_BODY_BYTES their own limit, keyed "METHOD /route/:pattern" as in
// routes.go. Attachment uploads, when they come, are listed here; every other
// route keeps the form limit.
var uploadLimits = map[string]int64{}

// limitRequests bounds what a request may send and how long it may take to
// send it, before anything reads the body: a declared length over the limit
// is refused at once, a chunked body is cut off at the limit, and the body
// must arrive within PORTAL_READ_TIMEOUT. Form bodies are parsed here, so an
// oversized or trickling form is answered 413 or 408 rather than later as a
// form that lacks its CSRF token. The event stream is served in front of
// Echo (events.go) and never gets here, so it keeps its connection open.
func (s *Server) limitRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		limit := s.cfg.MaxBodyBytes
		if n, ok := uploadLimits[r.Method+" "+c.Path()]; ok {
			limit = n
		}
		if s.cfg.ReadTimeout > 0 {
			// Not every ResponseWriter has a connection (tests' recorders); those
			// have no deadline to set.
			_ = http.NewResponseController(c.Response().Writer).SetReadDeadline(time.Now().Add(s.cfg.ReadTimeout))
		}
		if r.ContentLength > limit {
			return tooLarge(limit)
		}
		if r.Body == nil || r.Body == http.NoBody {
			return next(c)
		}
		r.Body = http.MaxBytesReader(c.Response().Writer, r.Body, limit)
		if err := parseFormBody(r, limit); err != nil {
			var tooBig *http.MaxBytesError
			var ne net.Error
			switch {
			case errors.As(err, &tooBig):
				return tooLarge(limit)
			case errors.As(err, &ne) && ne.Timeout():
				return echo.NewHTTPError(http.StatusRequestTimeout,
					"The form took too long to arrive. Check your connection and send it again.").SetInternal(err)
			}
			// Anything else malformed is left to the handler, which sees the
			// fields that could be read and validates them as usual.
		}
		return next(c)
	}
}

// parseFormBody reads a form body now, holding at most limit bytes in
// memory so nothing is spooled to disk.
func parseFormBody(r *http.Request, limit int64) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/x-www-form-urlencoded":
		return r.ParseForm()
	case "multipart/form-data":
		return r.ParseMultipartForm(limit)
	}
	return nil
}

func tooLarge(limit int64) error {
	return echo.NewHTTPError(http.StatusRequestEntityTooLarge,
		fmt.Sprintf("This form is too large to send: the limit is %s. Shorten it and try again.", byteSize(limit)))
}

// byteSize names a size in the largest whole unit, e.g. "1 MB".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
