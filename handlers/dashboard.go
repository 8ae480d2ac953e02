package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const tplDashboard templates.Page = "portal/dashboard"

// Dashboard is the client's home page.
type Dashboard struct {
	ClientName string
	Stats      models.DashboardStats
	Activity   []models.ActivityEvent
}

func (s *Server) dashboard(c echo.Context, sc models.Scope) error {
	ctx := c.Request().Context()
	client, err := sc.Client(ctx)
	if err != nil {
		return err
	}
	stats, err := sc.Dashboard(ctx, models.Now())
	if err != nil {
		return err
	}
	activity, err := sc.RecentActivity(ctx, 10)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, tplDashboard, View{Title: "Dashboard", Nav: "dashboard",
		Data: Dashboard{ClientName: client.Name, Stats: stats, Activity: activity}})
}
