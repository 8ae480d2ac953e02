package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
)

// clientMembersSave saves what the client's members see, from the client's
// console page.
func (s *Server) clientMembersSave(c echo.Context) error {
	client, err := s.clientParam(c)
	if err != nil {
		return err
	}
	see := c.FormValue("members_see")
	if !models.ValidMembersSee(see) {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Choose what members see: all of the company's requests, or only their own.")
	}
	hidden := c.FormValue("members_hours_hidden") == "on"
	if err := models.SetMembersSee(c.Request().Context(), s.db, client.ID, see, hidden); err != nil {
		return err
	}
	setFlash(c, "success", "What members see is saved.")
	return redirect(c, clientPath(client.ID))
}

// clientUserRole makes one of the client's users its company admin or a
// member.
func (s *Server) clientUserRole(c echo.Context) error {
	client, err := s.clientParam(c)
	if err != nil {
		return err
	}
	uid, err := idParam(c, "user")
	if err != nil {
		return err
	}
	role := c.FormValue("role")
	if role != models.CompanyAdmin && role != models.CompanyMember {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Choose Company admin or Member.")
	}
	if err := models.SetCompanyRole(c.Request().Context(), s.db, client.ID, uid, role); err != nil {
		return err
	}
	setFlash(c, "success", "Company role saved.")
	return redirect(c, clientPath(client.ID))
}
