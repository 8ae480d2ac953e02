package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
)

func (a *API) webhookRoutes(g *echo.Group) {
	admin := need(models.ScopeWebhooksAdmin)
	g.GET("/webhooks", a.listWebhooks, admin)
	g.POST("/webhooks", a.createWebhook, admin)
	g.GET("/webhooks/:id", a.getWebhook, admin)
	g.PATCH("/webhooks/:id", a.changeWebhook, admin)
	g.DELETE("/webhooks/:id", a.deleteWebhook, admin)
	g.POST("/webhooks/:id/rotate-secret", a.rotateWebhook, admin)
	g.POST("/webhooks/:id/test", a.testWebhook, admin)
	g.GET("/webhooks/:id/deliveries", a.listDeliveries, admin)
	g.POST("/webhooks/:id/deliveries/:delivery/resend", a.resendDelivery, admin)
}

// webhookJSON is an endpoint; Secret only in the answers that make one.
type webhookJSON struct {
	ID              int64      `json:"id"`
	URL             string     `json:"url"`
	Events          []string   `json:"events"`
	ClientID        *int64     `json:"client_id"`
	IncludeInternal bool       `json:"include_internal"`
	Enabled         bool       `json:"enabled"`
	DisabledAt      *time.Time `json:"disabled_at"`
	DisabledReason  string     `json:"disabled_reason,omitempty"`
	Secret          string     `json:"secret,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

func webhookOut(e *models.WebhookEndpoint, withSecret bool) webhookJSON {
	out := webhookJSON{ID: e.ID, URL: e.URL, Events: e.EventList(), ClientID: e.ClientID, IncludeInternal: e.IncludeInternal,
		Enabled: e.DisabledAt == nil, DisabledAt: e.DisabledAt, DisabledReason: e.DisabledReason,
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
	if withSecret {
		out.Secret = e.Secret
	}
	return out
}

// webhookBody registers or changes an endpoint.
type webhookBody struct {
	URL             string   `json:"url"`
	Events          []string `json:"events"`
	ClientID        *int64   `json:"client_id"`
	IncludeInternal bool     `json:"include_internal"`
	Enabled         *bool    `json:"enabled"` // PATCH: true re-enables a disabled endpoint
}

func webhookProblem(err error) error {
	var fe models.WebhookFieldError
	if errors.As(err, &fe) {
		return invalidField(fe.Field, fe.Detail)
	}
	return err
}

func (a *API) listWebhooks(c echo.Context) error {
	limit, after, err := page(c)
	if err != nil {
		return err
	}
	es, err := models.ListWebhookEndpoints(c.Request().Context(), a.db, after, limit+1)
	if err != nil {
		return err
	}
	out := make([]webhookJSON, len(es))
	for i := range es {
		out[i] = webhookOut(&es[i], false)
	}
	return answerList(c, out, limit, func(x webhookJSON) int64 { return x.ID })
}

func (a *API) createWebhook(c echo.Context) error {
	var b webhookBody
	if err := bind(c, &b); err != nil {
		return err
	}
	e, err := models.CreateWebhookEndpoint(c.Request().Context(), a.db, actor(c),
		models.WebhookInput{URL: b.URL, Events: b.Events, ClientID: b.ClientID, IncludeInternal: b.IncludeInternal}, a.opts.AllowPrivate)
	if err != nil {
		return webhookProblem(err)
	}
	c.Response().Header().Set("Location", a.link("/webhooks/"+itoa(e.ID)))
	return c.JSON(http.StatusCreated, webhookOut(e, true))
}

func (a *API) getWebhook(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	e, err := models.GetWebhookEndpoint(c.Request().Context(), a.db, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, webhookOut(e, false))
}

// changeWebhook replaces url, events, client_id and include_internal.
func (a *API) changeWebhook(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var b webhookBody
	if err := bind(c, &b); err != nil {
		return err
	}
	e, err := models.UpdateWebhookEndpoint(c.Request().Context(), a.db, id,
		models.WebhookInput{URL: b.URL, Events: b.Events, ClientID: b.ClientID, IncludeInternal: b.IncludeInternal},
		b.Enabled != nil && *b.Enabled, a.opts.AllowPrivate)
	if err != nil {
		return webhookProblem(err)
	}
	return c.JSON(http.StatusOK, webhookOut(e, false))
}

func (a *API) deleteWebhook(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := models.DeleteWebhookEndpoint(c.Request().Context(), a.db, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// rotateWebhook answers with the new secret; the old one signs too for 24 h.
func (a *API) rotateWebhook(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	e, err := models.RotateWebhookSecret(c.Request().Context(), a.db, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, webhookOut(e, true))
}

// deliveryJSON is one delivery with its attempts (the delivery log).
type deliveryJSON struct {
	ID            int64         `json:"id"`
	WebhookID     string        `json:"webhook_id"`
	EventType     string        `json:"event_type"`
	Status        string        `json:"status"`
	Attempts      int           `json:"attempts"`
	NextAttemptAt *time.Time    `json:"next_attempt_at"`
	Payload       string        `json:"payload"`
	CreatedAt     time.Time     `json:"created_at"`
	Log           []attemptJSON `json:"log"`
}

type attemptJSON struct {
	Attempt         int       `json:"attempt"`
	At              time.Time `json:"at"`
	RequestHeaders  string    `json:"request_headers"`
	ResponseStatus  int       `json:"response_status"`
	ResponseHeaders string    `json:"response_headers"`
	ResponseBody    string    `json:"response_body"`
	Error           string    `json:"error,omitempty"`
	DurationMS      int       `json:"duration_ms"`
}

func deliveryOut(d *models.WebhookDeliveryLog) deliveryJSON {
	out := deliveryJSON{ID: d.ID, WebhookID: d.MsgID, EventType: d.EventType, Status: d.Status, Attempts: d.WebhookDelivery.Attempts,
		Payload: d.Payload, CreatedAt: d.CreatedAt, Log: []attemptJSON{}}
	if d.Status == models.DeliveryPending {
		at := d.NextAttemptAt
		out.NextAttemptAt = &at
	}
	for _, x := range d.Attempts {
		out.Log = append(out.Log, attemptJSON{Attempt: x.Attempt, At: x.CreatedAt, RequestHeaders: x.RequestHeaders,
			ResponseStatus: x.ResponseStatus, ResponseHeaders: x.ResponseHeaders, ResponseBody: x.ResponseBody,
			Error: x.Error, DurationMS: x.DurationMS})
	}
	return out
}

// listDeliveries is the delivery log, newest first (the cursor walks down).
func (a *API) listDeliveries(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	limit, before, err := page(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := models.GetWebhookEndpoint(ctx, a.db, id); err != nil {
		return err
	}
	ds, err := models.ListWebhookDeliveries(ctx, a.db, id, before, limit+1)
	if err != nil {
		return err
	}
	out := make([]deliveryJSON, len(ds))
	for i := range ds {
		out[i] = deliveryOut(&ds[i])
	}
	return answerList(c, out, limit, func(x deliveryJSON) int64 { return x.ID })
}

// testWebhook queues a webhook.test event; it leaves within a second.
func (a *API) testWebhook(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	d, err := models.SendTestWebhook(c.Request().Context(), a.db, id, models.Now())
	if errors.Is(err, models.ErrWebhookDisabled) {
		return problem(http.StatusConflict, probConflict, "Endpoint disabled", "Enable the endpoint first (PATCH with enabled: true).")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, deliveryOut(&models.WebhookDeliveryLog{WebhookDelivery: *d}))
}

// resendDelivery queues a new attempt: the same webhook-id, a fresh signature.
func (a *API) resendDelivery(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	did, err := pathID(c, "delivery")
	if err != nil {
		return err
	}
	if err := models.ResendWebhookDelivery(c.Request().Context(), a.db, id, did, models.Now()); err != nil {
		return err
	}
	return c.NoContent(http.StatusAccepted)
}
