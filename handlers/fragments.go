package handlers

import (
	"bytes"
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/realtime"
	"github.com/portal-msp/portal/templates"
)

// Live parts reach the browser one of two ways.
//
// Pushed: a part that is the same for everyone of an audience (a client's
// dashboard figures) is rendered once per live event by the hub, which
// already renders once per audience and zone, and travels in the frame
// itself ("stats"); the page swaps it in without a request.
//
// Fetched: a part that differs per person or per page (the unread badge,
// a filtered list, a chosen period) is only named ("changed-<part>", see
// fragments_parts.go) and the page fetches it. Lists and the Hours page
// fetch their own URL, which answers an htmx request with only their block
// (render.go's one decision); parts with no page of their own have a
// fragment route under /fragments (and the older /messages/unread). Either
// way the request passes the same session, CSRF and Scope middleware as
// the pages.
//
// A catch-up after a reconnect renders per connection and per missed event,
// so there the pushed part is only named too, and fetched once.

// statsFragment is the dashboard's key figures alone: what a dashboard
// fetches after a reconnect, or when a catch-up only named the figures.
// Always a fragment, whoever asks.
func (s *Server) statsFragment(c echo.Context, sc models.Scope) error {
	ctx := c.Request().Context()
	views, err := s.views(ctx)
	if err != nil {
		return err
	}
	html, err := statsHTML(ctx, views, sc)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(http.StatusOK, html)
}

// statsHTML renders a client's dashboard figures (no times in them, so no
// zone), as the dashboard's "dashboard-stats" block.
func statsHTML(ctx context.Context, views *templates.Set, sc models.Scope) ([]byte, error) {
	stats, err := sc.Dashboard(ctx, models.Now())
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := views.Execute(&buf, tplDashboard, "dashboard-stats", stats); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// partFrames tells v's pages which of their parts ev changed: a live event
// pushes a client's figures rendered (once for all of the client's
// streams), anything else is named for the pages to fetch.
func (s *Server) partFrames(ctx context.Context, views *templates.Set, ev *models.ActivityEvent, v models.Viewer) ([]realtime.Frame, error) {
	var frames []realtime.Frame
	for _, p := range partsChanged(ev, v) {
		if p == partStats && !v.Staff() && !realtime.Replaying(ctx) {
			// The viewer's own client, from the stream's session: the
			// figures of no other client can be rendered here.
			html, err := statsHTML(ctx, views, models.ScopeOfViewer(s.db, v))
			if err != nil {
				return nil, err
			}
			frames = append(frames, realtime.Frame{Name: string(partStats), Data: string(html)})
			continue
		}
		frames = append(frames, realtime.Frame{Name: p.event(), Data: ev.Kind})
	}
	return frames, nil
}
