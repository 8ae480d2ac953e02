package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
)

// invitationRoutes are invitations by e-mail: staff invite people from a
// client's page (console), the invited open their link (/invite/:token,
// invitations_accept.go), admins word the mail (invitations_text.go).
func (s *Server) invitationRoutes(e *echo.Echo, app []echo.MiddlewareFunc, console *echo.Group) {
	console.POST("/clients/:id/invitations", s.invitationsCreate)
	console.POST("/clients/:id/invitations/:invitation/resend", s.invitationResend)
	console.POST("/clients/:id/invitations/:invitation/revoke", s.invitationRevoke)
	console.GET("/settings/invitation", s.invitationTextForm, s.requireAdmin)
	console.POST("/settings/invitation", s.invitationTextSave, s.requireAdmin)
	console.POST("/settings/invitation/preview", s.invitationTextPreview, s.requireAdmin)
	console.POST("/settings/invitation/reset", s.invitationTextReset, s.requireAdmin)
	e.GET("/invite/:token", s.inviteShow, app...)
	e.POST("/invite/:token", s.inviteAccept, app...)
}

// InvitationsSection is the Invitations card of a client's page: the form
// to invite by address and the client's invitations.
type InvitationsSection struct {
	Rows      []InvitationRow
	Addresses string                  // as typed, when the form is shown again
	Error     string                  // about the whole field
	Problems  []models.AddressProblem // one per address that stopped the form
	Max       int
	Notice    string // what the last submission did
}

// InvitationRow is one invitation as the list shows it.
type InvitationRow struct {
	models.Invitation
	Status string // invited, joined, expired, revoked
	Badge  string // the badge's colour class
	Resend bool
	Revoke bool
}

// invitationsSection reads a client's invitations for its page.
func (s *Server) invitationsSection(ctx context.Context, clientID int64) (InvitationsSection, error) {
	list, err := models.ListInvitations(ctx, s.db, clientID)
	if err != nil {
		return InvitationsSection{}, err
	}
	now := models.Now()
	sec := InvitationsSection{Max: models.MaxInvitesAtOnce, Rows: make([]InvitationRow, len(list))}
	for i, inv := range list {
		st := inv.Status(now)
		sec.Rows[i] = InvitationRow{Invitation: inv, Status: st, Badge: invitationBadge[st],
			Resend: inv.Resendable(now), Revoke: inv.Revocable(now)}
	}
	return sec, nil
}

var invitationBadge = map[string]string{
	models.InvitationInvited: "badge-blue", models.InvitationJoined: "badge-green",
	models.InvitationExpired: "badge-grey", models.InvitationRevoked: "badge-red",
}

// invitationsCreate invites every address of the form, or none: a form
// with any address that cannot be invited comes back (422) naming each.
func (s *Server) invitationsCreate(c echo.Context) error {
	client, err := s.clientParam(c)
	if err != nil {
		return err
	}
	page, err := s.clientPage(c, client)
	if err != nil {
		return err
	}
	sec := &page.Invitations
	sec.Addresses = c.FormValue("addresses")
	addrs, problems := models.ParseInviteAddresses(sec.Addresses)
	switch {
	case client.ArchivedAt != nil:
		sec.Error = "This client is archived. Restore it before inviting people."
	case len(problems) > 0:
		sec.Problems = problems
	case len(addrs) == 0:
		sec.Error = "Enter at least one e-mail address."
	case len(addrs) > models.MaxInvitesAtOnce:
		sec.Error = fmt.Sprintf("That is %d addresses; invite at most %d at a time.", len(addrs), models.MaxInvitesAtOnce)
	}
	if sec.Error != "" || len(sec.Problems) > 0 {
		return s.renderInvitations(c, http.StatusUnprocessableEntity, page)
	}
	made, err := models.InviteToClient(c.Request().Context(), s.db, client.ID, currentUser(c).ID, addrs)
	var refusal *models.InviteRefusal
	if errors.As(err, &refusal) {
		sec.Problems = refusal.Problems
		return s.renderInvitations(c, http.StatusUnprocessableEntity, page)
	}
	if err != nil {
		return err
	}
	if err := s.mailInvitations(c, client, made); err != nil {
		return err
	}
	if *sec, err = s.invitationsSection(c.Request().Context(), client.ID); err != nil {
		return err
	}
	sec.Notice = s.invitationsSent(made)
	// The answer is the section itself, as for a new portal link: a redirect
	// to the page the form is on would only move to its #invitations.
	return s.renderInvitations(c, http.StatusOK, page)
}

func (s *Server) renderInvitations(c echo.Context, status int, page *ClientPage) error {
	return s.renderBlock(c, status, tplClient, "invitations", View{Title: page.Client.Name, Nav: "clients", Data: page})
}

