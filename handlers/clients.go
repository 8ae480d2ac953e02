package handlers

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const (
	tplClients    templates.Page = "console/clients"
	tplClientForm templates.Page = "console/client_form"
	tplClient     templates.Page = "console/client"
)

// ClientList is the client directory.
type ClientList struct {
	Active   []models.Client
	Archived []models.Client
}

func (s *Server) clientList(c echo.Context) error {
	ctx := c.Request().Context()
	active, err := models.ListClients(ctx, s.db)
	if err != nil {
		return err
	}
	archived, err := models.ListArchivedClients(ctx, s.db)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, tplClients, View{Title: "Clients", Nav: "clients",
		Data: ClientList{Active: active, Archived: archived}})
}

// ClientForm creates or edits a client.
type ClientForm struct {
	ID           int64 // 0 for a new client
	Name         string
	Slug         string
	Timezone     string
	ContactEmail string
	MonthlyHours string
	PlanKind     string // the hour plan, which names the included hours' period
	Errors       FieldErrors
}

func (f *ClientForm) bind(c echo.Context) models.ClientInput {
	f.Name = strings.TrimSpace(c.FormValue("name"))
	f.Slug = strings.ToLower(strings.TrimSpace(c.FormValue("slug")))
	f.Timezone = strings.TrimSpace(c.FormValue("timezone"))
	f.ContactEmail = strings.TrimSpace(c.FormValue("contact_email"))
	f.MonthlyHours = strings.TrimSpace(c.FormValue("monthly_hours"))
	f.Errors = FieldErrors{}
	f.Errors.line("name", f.Name, "Name", 100)
	if !models.ValidSlug(f.Slug) {
		f.Errors["slug"] = "Use lower-case letters, digits and single hyphens (at most 40), such as acme-corp."
	}
	if f.Timezone == "" {
		f.Timezone = "UTC"
	}
	if !models.ValidTimezone(f.Timezone) {
		f.Errors["timezone"] = "Enter a time zone name such as Europe/Paris or America/New_York."
	}
	if f.ContactEmail != "" {
		f.Errors.email("contact_email", f.ContactEmail)
	}
	minutes := 0
	if f.MonthlyHours != "" {
		h, err := strconv.ParseFloat(strings.ReplaceAll(f.MonthlyHours, ",", "."), 64)
		if err != nil || h < 0 || h > 10000 || math.IsNaN(h) {
			f.Errors["monthly_hours"] = "Enter a number of hours between 0 and 10000, such as 10 or 7.5."
		} else {
			minutes = int(math.Round(h * 60))
		}
	}
	return models.ClientInput{Name: f.Name, Slug: f.Slug, Timezone: f.Timezone,
		ContactEmail: models.NormalizeEmail(f.ContactEmail), MonthlyIncludedMinutes: minutes}
}

func (s *Server) clientNew(c echo.Context) error {
	return s.render(c, http.StatusOK, tplClientForm, View{Title: "New client", Nav: "clients",
		Data: ClientForm{Timezone: "UTC"}})
}

func (s *Server) clientCreate(c echo.Context) error {
	var f ClientForm
	in := f.bind(c)
	if !f.Errors.Any() {
		client, err := models.CreateClient(c.Request().Context(), s.db, in)
		switch {
		case errors.Is(err, models.ErrSlugTaken):
			f.Errors["slug"] = "Another client uses this slug. Choose another."
		case err != nil:
			return err
		default:
			setFlash(c, "success", "Client "+client.Name+" created. Generate a portal link to invite its people.")
			return redirect(c, "/console/clients/"+strconv.FormatInt(client.ID, 10))
		}
	}
	return s.renderBlock(c, http.StatusUnprocessableEntity, tplClientForm, "form", View{Title: "New client", Nav: "clients", Data: f})
}

func (s *Server) clientEdit(c echo.Context) error {
	client, err := s.clientParam(c)
	if err != nil {
		return err
	}
	f := ClientForm{ID: client.ID, Name: client.Name, Slug: client.Slug, Timezone: client.Timezone,
		ContactEmail: client.ContactEmail, MonthlyHours: strconv.FormatFloat(float64(client.MonthlyIncludedMinutes)/60, 'f', -1, 64)}
	if f.PlanKind, err = s.planKind(c, client.ID); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, tplClientForm, View{Title: "Edit " + client.Name, Nav: "clients", Data: f})
}

