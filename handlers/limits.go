package handlers

import (
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
)

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
		limit, refuse := s.cfg.MaxBodyBytes, tooLarge
		// Attachment forms may send the workspace's files on top of the form
		// (attachment_uploads.go), but only with a session: a visitor cannot
		// make the server spool files it will refuse anyway.
		if uploadRoutes[r.Method+" "+c.Path()] && hasCookie(r, sessionCookie) {
			limit, refuse = s.uploadBodyLimit(r.Context()), uploadTooLarge
		}
		if s.cfg.ReadTimeout > 0 {
			// Not every ResponseWriter has a connection (tests' recorders); those
			// have no deadline to set.
			_ = http.NewResponseController(c.Response().Writer).SetReadDeadline(time.Now().Add(s.cfg.ReadTimeout))
		}
		if r.ContentLength > limit {
			return refuse(limit)
		}
		if r.Body == nil || r.Body == http.NoBody {
			return next(c)
		}
		r.Body = http.MaxBytesReader(c.Response().Writer, r.Body, limit)
		// Files are spooled to the portal's upload folder (upload_spool.go)
		// and go when the request ends, whatever the handler did.
		defer func() { uploadsOf(c).remove() }()
		if err := s.parseFormBody(c, s.cfg.MaxBodyBytes); err != nil {
			var tooBig *http.MaxBytesError
			var ne net.Error
			switch {
			case errors.As(err, &tooBig):
				return refuse(limit)
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

// parseFormBody reads a form body now: at most maxValues bytes of fields,
// and any files into the upload folder.
func (s *Server) parseFormBody(c echo.Context, maxValues int64) error {
	r := c.Request()
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/x-www-form-urlencoded":
		return r.ParseForm()
	case "multipart/form-data":
		return s.readMultipartForm(c, maxValues)
	}
	return nil
}

func tooLarge(limit int64) error {
	return echo.NewHTTPError(http.StatusRequestEntityTooLarge,
		fmt.Sprintf("This form is too large to send: the limit is %s. Shorten it and try again.", models.ByteSizeText(limit)))
}

// hasCookie reports whether the request carries a non-empty cookie name.
func hasCookie(r *http.Request, name string) bool {
	ck, err := r.Cookie(name)
	return err == nil && ck.Value != ""
}
