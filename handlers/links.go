package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
)

// LinkForm generates a portal link.
type LinkForm struct {
	Label   string
	Days    int
	Choices []int
	Errors  FieldErrors
}

// NewLink is a just-generated link: its URL and embed snippet are shown once.
type NewLink struct {
	Label string
	URL   string
	Embed string
}

func (s *Server) linkCreate(c echo.Context) error {
	client, err := s.clientParam(c)
	if err != nil {
		return err
	}
	page, err := s.clientPage(c, client)
	if err != nil {
		return err
	}
	f := &page.LinkForm
	f.Label = strings.TrimSpace(c.FormValue("label"))
	f.Errors = FieldErrors{}
	if len([]rune(f.Label)) > 100 {
		f.Errors["label"] = "Label is too long (at most 100 characters)."
	}
	f.Errors.singleLine("label", f.Label, "Label")
	days, err := strconv.Atoi(c.FormValue("days"))
	if err != nil || !models.ValidPortalLinkDays(days) {
		f.Errors["days"] = "Choose 7, 30, 90 or 365 days."
	} else {
		f.Days = days
	}
	if client.ArchivedAt != nil {
		f.Errors["label"] = "This client is archived. Restore it before inviting people."
	}
	if f.Errors.Any() {
		return s.renderBlock(c, http.StatusUnprocessableEntity, tplClient, "links", View{Title: client.Name, Nav: "clients", Data: page})
	}
	me := currentUser(c)
	_, token, err := models.CreatePortalLink(c.Request().Context(), s.db, client.ID, &me.ID, f.Label, f.Days)
	if err != nil {
		return err
	}
	url := s.absURL("/join/" + token)
	page.NewLink = &NewLink{Label: f.Label, URL: url, Embed: embedSnippet(url, client.Name)}
	page.LinkForm = LinkForm{Days: models.DefaultPortalLinkDays, Choices: models.PortalLinkDays}
	if page.Links, err = models.ListPortalLinks(c.Request().Context(), s.db, client.ID); err != nil {
		return err
	}
	// The URL exists only in this response: it is rendered, never redirected
	// to or stored, so the page is not cached either (render sets no-store).
	return s.renderBlock(c, http.StatusOK, tplClient, "links", View{Title: client.Name, Nav: "clients", Data: page})
}

func (s *Server) linkRevoke(c echo.Context) error {
	client, err := s.clientParam(c)
	if err != nil {
		return err
	}
	id, err := idParam(c, "link")
	if err != nil {
		return err
	}
	if err := models.RevokePortalLink(c.Request().Context(), s.db, client.ID, id); err != nil {
		return err
	}
	setFlash(c, "success", "Link revoked. Accounts made through it keep working.")
	return redirect(c, clientPath(client.ID)+"#links")
}

// embedSnippet is the HTML an MSP pastes into its own site; the template
// escapes it for display, so it is shown as text and never rendered.
func embedSnippet(url, clientName string) string {
	title := strings.NewReplacer(`"`, "", "<", "", ">", "", "&", "and").Replace(clientName) + " portal"
	return `<iframe src="` + url + `" title="` + title + `" width="100%" height="720" style="border:0" loading="lazy"></iframe>`
}

// linksRedirect answers a reload (GET) of the address a new link was shown
// at without JavaScript: the link itself is gone for good, the list is on
// the client's page.
func (s *Server) linksRedirect(c echo.Context) error {
	client, err := s.clientParam(c)
	if err != nil {
		return err
	}
	setFlash(c, "info", "A new link is shown only once. Generate another if it was not copied.")
	return c.Redirect(http.StatusSeeOther, clientPath(client.ID)+"#links")
}
