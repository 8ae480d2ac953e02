package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const tplQueue templates.Page = "console/queue"

// Queue is the staff landing page: open requests across every client.
type Queue struct {
	Result    models.QueuePage
	Filter    models.QueueFilter
	Assignee  string // the assignee filter as submitted: "", "none", "me" or an id
	Me        *models.User
	Clients   []models.ClientName
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
	case "me":
		f.AssigneeID = currentUser(c).ID
	default:
		f.AssigneeID, _ = strconv.ParseInt(assignee, 10, 64)
	}
	res, err := models.ListQueue(ctx, s.db, f, models.Now())
	if err != nil {
		return err
	}
	clients, err := models.ListClientNames(ctx, s.db)
	if err != nil {
		return err
	}
	staff, err := models.ListActiveStaff(ctx, s.db)
	if err != nil {
		return err
	}
	v := Queue{Result: res, Filter: f, Assignee: assignee, Clients: clients, Staff: staff, Me: currentUser(c),
		Statuses: models.OpenStatuses, Urgencies: urgencyOptions()}
	v.PrevURL, v.NextURL = pageLinks("/console", c.QueryParams(), res.Page)
	return s.renderBlock(c, http.StatusOK, tplQueue, "list", View{Title: "Queue", Nav: "queue", Data: v})
}

// ViewURL is the queue with one of its one-click views: "" (all), "me"
// (my requests) or "none" (unassigned), keeping the sort.
func (q Queue) ViewURL(assignee string) string {
	v := url.Values{}
	if assignee != "" {
		v.Set("assignee", assignee)
	}
	if q.Filter.Sort != "" && q.Filter.Sort != models.SortDue {
		v.Set("sort", q.Filter.Sort)
	}
	if len(v) == 0 {
		return "/console"
	}
	return "/console?" + v.Encode()
}

// SortURL is the queue with its current view and filters sorted by sort.
func (q Queue) SortURL(sort string) string {
	v := url.Values{}
	if q.Assignee != "" {
		v.Set("assignee", q.Assignee)
	}
	if q.Filter.ClientID != 0 {
		v.Set("client", strconv.FormatInt(q.Filter.ClientID, 10))
	}
	for k, val := range map[string]string{"status": q.Filter.Status, "urgency": q.Filter.Urgency, "q": q.Filter.Q} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if q.Filter.Breached {
		v.Set("breached", "1")
	}
	v.Set("sort", sort)
	return "/console?" + v.Encode()
}

// CurrentURL is the queue as shown, where "Assign to me" comes back to.
func (q Queue) CurrentURL() string { return q.SortURL(q.Filter.Sort) }

// assignToMe assigns a request to the signed-in staff member and goes back
// to the page it was asked from (a console page), or the request.
func (s *Server) assignToMe(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	me := currentUser(c)
	if err := models.ChangeRequestAssignee(c.Request().Context(), s.db, id, me, &me.ID); err != nil {
		return err
	}
	back := c.FormValue("back")
	if !strings.HasPrefix(back, "/console") || strings.HasPrefix(back, "//") || strings.ContainsAny(back, "\\\r\n") {
		back = models.ConsoleRequestPath(id)
	}
	setFlash(c, "success", "Assigned to you.")
	return redirect(c, back)
}
