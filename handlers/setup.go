package handlers

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const tplSetup templates.Page = "auth/setup"

// SetupForm is the one-time setup page: the MSP's name and the first admin.
type SetupForm struct {
	WorkspaceName string
	AdminName     string
	AdminEmail    string
	SetupCode     string
	Errors        FieldErrors
}

// announceSetupCode prints a one-time setup code in the log while the
// portal is not set up, so that only whoever runs the server can claim it.
func (s *Server) announceSetupCode(ctx context.Context) error {
	_, err := models.GetWorkspace(ctx, s.db)
	if !errors.Is(err, models.ErrNotFound) {
		return err
	}
	code, err := models.NewSetupCode(ctx, s.db)
	if err != nil {
		return err
	}
	s.log.Warn("the portal is not set up yet: open /setup and enter this one-time setup code",
		"setup_code", code, "url", s.absURL("/setup"))
	return nil
}

func (s *Server) setupForm(c echo.Context) error {
	return s.render(c, http.StatusOK, tplSetup, View{Title: "Set up your portal", Data: SetupForm{}})
}

func (s *Server) setupSubmit(c echo.Context) error {
	f := SetupForm{
		WorkspaceName: strings.TrimSpace(c.FormValue("workspace_name")),
		AdminName:     strings.TrimSpace(c.FormValue("admin_name")),
		AdminEmail:    strings.TrimSpace(c.FormValue("admin_email")),
		Errors:        FieldErrors{},
	}
	if ok, err := s.allowAttempt(c, "setup", "", limitSetupIP, limitSetupIP); err != nil || !ok {
		return cmp.Or(err, errTooMany(c, limitSetupIP.Window))
	}
	f.SetupCode = strings.TrimSpace(c.FormValue("setup_code"))
	valid, err := models.ValidSetupCode(c.Request().Context(), s.db, f.SetupCode)
	if err != nil {
		return err
	}
	if !valid {
		f.Errors["setup_code"] = "Enter the setup code printed in the portal's log when it started (or by “portal staff create”)."
	}
	password := c.FormValue("password")
	f.Errors.line("workspace_name", f.WorkspaceName, "Company name", 100)
	f.Errors.line("admin_name", f.AdminName, "Your name", 100)
	f.Errors.email("admin_email", f.AdminEmail)
	if msg := models.CheckPassword(password); msg != "" {
		f.Errors["password"] = msg
	}
	if f.Errors.Any() {
		return s.renderBlock(c, http.StatusUnprocessableEntity, tplSetup, "form", View{Title: "Set up your portal", Data: f})
	}

	admin, err := models.Setup(c.Request().Context(), s.db, models.SetupInput{
		WorkspaceName: f.WorkspaceName, AdminName: f.AdminName, AdminEmail: f.AdminEmail, Password: password,
	})
	if errors.Is(err, models.ErrAlreadySetUp) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	s.setUp.Store(true)
	if err := s.startSession(c, admin, models.SigninPassword); err != nil {
		return err
	}
	setFlash(c, "success", "Your portal is ready. Add your first client from the Clients page.")
	return redirect(c, "/console")
}
