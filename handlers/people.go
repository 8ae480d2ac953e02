package handlers

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

// tplPeople is a company admin's People page in the portal.
const tplPeople templates.Page = "portal/people"

// PeoplePage is what the People page shows: the company's people and its
// invitations, and the invite form as last submitted.
type PeoplePage struct {
	Me          int64
	People      []models.User
	Invitations []models.Invitation
	Addresses   string
	Error       string
	Problems    []models.AddressProblem
	Notice      string
	Max         int
}

// peopleRoutes registers the People page: company admins only (a member,
// like anyone asking for a page that does not exist, gets 404).
func (s *Server) peopleRoutes(e *echo.Echo, app []echo.MiddlewareFunc) {
	e.GET("/people", s.asClient(s.people), app...)
	e.POST("/people/invite", s.asClient(s.peopleInvite), app...)
	e.POST("/people/:user/disable", s.asClient(s.peopleDisable), app...)
	e.POST("/people/:user/enable", s.asClient(s.peopleEnable), app...)
	e.POST("/people/:user/role", s.asClient(s.peopleRole), app...)
	e.POST("/people/:user/summary", s.asClient(s.peopleSummary), app...)
}

func (s *Server) people(c echo.Context, sc models.Scope) error {
	page, err := s.peoplePage(c, sc)
	if err != nil {
		return err
	}
	return s.renderPeople(c, http.StatusOK, page)
}

func (s *Server) peoplePage(c echo.Context, sc models.Scope) (*PeoplePage, error) {
	ctx := c.Request().Context()
	people, err := sc.People(ctx)
	if err != nil {
		return nil, err
	}
	invitations, err := sc.PendingInvitations(ctx)
	if err != nil {
		return nil, err
	}
	return &PeoplePage{Me: sc.UserID(), People: people, Invitations: invitations, Max: models.MaxInvitesAtOnce}, nil
}

func (s *Server) renderPeople(c echo.Context, status int, page *PeoplePage) error {
	return s.render(c, status, tplPeople, View{Title: "People", Nav: "people", Data: page})
}

// peopleInvite invites colleagues by e-mail, all or none, with the
// invitation machinery staff use; they join as members.
func (s *Server) peopleInvite(c echo.Context, sc models.Scope) error {
	page, err := s.peoplePage(c, sc)
	if err != nil {
		return err
	}
	page.Addresses = c.FormValue("addresses")
	addrs, problems := models.ParseInviteAddresses(page.Addresses)
	switch {
	case len(problems) > 0:
		page.Problems = problems
	case len(addrs) == 0:
		page.Error = "Enter at least one e-mail address."
	case len(addrs) > models.MaxInvitesAtOnce:
		page.Error = fmt.Sprintf("That is %d addresses; invite at most %d at a time.", len(addrs), models.MaxInvitesAtOnce)
	}
	if page.Error != "" || len(page.Problems) > 0 {
		return s.renderPeople(c, http.StatusUnprocessableEntity, page)
	}
	made, err := sc.InviteColleagues(c.Request().Context(), addrs)
	var refusal *models.InviteRefusal
	if errors.As(err, &refusal) {
		page.Problems = refusal.Problems
		return s.renderPeople(c, http.StatusUnprocessableEntity, page)
	}
	if err != nil {
		return err
	}
	client, err := sc.Client(c.Request().Context())
	if err != nil {
		return err
	}
	if err := s.mailInvitations(c, client, made); err != nil {
		return err
	}
	setFlash(c, "success", s.invitationsSent(made))
	return redirect(c, "/people")
}

func (s *Server) peopleDisable(c echo.Context, sc models.Scope) error {
	return s.peopleAct(c, sc, "User disabled: they are signed out and cannot sign in.", func(id int64) error {
		return sc.SetColleagueDisabled(c.Request().Context(), id, true)
	})
}

func (s *Server) peopleEnable(c echo.Context, sc models.Scope) error {
	return s.peopleAct(c, sc, "User enabled.", func(id int64) error {
		return sc.SetColleagueDisabled(c.Request().Context(), id, false)
	})
}

func (s *Server) peopleRole(c echo.Context, sc models.Scope) error {
	role := c.FormValue("role")
	return s.peopleAct(c, sc, "Role changed.", func(id int64) error {
		return sc.SetColleagueRole(c.Request().Context(), id, role)
	})
}

func (s *Server) peopleSummary(c echo.Context, sc models.Scope) error {
	on := c.FormValue("summary") == "on"
	return s.peopleAct(c, sc, "Monthly summary list changed.", func(id int64) error {
		return sc.SetSummaryRecipient(c.Request().Context(), id, on)
	})
}

// peopleAct runs one change to the colleague in the path and returns to
// the page; the admin's own account is refused with a message (422), a
// colleague of another company is not found (404).
func (s *Server) peopleAct(c echo.Context, sc models.Scope, done string, act func(id int64) error) error {
	if !sc.IsCompanyAdmin() {
		return echo.ErrNotFound
	}
	id, err := idParam(c, "user")
	if err != nil {
		return err
	}
	switch err := act(id); {
	case errors.Is(err, models.ErrOwnAccount):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "You cannot disable your own account or step down yourself; ask another company admin or your provider.")
	case errors.Is(err, models.ErrInvalidRole):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Choose Company admin or Member.")
	case err != nil:
		return err
	}
	setFlash(c, "success", done)
	return redirect(c, "/people")
}
