package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const tplHoursOverview templates.Page = "console/hours"

// HoursOverviewPage is console → Hours: every client's current period,
// closest to running out first.
type HoursOverviewPage struct {
	Clients   []models.ClientBalance
	Alerts    map[int64][]models.HourAlert // this period's, per client
	Questions []models.OpenQuestion        // open questions on time, oldest first
}

// AlertsOf is a client's alerts of its current period.
func (p HoursOverviewPage) AlertsOf(b models.ClientBalance) []models.HourAlert {
	var out []models.HourAlert
	for _, a := range p.Alerts[b.ClientID] {
		if b.HasBank && a.PeriodStart.Equal(b.Balance.Start) {
			out = append(out, a)
		}
	}
	return out
}

// Overages counts the clients in overage.
func (p HoursOverviewPage) Overages() int {
	n := 0
	for _, c := range p.Clients {
		if c.HasBank && c.Balance.Overage() > 0 {
			n++
		}
	}
	return n
}

func (s *Server) hoursOverview(c echo.Context) error {
	ctx := c.Request().Context()
	now := models.Now()
	bs, err := models.CurrentBalances(ctx, s.db, now)
	if err != nil {
		return err
	}
	// No period is longer than a year: older alerts are of closed periods.
	alerts, err := models.PeriodAlerts(ctx, s.db, now.AddDate(-1, 0, -1))
	if err != nil {
		return err
	}
	qs, err := models.OpenQuestions(ctx, s.db)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, tplHoursOverview, View{Title: "Hours", Nav: "hours",
		Data: HoursOverviewPage{Clients: bs, Alerts: alerts, Questions: qs}})
}
