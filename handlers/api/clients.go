package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
)

// routes is the API's route table, each with the scope it needs.
func (a *API) routes(g *echo.Group) {
	g.GET("/clients", a.listClients, need(models.ScopeClientsRead))
	g.GET("/clients/:id", a.getClient, need(models.ScopeClientsRead))
	g.GET("/clients/:id/users", a.listClientUsers, need(models.ScopeClientsRead))
	g.GET("/clients/:id/hour-bank", a.getHourBank, need(models.ScopeTimeRead))
	g.GET("/categories", a.listCategories, need(models.ScopeRequestsRead))

	g.GET("/requests", a.listRequests, need(models.ScopeRequestsRead))
	g.POST("/requests", a.createRequest, need(models.ScopeRequestsWrite))
	g.GET("/requests/:id", a.getRequest, need(models.ScopeRequestsRead))
	g.PATCH("/requests/:id", a.changeRequest, need(models.ScopeRequestsWrite))
	g.GET("/requests/:id/sla", a.getSLA, need(models.ScopeRequestsRead))
	g.GET("/requests/:id/messages", a.listMessages, need(models.ScopeRequestsRead))
	g.POST("/requests/:id/messages", a.postMessage, need(models.ScopeMessagesWrite))
	g.GET("/requests/:id/time-entries", a.listTimeEntries, need(models.ScopeTimeRead))
	g.POST("/requests/:id/time-entries", a.createTimeEntry, need(models.ScopeTimeWrite))
	g.PATCH("/requests/:id/time-entries/:entry", a.changeTimeEntry, need(models.ScopeTimeWrite))
	g.DELETE("/requests/:id/time-entries/:entry", a.voidTimeEntry, need(models.ScopeTimeWrite))

	a.webhookRoutes(g)
}

// clientJSON is a client as the API shows it.
type clientJSON struct {
	ID            int64      `json:"id"`
	Name          string     `json:"name"`
	Slug          string     `json:"slug"`
	RequestPrefix string     `json:"request_prefix"`
	Timezone      string     `json:"timezone"`
	ArchivedAt    *time.Time `json:"archived_at"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	Links         links      `json:"links"`
}

// links are the API URLs of a resource and its parts.
type links map[string]string

func (a *API) clientOut(c *models.Client) clientJSON {
	id := itoa(c.ID)
	return clientJSON{ID: c.ID, Name: c.Name, Slug: c.Slug, RequestPrefix: c.RequestPrefix, Timezone: c.Timezone,
		ArchivedAt: c.ArchivedAt, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		Links: links{"self": a.link("/clients/" + id), "users": a.link("/clients/" + id + "/users"),
			"hour_bank": a.link("/clients/" + id + "/hour-bank"), "requests": a.link("/requests?client_id=" + id)}}
}

func (a *API) listClients(c echo.Context) error {
	limit, after, err := page(c)
	if err != nil {
		return err
	}
	var cs []models.Client
	if err := a.db.NewSelect().Model(&cs).Where("id > ?", after).Order("id").Limit(limit + 1).
		Scan(c.Request().Context()); err != nil {
		return err
	}
	out := make([]clientJSON, len(cs))
	for i := range cs {
		out[i] = a.clientOut(&cs[i])
	}
	return answerList(c, out, limit, func(x clientJSON) int64 { return x.ID })
}

func (a *API) getClient(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cl, err := models.GetClient(c.Request().Context(), a.db, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.clientOut(cl))
}

// userJSON is a client's user.
type userJSON struct {
	ID         int64      `json:"id"`
	ClientID   int64      `json:"client_id"`
	Name       string     `json:"name"`
	Email      string     `json:"email"`
	DisabledAt *time.Time `json:"disabled_at"`
	CreatedAt  time.Time  `json:"created_at"`
}

func (a *API) listClientUsers(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	limit, after, err := page(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := models.GetClient(ctx, a.db, id); err != nil {
		return err
	}
	var us []models.User
	if err := a.db.NewSelect().Model(&us).Where("client_id = ?", id).Where("role = ?", models.RoleClient).
		Where("id > ?", after).Order("id").Limit(limit + 1).Scan(ctx); err != nil {
		return err
	}
	out := make([]userJSON, len(us))
	for i, u := range us {
		out[i] = userJSON{ID: u.ID, ClientID: id, Name: u.Name, Email: u.Email, DisabledAt: u.DisabledAt, CreatedAt: u.CreatedAt}
	}
	return answerList(c, out, limit, func(x userJSON) int64 { return x.ID })
}

// hourBankJSON is the balance of the current period of a client's hour bank.
type hourBankJSON struct {
	ClientID         int64     `json:"client_id"`
	HasBank          bool      `json:"has_bank"`
	PeriodStart      time.Time `json:"period_start"`
	PeriodEnd        time.Time `json:"period_end"` // exclusive
	PurchasedMinutes int       `json:"purchased_minutes"`
	UsedMinutes      int       `json:"used_minutes"`
	RemainingMinutes int       `json:"remaining_minutes"` // negative on overage
	NotChargedMins   int       `json:"not_charged_minutes"`
}

func (a *API) hourBank(c echo.Context, clientID int64) (hourBankJSON, error) {
	o, ok, err := models.ClientHours(c.Request().Context(), a.db, clientID, models.Now(), time.Time{}, true)
	if err != nil {
		return hourBankJSON{}, err
	}
	return hourBankJSON{ClientID: clientID, HasBank: ok, PeriodStart: o.Period.StartsOn, PeriodEnd: o.Period.EndsOn,
		PurchasedMinutes: o.Bank.PurchasedMinutes, UsedMinutes: o.Bank.UsedMinutes,
		RemainingMinutes: o.Bank.RemainingMinutes(), NotChargedMins: o.NotCharged}, nil
}

func (a *API) getHourBank(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	b, err := a.hourBank(c, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}

// categoryJSON is a request category.
type categoryJSON struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Position int    `json:"position"`
}

func (a *API) listCategories(c echo.Context) error {
	cs, err := models.ListCategories(c.Request().Context(), a.db)
	if err != nil {
		return err
	}
	out := make([]categoryJSON, len(cs))
	for i, x := range cs {
		out[i] = categoryJSON{ID: x.ID, Name: x.Name, Position: x.Position}
	}
	return c.JSON(http.StatusOK, list[categoryJSON]{Data: out})
}
