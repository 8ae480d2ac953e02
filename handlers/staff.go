package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const tplStaff templates.Page = "console/staff"

// StaffPage lists the MSP's staff with the invitation form (admins only).
type StaffPage struct {
	Staff []models.User
	Form  InviteForm
}

// InviteForm invites a staff member by e-mail.
type InviteForm struct {
	Name   string
	Email  string
	Role   string
	Errors FieldErrors
}

func (s *Server) staffList(c echo.Context) error {
	page, err := s.staffPage(c, InviteForm{Role: models.RoleAgent})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, tplStaff, View{Title: "Staff", Nav: "staff", Data: page})
}

func (s *Server) staffPage(c echo.Context, f InviteForm) (*StaffPage, error) {
	staff, err := models.ListStaff(c.Request().Context(), s.db)
	if err != nil {
		return nil, err
	}
	return &StaffPage{Staff: staff, Form: f}, nil
}

// staffInvite creates the account without a password and e-mails a link to
// choose one (a password reset with the longer invitation validity).
func (s *Server) staffInvite(c echo.Context) error {
	ctx := c.Request().Context()
	f := InviteForm{Name: strings.TrimSpace(c.FormValue("name")), Email: strings.TrimSpace(c.FormValue("email")),
		Role: c.FormValue("role"), Errors: FieldErrors{}}
	f.Errors.line("name", f.Name, "Name", 100)
	f.Errors.email("email", f.Email)
	if f.Role != models.RoleAdmin && f.Role != models.RoleAgent {
		f.Errors["role"] = "Choose admin or agent."
	}
	ws, err := models.GetWorkspace(ctx, s.db)
	if err != nil {
		return err
	}
	if f.Errors["email"] == "" && !ws.AllowsStaffEmail(f.Email) {
		f.Errors["email"] = "Staff e-mail must be at " + strings.Join(ws.StaffDomainList(), " or ") + " (see Settings)."
	}
	var u *models.User
	if !f.Errors.Any() {
		u, err = models.CreateUser(ctx, s.db, models.NewUser{Role: f.Role, Email: f.Email, Name: f.Name, SignupMethod: models.SignupInvite})
		if errors.Is(err, models.ErrEmailTaken) {
			f.Errors["email"] = "This e-mail already has an account."
		} else if err != nil {
			return err
		}
	}
	if f.Errors.Any() {
		page, err := s.staffPage(c, f)
		if err != nil {
			return err
		}
		return s.renderBlock(c, http.StatusUnprocessableEntity, tplStaff, "form", View{Title: "Staff", Nav: "staff", Data: page})
	}
	token, err := models.CreatePasswordReset(ctx, s.db, u.ID, models.InviteValidity)
	if err != nil {
		return err
	}
	s.mailer.SendLater(mailMessage(u.Email, "staff_invite", map[string]any{
		"Name": u.Name, "Workspace": ws.Name, "InvitedBy": currentUser(c).Name,
		"URL": s.absURL("/reset/" + token), "SignInURL": s.absURL("/signin"),
		"ValidDays": int(models.InviteValidity.Hours() / 24),
	}))
	if s.mailOff() {
		setFlash(c, "error", "No mail server is configured, so the invitation to "+u.Email+" was not sent: it was written to "+
			s.mailOutbox()+" on the server. Hand "+u.Name+" the link in that file yourself.")
	} else {
		setFlash(c, "success", "Invitation sent to "+u.Email+".")
	}
	return redirect(c, "/console/staff")
}

func (s *Server) staffDisable(c echo.Context) error { return s.setStaffDisabled(c, true) }
func (s *Server) staffEnable(c echo.Context) error  { return s.setStaffDisabled(c, false) }

func (s *Server) setStaffDisabled(c echo.Context, disabled bool) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if id == currentUser(c).ID {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "You cannot disable your own account.")
	}
	if err := models.SetUserDisabled(c.Request().Context(), s.db, id, nil, disabled); err != nil {
		return err
	}
	if disabled {
		setFlash(c, "success", "Staff member disabled and signed out.")
	} else {
		setFlash(c, "success", "Staff member enabled.")
	}
	return redirect(c, "/console/staff")
}

// requireAdmin admits admins; agents see 404, as if the page did not exist.
func (s *Server) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if u := currentUser(c); u == nil || !u.IsAdmin() {
			return echo.ErrNotFound
		}
		return next(c)
	}
}
