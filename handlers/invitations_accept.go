package handlers

import (
	"cmp"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const (
	tplInvite       templates.Page = "auth/invite"
	tplInviteClosed templates.Page = "auth/invite_closed"
)

// InvitePage is what a usable invitation shows: the client, the invited
// address (fixed: the mail reaching it proved it) and a name and password.
type InvitePage struct {
	Token      string
	ClientName string
	Email      string
	Name       string
	Errors     FieldErrors
}

// InviteClosedPage explains why an invitation link does not work.
type InviteClosedPage struct {
	Heading string
	Message string
}

// openInvitation loads the invitation of the :token parameter, answering
// for it when it cannot be used: 404 for a token no invitation has (or a
// link a resend replaced), 410 for one used, expired or revoked, 409 for an
// address that has an account by now. The holder of the token may learn
// which: it is their own invitation.
func (s *Server) openInvitation(c echo.Context) (*models.Invitation, error) {
	ctx := c.Request().Context()
	inv, err := models.InvitationByToken(ctx, s.db, c.Param("token"))
	if errors.Is(err, models.ErrInvitationUnknown) {
		return nil, s.inviteClosed(c, http.StatusNotFound, "This invitation link is not valid",
			"It may have been mistyped, or a newer invitation replaced it: use the link in the most recent invitation e-mail.")
	}
	if err != nil {
		return nil, err
	}
	if !inv.Usable(models.Now()) {
		return nil, s.inviteUnusable(c, inv)
	}
	has, err := models.InvitedHasAccount(ctx, s.db, inv)
	if err != nil {
		return nil, err
	}
	if has {
		return nil, s.inviteAccountExists(c, inv)
	}
	return inv, nil
}

func (s *Server) inviteUnusable(c echo.Context, inv *models.Invitation) error {
	switch inv.Status(models.Now()) {
	case models.InvitationJoined:
		return s.inviteClosed(c, http.StatusGone, "This invitation was already used",
			"An account was made with it for "+inv.Email+". Sign in with that address and its password.")
	case models.InvitationExpired:
		return s.inviteClosed(c, http.StatusGone, "This invitation has expired",
			"It was valid until "+expiryText(inv)+". Ask the people who invited you to send it again.")
	}
	return s.inviteClosed(c, http.StatusGone, "This invitation was withdrawn",
		"It can no longer be used. If you still need access, ask the people who invited you.")
}

func (s *Server) inviteAccountExists(c echo.Context, inv *models.Invitation) error {
	return s.inviteClosed(c, http.StatusConflict, "You already have an account",
		inv.Email+" already has an account, so no second one is made. Sign in with it; if you forgot its password, choose “Forgot password?” on the sign-in page.")
}

func (s *Server) inviteClosed(c echo.Context, status int, heading, message string) error {
	return s.render(c, status, tplInviteClosed, View{Title: heading, Data: InviteClosedPage{Heading: heading, Message: message}})
}

func (s *Server) inviteShow(c echo.Context) error {
	inv, err := s.openInvitation(c)
	if inv == nil {
		return err
	}
	return s.render(c, http.StatusOK, tplInvite, View{Title: "Join " + inv.Client.Name,
		Data: InvitePage{Token: c.Param("token"), ClientName: inv.Client.Name, Email: inv.Email}})
}

// inviteAccept makes the account and signs its owner in.
func (s *Server) inviteAccept(c echo.Context) error {
	inv, err := s.openInvitation(c)
	if inv == nil {
		return err
	}
	f := InvitePage{Token: c.Param("token"), ClientName: inv.Client.Name, Email: inv.Email, Errors: FieldErrors{},
		Name: strings.TrimSpace(c.FormValue("name"))}
	if ok, err := s.allowAttempt(c, "invite", inv.Email, limitJoinIP, limitJoinEmail); err != nil || !ok {
		return cmp.Or(err, errTooMany(c, limitJoinIP.Window))
	}
	password := c.FormValue("password")
	f.Errors.line("name", f.Name, "Your name", 100)
	if msg := models.CheckPassword(password); msg != "" {
		f.Errors["password"] = msg
	}
	if f.Errors.Any() {
		return s.renderBlock(c, http.StatusUnprocessableEntity, tplInvite, "invite-form", View{Title: "Join " + inv.Client.Name, Data: f})
	}
	u, err := models.AcceptInvitation(c.Request().Context(), s.db, c.Param("token"), f.Name, password)
	switch {
	case errors.Is(err, models.ErrInvitationAccountExists):
		return s.inviteAccountExists(c, inv)
	case errors.Is(err, models.ErrInvitationUnusable):
		// Used, revoked or expired between the page's load and this post.
		if again, err := models.InvitationByToken(c.Request().Context(), s.db, c.Param("token")); err == nil {
			return s.inviteUnusable(c, again)
		}
		return s.inviteUnusable(c, inv)
	case err != nil:
		return err
	}
	if err := s.startSession(c, u, models.SigninPassword); err != nil {
		return err
	}
	setFlash(c, "success", "Welcome, "+u.Name+". Your account is ready.")
	return redirect(c, "/")
}

// expiryText is when an invitation stopped working, in its client's zone
// (the one its mail gave), named.
func expiryText(inv *models.Invitation) string {
	loc := time.UTC
	if inv.Client != nil {
		if l, err := time.LoadLocation(inv.Client.Timezone); err == nil {
			loc = l
		}
	}
	return inv.ExpiresAt.In(loc).Format("2 January 2006, 15:04 MST")
}
