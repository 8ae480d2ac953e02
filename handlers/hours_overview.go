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
	Clients []models.ClientBalance
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
	bs, err := models.CurrentBalances(c.Request().Context(), s.db, models.Now())
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, tplHoursOverview, View{Title: "Hours", Nav: "hours",
		Data: HoursOverviewPage{Clients: bs}})
}
