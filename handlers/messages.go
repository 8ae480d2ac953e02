package handlers

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const tplMessages templates.Page = "portal/messages"

// MessagesPage is the portal's Messages page: the client's threads with the
// signed-in user's unread counts.
type MessagesPage struct {
	Page    models.Page[models.Thread]
	SelfURL string // this page, re-fetched when something changes
	PrevURL string
	NextURL string
}

func (s *Server) messages(c echo.Context, sc models.Scope) error {
	p, err := sc.ListThreads(c.Request().Context(), pageParam(c), models.DefaultPerPage)
	if err != nil {
		return err
	}
	v := MessagesPage{Page: p, SelfURL: "/messages?page=" + strconv.Itoa(p.Page)}
	v.PrevURL, v.NextURL = pageLinks("/messages", c.QueryParams(), p)
	return s.renderBlock(c, http.StatusOK, tplMessages, "threads", View{Title: "Messages", Nav: "messages", Data: v})
}

// unreadBadge is the navigation's unread counter alone; the layout's badge
// fetches it on load and whenever the event stream says something changed.
// It is always a fragment, whoever asks.
func (s *Server) unreadBadge(c echo.Context, sc models.Scope) error {
	n, err := sc.UnreadForBadge(c.Request().Context())
	if err != nil {
		return err
	}
	views, err := s.views(c.Request().Context())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := views.Execute(&buf, tplMessages, "unread-badge", unreadText(n)); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

// unreadText is the badge's figure: nothing for none, "99+" past what it
// counts (models.UnreadShown).
func unreadText(n int) string {
	switch {
	case n <= 0:
		return ""
	case n > models.UnreadShown:
		return strconv.Itoa(models.UnreadShown) + "+"
	}
	return strconv.Itoa(n)
}

// markRead records that the signed-in staff user has read the thread a
// console request page shows, up to its newest message there (internal notes
// included), only when that moves their read position. A failure is logged rather than shown; the page matters more
// than the counter (and a browser that left is no failure: logFailure).
func (s *Server) markRead(c echo.Context, d *models.RequestDetail) {
	ctx := c.Request().Context()
	u := currentUser(c)
	var upTo int64
	for _, m := range d.Messages {
		upTo = max(upTo, m.ID)
	}
	if upTo <= d.ReadUpTo {
		return // nothing new since their last look: no write
	}
	if err := models.MarkThreadRead(ctx, s.db, u.ID, d.ID, upTo); err != nil {
		s.logFailure(c, "mark thread read", err, "request", d.ID, "user", u.ID)
	}
}

// markClientRead is markRead for a client user's request page: public
// messages only, through the Scope, written only when the position moves.
func (s *Server) markClientRead(c echo.Context, sc models.Scope, d *models.RequestDetail) {
	ctx := c.Request().Context()
	if err := sc.MarkReadUpTo(ctx, d); err != nil {
		s.logFailure(c, "mark thread read", err, "request", d.ID, "user", sc.UserID())
	}
}
