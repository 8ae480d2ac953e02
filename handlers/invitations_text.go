package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const tplInvitationText templates.Page = "console/invitation_text"

// InvitationTextPage is where admins word the invitation e-mail: the
// form, the placeholders it may use, and the mail as it would go out.
type InvitationTextPage struct {
	Subject      string
	Body         string
	Default      bool // the text in use is the default one
	Placeholders []string
	Preview      InvitationMail
	Errors       FieldErrors
}

func (s *Server) invitationTextForm(c echo.Context) error {
	t, err := models.GetInvitationText(c.Request().Context(), s.db)
	if err != nil {
		return err
	}
	return s.renderInvitationText(c, http.StatusOK, t.Subject, t.Body, t.Default, nil)
}

func (s *Server) renderInvitationText(c echo.Context, status int, subject, body string, isDefault bool, errs FieldErrors) error {
	p := InvitationTextPage{Subject: subject, Body: body, Default: isDefault, Placeholders: models.InvitationPlaceholders, Errors: errs}
	if p.Errors == nil {
		p.Errors = FieldErrors{}
	}
	if !p.Errors.Any() {
		p.Preview = invitationMail(models.InvitationText{Subject: subject, Body: body}, s.sampleInvitationValues(c))
	}
	return s.render(c, status, tplInvitationText, View{Title: "Invitation e-mail", Nav: "settings", Data: p})
}

// sampleInvitationValues fill the preview: what a mail sent now by the
// admin looking at it would say, for an example client.
func (s *Server) sampleInvitationValues(c echo.Context) models.InvitationValues {
	return models.InvitationValues{Client: "Example Client", Workspace: s.workspaceName(c), Sender: currentUser(c).Name,
		Link:    s.absURL("/invite/example-link"),
		Expires: models.Now().Add(models.InvitationValidity).Format("Monday 2 January 2006")}
}

// invitationTextOf reads and checks the posted text.
func invitationTextOf(c echo.Context) (subject, body string, errs FieldErrors) {
	subject, body = c.FormValue("subject"), c.FormValue("body")
	return subject, body, FieldErrors(models.CheckInvitationText(subject, body))
}

func (s *Server) invitationTextSave(c echo.Context) error {
	subject, body, errs := invitationTextOf(c)
	if errs.Any() {
		return s.renderInvitationText(c, http.StatusUnprocessableEntity, subject, body, false, errs)
	}
	if err := models.SaveInvitationText(c.Request().Context(), s.db, subject, body, currentUser(c).ID); err != nil {
		return err
	}
	setFlash(c, "success", "Invitation e-mail saved. Invitations sent from now on use it.")
	return redirect(c, "/console/settings/invitation")
}

// invitationTextPreview shows the posted text as a mail, saving nothing.
func (s *Server) invitationTextPreview(c echo.Context) error {
	subject, body, errs := invitationTextOf(c)
	status := http.StatusOK
	if errs.Any() {
		status = http.StatusUnprocessableEntity
	}
	return s.renderInvitationText(c, status, subject, body, false, errs)
}

func (s *Server) invitationTextReset(c echo.Context) error {
	if err := models.ResetInvitationText(c.Request().Context(), s.db); err != nil {
		return err
	}
	setFlash(c, "success", "The invitation e-mail is back to the default text.")
	return redirect(c, "/console/settings/invitation")
}
