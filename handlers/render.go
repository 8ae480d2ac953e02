package handlers

import (
	"bytes"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

// View is what every template receives: the page's own Data plus the chrome
// the layouts need. Handlers fill Title, Nav and Data; render fills the rest.
type View struct {
	Title     string
	Nav       string // which navigation entry is current
	Data      any
	Workspace string
	Brand     models.Brand // logo, favicon and accent of the layouts (brand.go)
	User      *models.User
	CSRF      string
	Flash     *Flash

	// Live pages open the event stream, starting after EventCursor: the
	// newest event when the page was rendered, so nothing falls in between.
	Live        bool
	EventCursor string
}

// htmx describes what an htmx request wants, from its HX-* headers. Handlers
// never read those headers themselves.
type htmx struct {
	request        bool
	boosted        bool
	historyRestore bool
}

func htmxOf(r *http.Request) htmx {
	return htmx{
		request:        r.Header.Get("HX-Request") == "true",
		boosted:        r.Header.Get("HX-Boosted") == "true",
		historyRestore: r.Header.Get("HX-History-Restore-Request") == "true",
	}
}

// wantsFragment is the one full-page-or-fragment decision: an htmx request
// that is neither boosted navigation nor a history restore gets only a block.
func (h htmx) wantsFragment() bool { return h.request && !h.boosted && !h.historyRestore }

// render writes page with status: the whole document, or only its "content"
// block for an htmx fragment request.
func (s *Server) render(c echo.Context, status int, page templates.Page, v View) error {
	return s.renderBlock(c, status, page, "content", v)
}

// renderBlock is render with a named fragment of the page for htmx requests
// (a form, a table body); ordinary requests still get the full page.
func (s *Server) renderBlock(c echo.Context, status int, page templates.Page, block string, v View) error {
	name := "base"
	if htmxOf(c.Request()).wantsFragment() {
		name = block
		s.fillFragment(c, &v)
	} else {
		s.fillChrome(c, &v)
	}
	var buf bytes.Buffer
	views, err := s.viewsFor(c)
	if err != nil {
		return err
	}
	if err := views.Execute(&buf, page, name, v); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Add("Vary", "HX-Request")
	h.Set("Cache-Control", "no-store")
	if hx := htmxOf(c.Request()); hx.boosted && c.Request().Method != http.MethodGet {
		// A boosted form answered with a page (a refused form shown again
		// with its errors) would put the form's action in the address bar:
		// a URL that only takes posts, so reloading it says "Page not
		// found". The address stays that of the page the form was on.
		h.Set("HX-Push-Url", "false")
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// viewsFor is the templates showing times in the zone of the person asking
// (models.ViewerLocation): a client user's client's zone, a staff member's
// own. A failure to read the zone is logged and the page shown in UTC.
func (s *Server) viewsFor(c echo.Context) (*templates.Set, error) {
	views, err := s.views(c.Request().Context())
	if err != nil {
		return nil, err
	}
	loc, err := models.ViewerLocation(c.Request().Context(), s.db, currentUser(c))
	if err != nil {
		s.log.Warn("viewer time zone", "error", err)
	}
	return views.In(loc), nil
}

// fillFragment is fillChrome for a fragment: the user and CSRF token that
// forms inside it need, none of the page chrome (workspace name, flash,
// event cursor), which a fragment does not show.
func (s *Server) fillFragment(c echo.Context, v *View) {
	v.User = currentUser(c)
	if tok, ok := c.Get(ctxCSRF).(string); ok {
		v.CSRF = tok
	}
}

// fillChrome adds what the layouts need to a handler's view.
func (s *Server) fillChrome(c echo.Context, v *View) {
	v.User = currentUser(c)
	if tok, ok := c.Get(ctxCSRF).(string); ok {
		v.CSRF = tok
	}
	v.Brand = s.brandOf(c) // one read of the settings cache for both
	if v.Workspace == "" {
		v.Workspace = v.Brand.Name
	}
	if v.Flash == nil {
		v.Flash = takeFlash(c)
	}
	if v.User != nil && s.hub != nil {
		if pos, ok := c.Get(ctxEventCursor).(models.Position); ok {
			v.Live, v.EventCursor = true, pos.String()
		} else if pos, err := models.LatestPosition(c.Request().Context(), s.db); err == nil {
			v.Live, v.EventCursor = true, pos.String() // a page after a POST, or signed in just now
		}
	}
}

// redirect ends a state change (post-redirect-get). A plain htmx request is
// told where to go with HX-Redirect; a boosted form or a browser gets a 303.
func redirect(c echo.Context, to string) error {
	if htmxOf(c.Request()).wantsFragment() {
		c.Response().Header().Set("HX-Redirect", to)
		return c.NoContent(http.StatusOK)
	}
	return c.Redirect(http.StatusSeeOther, to)
}

// renderOrRedirect ends a successful form post: an htmx request gets block
// (the cleared form, plus any out-of-band fragments), a plain browser post is
// redirected to the page (post-redirect-get).
func (s *Server) renderOrRedirect(c echo.Context, page templates.Page, block string, v View, to string) error {
	if !htmxOf(c.Request()).wantsFragment() {
		return redirect(c, to)
	}
	return s.renderBlock(c, http.StatusOK, page, block, v)
}

// workspaceName is the MSP's name for the page chrome, from the
// per-process settings cache (models.CachedWorkspace).
func (s *Server) workspaceName(c echo.Context) string {
	w, err := models.CachedWorkspace(c.Request().Context(), s.db)
	if err != nil {
		return "Portal"
	}
	return w.Name
}

const workspaceTTL = 30 * time.Second
