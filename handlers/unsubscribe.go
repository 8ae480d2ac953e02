package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const tplUnsubscribe templates.Page = "auth/unsubscribe"

// UnsubscribePage is the page of a List-Unsubscribe link: what it turns
// off and a button, then what was done (with a way back), or why the link
// does not work.
type UnsubscribePage struct {
	Token   string
	Kind    string // models.MailSummary, MailDigest or MailHours
	What    string // the kind in words
	Email   string
	Off     bool // the address has this kind turned off now
	Done    bool // this request changed it
	Problem string
}

// unsubscribeShow is what opening the link shows: which mail it turns off,
// for which address, and a button. Opening it changes nothing (mail
// scanners open every link).
func (s *Server) unsubscribeShow(c echo.Context) error {
	page, err := s.unsubscribePage(c)
	if err != nil || page.Problem != "" {
		return s.renderUnsubscribe(c, http.StatusNotFound, page, err)
	}
	return s.renderUnsubscribe(c, http.StatusOK, page, nil)
}

// unsubscribeSubmit turns the mail off: the page's button, or a mail
// program's one-click POST (RFC 8058, body List-Unsubscribe=One-Click),
// which carries no cookies. The signed token in the address is the whole
// authority, so this route has no session and no CSRF check; it can only
// turn one kind of mail off, or back on, for the address it names.
func (s *Server) unsubscribeSubmit(c echo.Context) error {
	page, err := s.unsubscribePage(c)
	if err != nil || page.Problem != "" {
		return s.renderUnsubscribe(c, http.StatusNotFound, page, err)
	}
	off := c.FormValue("resubscribe") != "1"
	if err := models.SetMailOptOut(c.Request().Context(), s.db, page.Kind, page.Email, off); err != nil {
		return err
	}
	page.Off, page.Done = off, true
	return s.renderUnsubscribe(c, http.StatusOK, page, nil)
}

func (s *Server) unsubscribePage(c echo.Context) (UnsubscribePage, error) {
	ctx := c.Request().Context()
	token := c.Param(secretParam)
	kind, email, err := models.ParseUnsubscribeToken(ctx, s.db, token)
	if errors.Is(err, models.ErrBadUnsubscribe) {
		return UnsubscribePage{Problem: "This unsubscribe link is not valid. It may have been cut short or mistyped."}, nil
	} else if err != nil {
		return UnsubscribePage{}, err
	}
	off, err := models.OptedOut(ctx, s.db, kind, email)
	if err != nil {
		return UnsubscribePage{}, err
	}
	return UnsubscribePage{Token: token, Kind: kind, What: models.MailKindText(kind), Email: email, Off: off}, nil
}

func (s *Server) renderUnsubscribe(c echo.Context, status int, page UnsubscribePage, err error) error {
	if err != nil {
		return err
	}
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	return s.render(c, status, tplUnsubscribe, View{Title: "Unsubscribe", Data: page})
}
