package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

// Console → Clients → Adoption: how much each client uses the portal, a
// client's people, and the list as CSV. Staff only (the console group);
// every number comes from models' adoption counters.

const (
	tplAdoption       templates.Page = "console/adoption"
	tplAdoptionClient templates.Page = "console/adoption_client"
)

// AdoptionPage is the list of clients, least adopted first.
type AdoptionPage struct {
	Days    int
	Periods []PeriodLink
	Clients []models.ClientAdoption
}

// AdoptionClientPage is one client's adoption with its people.
type AdoptionClientPage struct {
	Days     int
	Periods  []PeriodLink
	Client   *models.Client
	Adoption *models.ClientAdoption
	People   []models.PersonAdoption
	Now      time.Time
}

// Since says how long ago t was, from the page's clock (models.Now, so a
// test clock moves it too).
func (p AdoptionClientPage) Since(t time.Time) string { return sinceText(p.Now.Sub(t)) }

// PeriodLink is one choice of period on an adoption page.
type PeriodLink struct {
	Days    int
	URL     string
	Current bool
}

// periodLinks are the period choices of the page at path, days chosen.
func periodLinks(path string, days int) []PeriodLink {
	out := make([]PeriodLink, 0, len(models.AdoptionPeriods))
	for _, n := range models.AdoptionPeriods {
		out = append(out, PeriodLink{Days: n, URL: path + "?days=" + strconv.Itoa(n), Current: n == days})
	}
	return out
}

func (s *Server) adoptionRoutes(console *echo.Group) {
	console.GET("/clients/adoption", s.adoptionList)
	console.GET("/clients/adoption.csv", s.adoptionCSV)
	console.GET("/clients/:id/adoption", s.adoptionClient)
}

// adoptionDays reads ?days=, one of models.AdoptionPeriods (none: the default).
func adoptionDays(c echo.Context) (int, error) {
	v := c.QueryParam("days")
	if v == "" {
		return models.DefaultAdoptionDays, nil
	}
	days, err := strconv.Atoi(v)
	if err != nil || !models.ValidAdoptionDays(days) {
		return 0, echo.NewHTTPError(http.StatusBadRequest, "Choose a period of 30, 90 or 365 days.")
	}
	return days, nil
}

func (s *Server) adoptionList(c echo.Context) error {
	days, err := adoptionDays(c)
	if err != nil {
		return err
	}
	rows, err := models.ListAdoption(c.Request().Context(), s.db, models.Now(), days)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, tplAdoption, View{Title: "Adoption", Nav: "clients",
		Data: AdoptionPage{Days: days, Periods: periodLinks("/console/clients/adoption", days), Clients: rows}})
}

func (s *Server) adoptionClient(c echo.Context) error {
	days, err := adoptionDays(c)
	if err != nil {
		return err
	}
	client, err := s.clientParam(c)
	if err != nil {
		return err
	}
	ctx, now := c.Request().Context(), models.Now()
	a, err := models.AdoptionOf(ctx, s.db, client.ID, now, days)
	if err != nil {
		return err
	}
	people, err := models.AdoptionPeople(ctx, s.db, client.ID, now, days)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, tplAdoptionClient, View{Title: client.Name + " · Adoption", Nav: "clients",
		Data: AdoptionClientPage{Days: days, Periods: periodLinks(adoptionPath(client.ID), days), Client: client, Adoption: a, People: people, Now: now}})
}

// adoptionPath is a client's adoption drill-down.
func adoptionPath(clientID int64) string {
	return "/console/clients/" + strconv.FormatInt(clientID, 10) + "/adoption"
}

// adoptionCSV is the list as a spreadsheet, in the page's order.
func (s *Server) adoptionCSV(c echo.Context) error {
	days, err := adoptionDays(c)
	if err != nil {
		return err
	}
	now := models.Now()
	rows, err := models.ListAdoption(c.Request().Context(), s.db, now, days)
	if err != nil {
		return err
	}
	out := [][]string{{"Client", "Invited", "Joined", "Never signed in", "Active people", "Active %", "Sign-ins",
		"Requests in the portal", "Requests by staff", "Requests by e-mail", "Messages in the portal", "Messages by e-mail",
		"From", "To"}}
	from, to := models.AdoptionFirstDay(now, days), now.UTC().Format(time.DateOnly)
	for _, r := range rows {
		pct := ""
		if p := r.ActivePercent(); p >= 0 {
			pct = strconv.Itoa(p)
		}
		out = append(out, []string{r.ClientName, strconv.Itoa(r.Invited), strconv.Itoa(r.Joined), strconv.Itoa(r.NeverSignedIn), strconv.Itoa(r.Active), pct,
			strconv.Itoa(r.Signins), strconv.Itoa(r.RequestsPortal), strconv.Itoa(r.RequestsStaff), strconv.Itoa(r.RequestsEmail),
			strconv.Itoa(r.MessagesPortal), strconv.Itoa(r.MessagesEmail), from, to})
	}
	return writeCSV(c, "adoption-"+strconv.Itoa(days)+"-days-"+to+".csv", out)
}

// sinceText is an age in words: "just now", "5 minutes ago", "3 days ago",
// "4 months ago".
func sinceText(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < day:
		return plural(int(d/time.Hour), "hour") + " ago"
	case d < 60*day:
		return plural(int(d/day), "day") + " ago"
	}
	return plural(int(d/(30*day)), "month") + " ago"
}
