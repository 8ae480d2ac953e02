package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/mail/inbound"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const tplMail templates.Page = "console/mail"

// heldMailRoutes are the console's e-mail page: replies by e-mail, how each
// way in is doing, the switch, and the held mail staff decide on.
func (s *Server) heldMailRoutes(console *echo.Group) {
	console.GET("/mail", s.mailPage)
	console.POST("/mail/reply-in", s.mailReplyIn, s.requireAdmin)
	console.POST("/mail/held/:id/accept", s.heldAccept)
	console.POST("/mail/held/:id/request", s.heldStartRequest)
	console.POST("/mail/held/:id/discard", s.heldDiscard)
}

// MailPage is the console's E-mail page.
type MailPage struct {
	Address string // PORTAL_INBOUND_ADDRESS, "" when replies by e-mail are not configured
	SMTP    string // the receiver's address, when on
	IMAP    string // the mailbox watched, when on (no password)
	ReplyIn bool
	Routes  []models.InboundRoute
	Held    []models.InboundMail
	// Refs and Errors are the accept forms' values and errors, by mail id.
	Refs   map[int64]string
	Errors FieldErrors
}

// heldListLimit is how many held mails the page lists, newest first.
const heldListLimit = 200

func (s *Server) mailPage(c echo.Context) error {
	return s.renderMail(c, http.StatusOK, MailPage{})
}

func (s *Server) renderMail(c echo.Context, status int, p MailPage) error {
	ctx := c.Request().Context()
	p.Address, p.SMTP = s.cfg.Inbound.Address, s.cfg.Inbound.SMTPAddr
	if u := s.cfg.Inbound.IMAPURL; u != nil {
		p.IMAP = u.Scheme + "://" + u.User.Username() + "@" + u.Host + u.Path
	}
	st, err := models.GetInboundSettings(ctx, s.db)
	if err != nil {
		return err
	}
	p.ReplyIn = st.ReplyIn
	if p.Routes, err = models.InboundRoutes(ctx, s.db); err != nil {
		return err
	}
	if p.Held, err = models.HeldMails(ctx, s.db, heldListLimit); err != nil {
		return err
	}
	if p.Errors == nil {
		p.Errors = FieldErrors{}
	}
	return s.render(c, status, tplMail, View{Title: "E-mail", Nav: "mail", Data: p})
}

func (s *Server) inboundConfig() inbound.Config {
	return inbound.Config{DB: s.db, Files: s.files, Address: s.cfg.Inbound.Address, Domain: s.cfg.BaseURL.Hostname(),
		MaxBytes: s.cfg.Inbound.MaxBytes, Log: s.log, Mailer: s.mailer}
}

func (s *Server) mailReplyIn(c echo.Context) error {
	on := c.FormValue("reply_in") == "on"
	if err := models.SetReplyIn(c.Request().Context(), s.db, on); err != nil {
		return err
	}
	if on {
		setFlash(c, "success", "Replies by e-mail are on: clients' replies land on their requests.")
	} else {
		setFlash(c, "info", "Replies by e-mail are off: mail carries no reply address, and mail that arrives is held.")
	}
	return redirect(c, "/console/mail")
}

func (s *Server) heldAccept(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	held, err := models.HeldMail(ctx, s.db, id)
	if err != nil {
		return err
	}
	ref := strings.TrimSpace(c.FormValue("request"))
	reqID, err := models.RequestIDByRef(ctx, s.db, ref, held.ClientID)
	if errors.Is(err, models.ErrNotFound) {
		return s.heldFieldError(c, id, ref, "No request has this number. Write it as on the request, e.g. ACME-12.")
	}
	if err != nil {
		return err
	}
	_, err = inbound.AcceptHeld(ctx, s.inboundConfig(), id, currentUser(c), reqID)
	switch {
	case errors.Is(err, models.ErrReopenWindowClosed):
		return s.heldFieldError(c, id, ref, "This request was completed before the reopen window: start a request instead.")
	case errors.Is(err, inbound.ErrHeldUnreadable):
		return s.heldFieldError(c, id, ref, "This mail cannot be read, so it cannot be put on a request: discard it.")
	case err != nil:
		return err
	}
	setFlash(c, "success", "The mail is on "+ref+".")
	return redirect(c, models.ConsoleRequestPath(reqID))
}

func (s *Server) heldStartRequest(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	r, err := inbound.StartRequestFromHeld(c.Request().Context(), s.inboundConfig(), id, currentUser(c))
	switch {
	case errors.Is(err, inbound.ErrSenderNotClientUser):
		return s.heldFieldError(c, id, "", "The sender is not a user of any client: put the mail on a request, or discard it.")
	case errors.Is(err, inbound.ErrHeldUnreadable):
		return s.heldFieldError(c, id, "", "This mail cannot be read, so no request can be started from it: discard it.")
	case err != nil:
		return err
	}
	setFlash(c, "success", "A request was started from the mail.")
	return redirect(c, models.ConsoleRequestPath(r.ID))
}

func (s *Server) heldDiscard(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := models.DecideHeldMail(c.Request().Context(), s.db, id, models.InboundDiscarded, currentUser(c).ID, nil, nil); err != nil {
		return err
	}
	setFlash(c, "info", "The mail was discarded.")
	return redirect(c, "/console/mail")
}

// heldFieldError shows the page again with why the action on mail id was
// refused, beside its form.
func (s *Server) heldFieldError(c echo.Context, id int64, ref, msg string) error {
	key := heldField(id)
	return s.renderMail(c, http.StatusUnprocessableEntity, MailPage{Refs: map[int64]string{id: ref}, Errors: FieldErrors{key: msg}})
}

// heldField names the accept field of mail id in FieldErrors.
func heldField(id int64) string { return "request-" + strconv.FormatInt(id, 10) }

// Field is the accept field's name of mail id (for errors and labels).
func (p MailPage) Field(id int64) string { return heldField(id) }

// Ref is what was typed in the accept field of mail id.
func (p MailPage) Ref(id int64) string { return p.Refs[id] }