func (s *Server) clientUpdate(c echo.Context) error {
	client, err := s.clientParam(c)
	if err != nil {
		return err
	}
	f := ClientForm{ID: client.ID}
	in := f.bind(c)
	if f.PlanKind, err = s.planKind(c, client.ID); err != nil {
		return err
	}
	if !f.Errors.Any() {
		err := models.UpdateClient(c.Request().Context(), s.db, client.ID, in)
		switch {
		case errors.Is(err, models.ErrSlugTaken):
			f.Errors["slug"] = "Another client uses this slug. Choose another."
		case err != nil:
			return err
		default:
			setFlash(c, "success", "Client saved.")
			return redirect(c, clientPath(client.ID))
		}
	}
	return s.renderBlock(c, http.StatusUnprocessableEntity, tplClientForm, "form", View{Title: "Edit " + client.Name, Nav: "clients", Data: f})
}

func (s *Server) clientArchive(c echo.Context) error   { return s.setClientArchived(c, true) }
func (s *Server) clientUnarchive(c echo.Context) error { return s.setClientArchived(c, false) }

func (s *Server) setClientArchived(c echo.Context, archived bool) error {
	client, err := s.clientParam(c)
	if err != nil {
		return err
	}
	if err := models.SetClientArchived(c.Request().Context(), s.db, client.ID, archived); err != nil {
		return err
	}
	if archived {
		setFlash(c, "success", client.Name+" is archived: its people can no longer sign in and its links stop working.")
	} else {
		setFlash(c, "success", client.Name+" is active again.")
	}
	return redirect(c, clientPath(client.ID))
}

// ClientPage is a client's page in the console: details, users and links.
type ClientPage struct {
	Client   *models.Client
	Users    []models.User
	Links    []models.PortalLink
	Now      time.Time
	LinkForm LinkForm
	NewLink  *NewLink // shown once, right after it was generated
	// Adoption is its last 30 days, on the client's own page (adoption.go).
	Adoption *models.ClientAdoption
	// Policy is the SLA policy the client's requests run on (its own, or
	// the default).
	Policy *models.SLAPolicyBundle
	// Invitations by e-mail (invitations.go).
	Invitations InvitationsSection
}

func (s *Server) clientShow(c echo.Context) error {
	client, err := s.clientParam(c)
	if err != nil {
		return err
	}
	page, err := s.clientPage(c, client)
	if err != nil {
		return err
	}
	if page.Adoption, err = models.AdoptionOf(c.Request().Context(), s.db, client.ID, models.Now(), models.DefaultAdoptionDays); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, tplClient, View{Title: client.Name, Nav: "clients", Data: page})
}

func (s *Server) clientPage(c echo.Context, client *models.Client) (*ClientPage, error) {
	ctx := c.Request().Context()
	users, err := models.ListClientUsers(ctx, s.db, client.ID)
	if err != nil {
		return nil, err
	}
	links, err := models.ListPortalLinks(ctx, s.db, client.ID)
	if err != nil {
		return nil, err
	}
	policy, err := models.SLAPolicyOf(ctx, s.db, client)
	if err != nil {
		return nil, err
	}
	invitations, err := s.invitationsSection(ctx, client.ID)
	if err != nil {
		return nil, err
	}
	return &ClientPage{Client: client, Users: users, Links: links, Now: models.Now(), Policy: policy, Invitations: invitations,
		LinkForm: LinkForm{Days: models.DefaultPortalLinkDays, Choices: models.PortalLinkDays}}, nil
}

func (s *Server) clientUserDisable(c echo.Context) error { return s.setClientUserDisabled(c, true) }
func (s *Server) clientUserEnable(c echo.Context) error  { return s.setClientUserDisabled(c, false) }

// setClientUserDisabled acts only on a user of the client in the path.
func (s *Server) setClientUserDisabled(c echo.Context, disabled bool) error {
	client, err := s.clientParam(c)
	if err != nil {
		return err
	}
	uid, err := idParam(c, "user")
	if err != nil {
		return err
	}
	if err := models.SetUserDisabled(c.Request().Context(), s.db, uid, &client.ID, disabled); err != nil {
		return err
	}
	if disabled {
		setFlash(c, "success", "User disabled: they are signed out and cannot sign in.")
	} else {
		setFlash(c, "success", "User enabled.")
	}
	return redirect(c, clientPath(client.ID))
}

// clientParam loads the client named by the :id path parameter.
func (s *Server) clientParam(c echo.Context) (*models.Client, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	return models.GetClient(c.Request().Context(), s.db, id)
}

func clientPath(id int64) string { return "/console/clients/" + strconv.FormatInt(id, 10) }

// signupLabel says how an account was made, for the user lists.
func signupLabel(method string) string {
	switch method {
	case models.SignupLink, "password":
		return "Portal link"
	case models.SignupInvite:
		return "Invitation"
	case models.SignupSetup:
		return "Setup"
	case models.SignupCLI:
		return "Command line"
	case "google":
		return "Google"
	case "microsoft":
		return "Microsoft"
	case "oidc":
		return "Single sign-on"
	}
	return titleCase(method)
}
