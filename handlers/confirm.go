package handlers

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const tplConfirm templates.Page = "console/confirm"

// ConfirmPage asks before a change that is hard to take back. Each such
// change is a POST; a GET of the same address is its confirmation page, so
// the question works without JavaScript and the buttons on lists are links.
type ConfirmPage struct {
	Title       string // "Archive Acme Corp?"
	Consequence string // what will happen, in plain words
	Undo        string // how to take it back, or that it cannot be
	Action      string // the POST address (this page's own)
	Button      string // "Archive client"
	Cancel      string // where "Keep it" goes
}

func (s *Server) confirm(c echo.Context, p ConfirmPage) error {
	p.Action = c.Request().URL.Path
	return s.render(c, http.StatusOK, tplConfirm, View{Title: p.Title, Nav: "clients", Data: p})
}

func (s *Server) confirmClientArchive(c echo.Context) error {
	client, err := s.clientParam(c)
	if err != nil {
		return err
	}
	users, err := models.ListClientUsers(c.Request().Context(), s.db, client.ID)
	if err != nil {
		return err
	}
	return s.confirm(c, ConfirmPage{Title: "Archive " + client.Name + "?",
		Consequence: fmt.Sprintf("%s will be signed out and can no longer sign in, and its portal links stop working. Its requests, messages and hours are kept.", plural(len(users), "person")),
		Undo:        "You can restore the client from its page at any time; its people can then sign in again.",
		Button:      "Archive client", Cancel: clientPath(client.ID)})
}

func (s *Server) confirmClientUserDisable(c echo.Context) error {
	client, err := s.clientParam(c)
	if err != nil {
		return err
	}
	uid, err := idParam(c, "user")
	if err != nil {
		return err
	}
	u, err := models.GetUser(c.Request().Context(), s.db, uid)
	if err != nil {
		return err
	}
	if u.ClientID == nil || *u.ClientID != client.ID {
		return echo.ErrNotFound
	}
	return s.confirm(c, ConfirmPage{Title: "Disable " + u.Name + "?",
		Consequence: u.Name + " (" + u.Email + ") is signed out at once and can no longer sign in to " + client.Name + "'s portal. Their requests and messages stay.",
		Undo:        "You can enable them again from the client's page.",
		Button:      "Disable user", Cancel: clientPath(client.ID)})
}

func (s *Server) confirmStaffDisable(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	u, err := models.GetUser(c.Request().Context(), s.db, id)
	if err != nil {
		return err
	}
	if !u.IsStaff() {
		return echo.ErrNotFound
	}
	if u.ID == currentUser(c).ID {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "You cannot disable your own account.")
	}
	return s.confirm(c, ConfirmPage{Title: "Disable " + u.Name + "?",
		Consequence: u.Name + " (" + u.Email + ") is signed out at once and can no longer sign in to the console. Requests assigned to them stay assigned.",
		Undo:        "You can enable them again from the staff page.",
		Button:      "Disable staff member", Cancel: "/console/staff"})
}

func (s *Server) confirmLinkRevoke(c echo.Context) error {
	client, err := s.clientParam(c)
	if err != nil {
		return err
	}
	id, err := idParam(c, "link")
	if err != nil {
		return err
	}
	l, err := models.GetPortalLink(c.Request().Context(), s.db, client.ID, id)
	if err != nil {
		return err
	}
	name := l.Label
	if name == "" {
		name = "this link"
	}
	return s.confirm(c, ConfirmPage{Title: "Revoke " + name + "?",
		Consequence: "Anyone who opens it can no longer join " + client.Name + "'s portal. Accounts already made through it keep working.",
		Undo:        "A revoked link cannot be brought back; you can generate a new one.",
		Button:      "Revoke link", Cancel: clientPath(client.ID) + "#links"})
}

func (s *Server) confirmTimeEntryDelete(c echo.Context) error {
	id, entryID, err := entryIDs(c)
	if err != nil {
		return err
	}
	d, err := models.GetRequestForStaff(c.Request().Context(), s.db, id, models.Now())
	if err != nil {
		return err
	}
	me := currentUser(c)
	for _, e := range d.TimeEntries {
		if e.ID != entryID {
			continue
		}
		if e.StaffID != me.ID && !me.IsAdmin() {
			return echo.NewHTTPError(http.StatusForbidden, "Only the person who logged this time, or an admin, can delete it.")
		}
		return s.confirm(c, ConfirmPage{Title: "Delete " + formatMinutes(e.Minutes) + " logged on " + e.WorkDate.Format("2 Jan 2006") + "?",
			Consequence: formatMinutes(e.Minutes) + " on " + d.Ref() + " is removed, and the client's hour bank gets it back.",
			Undo:        "This cannot be undone; you can log the time again.",
			Button:      "Delete time entry", Cancel: models.ConsoleRequestPath(id)})
	}
	return echo.ErrNotFound
}

func (s *Server) confirmCategoryArchive(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	cat, err := models.GetActiveCategory(c.Request().Context(), s.db, id)
	if err != nil {
		return err
	}
	return s.confirm(c, ConfirmPage{Title: "Archive the category " + cat.Name + "?",
		Consequence: "New requests can no longer choose it. Requests that have it keep it.",
		Undo:        "To offer it again, add a category with the same name.",
		Button:      "Archive category", Cancel: "/console/categories"})
}