// invitationsSent says what became of the mails just made.
func (s *Server) invitationsSent(made []models.NewInvitation) string {
	who := made[0].Invitation.Email
	if len(made) > 1 {
		who = fmt.Sprintf("%d addresses", len(made))
	}
	if s.mailOff() {
		return "No mail server is configured, so the invitations to " + who + " were not sent: they were written to " +
			s.mailOutbox() + " on the server."
	}
	if len(made) > 1 {
		return "Invitations sent to " + who + "."
	}
	return "Invitation sent to " + who + "."
}

// invitationResend sends an invitation again with a new link; the old one
// stops working.
func (s *Server) invitationResend(c echo.Context) error {
	client, id, err := s.invitationParams(c)
	if err != nil {
		return err
	}
	if client.ArchivedAt != nil {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "This client is archived. Restore it before inviting people.")
	}
	renewed, err := models.ResendInvitation(c.Request().Context(), s.db, client.ID, id)
	var refusal *models.InviteRefusal
	switch {
	case errors.As(err, &refusal):
		return echo.NewHTTPError(http.StatusConflict, refusal.Problems[0].Address+" "+refusal.Problems[0].Reason)
	case errors.Is(err, models.ErrInvitationClosed):
		return echo.NewHTTPError(http.StatusConflict, "This invitation was accepted or revoked, so it cannot be sent again. Invite the address anew if needed.")
	case err != nil:
		return err
	}
	if err := s.mailInvitations(c, client, []models.NewInvitation{*renewed}); err != nil {
		return err
	}
	setFlash(c, "success", "Invitation sent again to "+renewed.Invitation.Email+". The earlier link no longer works.")
	return redirect(c, clientPath(client.ID)+"#invitations")
}

func (s *Server) invitationRevoke(c echo.Context) error {
	client, id, err := s.invitationParams(c)
	if err != nil {
		return err
	}
	err = models.RevokeInvitation(c.Request().Context(), s.db, client.ID, id)
	if errors.Is(err, models.ErrInvitationClosed) {
		return echo.NewHTTPError(http.StatusConflict, "This invitation was already accepted, revoked or expired.")
	}
	if err != nil {
		return err
	}
	setFlash(c, "success", "Invitation revoked: its link no longer works.")
	return redirect(c, clientPath(client.ID)+"#invitations")
}

// invitationParams reads the client and the invitation id of the path.
func (s *Server) invitationParams(c echo.Context) (*models.Client, int64, error) {
	client, err := s.clientParam(c)
	if err != nil {
		return nil, 0, err
	}
	id, err := idParam(c, "invitation")
	if err != nil {
		return nil, 0, err
	}
	return client, id, nil
}

// mailInvitations sends each new invitation its mail, in the admins'
// wording, with the expiry in the client's time zone.
func (s *Server) mailInvitations(c echo.Context, client *models.Client, made []models.NewInvitation) error {
	text, err := models.GetInvitationText(c.Request().Context(), s.db)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(client.Timezone)
	if err != nil {
		loc = time.UTC
	}
	for _, m := range made {
		vals := models.InvitationValues{Client: client.Name, Workspace: s.workspaceName(c), Sender: currentUser(c).Name,
			Link: s.absURL("/invite/" + m.Token), Expires: m.Invitation.ExpiresAt.In(loc).Format("Monday 2 January 2006")}
		msg := mailMessage(m.Invitation.Email, "invitation", invitationMail(text, vals))
		// "Answer this e-mail" reaches the person who sent the invitation.
		msg.ReplyTo = currentUser(c).Email
		s.mailer.SendLater(msg)
	}
	return nil
}

// InvitationMail is the data of the invitation e-mail: the filled subject
// and text, and the text cut into paragraphs for the HTML part, where the
// link is a link.
type InvitationMail struct {
	Subject    string
	Text       string
	Paragraphs [][]MailPiece
}

// MailPiece is a run of a paragraph's text; Link marks the invitation link.
type MailPiece struct {
	Text string
	Link bool
	Br   bool // a line break before this piece
}

func invitationMail(t models.InvitationText, v models.InvitationValues) InvitationMail {
	subject, body := t.Fill(v)
	m := InvitationMail{Subject: subject, Text: body}
	for _, para := range strings.Split(body, "\n\n") {
		if strings.TrimSpace(para) == "" {
			continue
		}
		var pieces []MailPiece
		for i, line := range strings.Split(strings.Trim(para, "\n"), "\n") {
			br := i > 0
			for j, part := range strings.Split(line, v.Link) {
				if j > 0 {
					pieces = append(pieces, MailPiece{Text: v.Link, Link: true, Br: br})
					br = false
				}
				if part != "" || br {
					pieces = append(pieces, MailPiece{Text: part, Br: br})
					br = false
				}
			}
		}
		m.Paragraphs = append(m.Paragraphs, pieces)
	}
	return m
}
