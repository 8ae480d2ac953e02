package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const tplQueue templates.Page = "console/queue"

// Queue is the staff landing page: open requests across every client.
type Queue struct {
	Requests []models.Request
}

func (s *Server) queue(c echo.Context) error {
	rs, err := models.ListQueue(c.Request().Context(), s.db, 100)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, tplQueue, View{Title: "Queue", Nav: "queue", Data: Queue{Requests: rs}})
}
