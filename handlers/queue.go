package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const tplQueue templates.Page = "console/queue"

// Queue is the staff landing page: open requests across every client.
type Queue struct {
	Result    models.QueuePage
	Filter    models.QueueFilter
	Assignee  string // the assignee filter as submitted: "", "none" or an id
	Clients   []models.Client
	Staff     []models.User
	Statuses  []string
	Urgencies []UrgencyOption
	PrevURL   string
	NextURL   string
}

// Page is what the shared pager partial reads.
func (q Queue) Page() models.Page[models.RequestRow] { return q.Result.Page }

func (s *Server) queue(c echo.Context) error {
	ctx := c.Request().Context()
	f := models.QueueFilter{RequestFilter: readFilter(c), Breached: c.QueryParam("breached") == "1"}
	f.ClientID, _ = strconv.ParseInt(c.QueryParam("client"), 10, 64)
	assignee := c.QueryParam("assignee")
	switch assignee {
	case "", "none":
		if assignee == "none" {
			f.AssigneeID = models.Unassigned
		}
	default:
		f.AssigneeID, _ = strconv.ParseInt(assignee, 10, 64)
	}
	res, err := models.ListQueue(ctx, s.db, f, models.Now())
	if err != nil {
		return err
	}
	clients, err := models.ListClients(ctx, s.db)
	if err != nil {
		return err
	}
	staff, err := models.ListActiveStaff(ctx, s.db)
	if err != nil {
		return err
	}
	v := Queue{Result: res, Filter: f, Assignee: assignee, Clients: clients, Staff: staff,
		Statuses: models.OpenStatuses, Urgencies: urgencyOptions()}
	v.PrevURL, v.NextURL = pageLinks("/console", c.QueryParams(), res.Page)
	return s.renderBlock(c, http.StatusOK, tplQueue, "list", View{Title: "Queue", Nav: "queue", Data: v})
}
