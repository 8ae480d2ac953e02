package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const tplStaffTimezone templates.Page = "console/staff_timezone"

// TimezoneForm is a staff member's own time zone ("" for the workspace's)
// and, for admins, the workspace's.
type TimezoneForm struct {
	Timezone          string
	WorkspaceTimezone string
	Admin             bool
	Errors            FieldErrors
}

func (s *Server) staffTimezoneForm(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	f := TimezoneForm{Admin: u.IsAdmin(), Errors: FieldErrors{}}
	var err error
	if f.Timezone, err = models.StaffTimezone(ctx, s.db, u.ID); err != nil {
		return err
	}
	if f.WorkspaceTimezone, err = models.WorkspaceTimezone(ctx, s.db); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, tplStaffTimezone, View{Title: "Time zone", Nav: "account", Data: f})
}

func (s *Server) staffTimezoneSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	f := TimezoneForm{Admin: u.IsAdmin(), Errors: FieldErrors{},
		Timezone: strings.TrimSpace(c.FormValue("timezone")), WorkspaceTimezone: strings.TrimSpace(c.FormValue("workspace_timezone"))}
	if f.Timezone != "" && !models.ValidTimezone(f.Timezone) {
		f.Errors["timezone"] = "Enter an IANA time zone such as Europe/Paris or America/New_York, or leave it empty."
	}
	if f.Admin && !models.ValidTimezone(f.WorkspaceTimezone) {
		f.Errors["workspace_timezone"] = "Enter an IANA time zone such as Europe/Paris or America/New_York."
	}
	if len(f.Errors) > 0 {
		return s.renderBlock(c, http.StatusUnprocessableEntity, tplStaffTimezone, "form", View{Title: "Time zone", Nav: "account", Data: f})
	}
	if err := models.SetStaffTimezone(ctx, s.db, u.ID, f.Timezone); err != nil {
		return err
	}
	if f.Admin {
		if err := models.SetWorkspaceTimezone(ctx, s.db, f.WorkspaceTimezone); err != nil {
			return err
		}
	}
	setFlash(c, "success", "Time zone saved. Times are now shown in it.")
	return redirect(c, "/console/account")
}
