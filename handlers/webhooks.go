package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const (
	tplWebhooks templates.Page = "console/webhooks"
	tplWebhook  templates.Page = "console/webhook"
)

// webhookRoutes adds the admins' pages for webhook endpoints. Every rule
// (what a URL may be, which events exist, how a secret rotates, what a
// resend is) lives in models, shared with /api/v1/webhooks.
func (s *Server) webhookRoutes(console *echo.Group) {
	admin := s.requireAdmin
	console.GET("/webhooks", s.webhooks, admin)
	console.POST("/webhooks", s.webhookCreate, admin)
	console.GET("/webhooks/:id", s.webhook, admin)
	console.POST("/webhooks/:id", s.webhookUpdate, admin)
	console.POST("/webhooks/:id/disable", s.webhookDisable, admin)
	console.POST("/webhooks/:id/enable", s.webhookEnable, admin)
	console.POST("/webhooks/:id/rotate", s.webhookRotate, admin)
	console.POST("/webhooks/:id/test", s.webhookTest, admin)
	console.GET("/webhooks/:id/delete", s.confirmWebhookDelete, admin)
	console.POST("/webhooks/:id/delete", s.webhookDelete, admin)
	console.POST("/webhooks/:id/deliveries/:delivery/resend", s.webhookResend, admin)
}

// webhookLogSize is how many deliveries an endpoint's page shows.
const webhookLogSize = 50

// WebhookForm is an endpoint's URL, event types and include_internal.
type WebhookForm struct {
	URL             string
	Events          []string
	IncludeInternal bool
	Errors          FieldErrors
	Action, Button  string // where the form posts, and its button's words
}

// Types are the event types the form offers.
func (WebhookForm) Types() []string { return models.HookTypes }

// Chose reports whether the form has event type t ticked.
func (f WebhookForm) Chose(t string) bool {
	for _, e := range f.Events {
		if e == t {
			return true
		}
	}
	return false
}

// WebhooksPage lists the endpoints with the form for a new one.
type WebhooksPage struct {
	Endpoints []models.WebhookEndpoint
	Form      WebhookForm
	Created   *models.WebhookEndpoint // just registered: its secret is shown on this answer only
}

// WebhookPage is one endpoint: its settings, actions and delivery log.
type WebhookPage struct {
	Endpoint  *models.WebhookEndpoint
	Form      WebhookForm
	NewSecret string // just rotated: shown on this answer only
	Log       []models.WebhookDeliveryLog
}

func webhookForm(c echo.Context) WebhookForm {
	form, _ := c.FormParams()
	return WebhookForm{URL: strings.TrimSpace(c.FormValue("url")), Events: form["events"],
		IncludeInternal: c.FormValue("include_internal") == "1", Errors: FieldErrors{}}
}

// fieldError puts a model's refusal next to its field; other errors go on.
func (f *WebhookForm) fieldError(err error) error {
	var fe models.WebhookFieldError
	if !errors.As(err, &fe) {
		return err
	}
	field := fe.Field
	if field != "url" && field != "events" {
		field = "url" // client_id: not on this form, so it cannot be wrong here
	}
	f.Errors[field] = fe.Detail
	return nil
}

func (s *Server) webhooksPage(c echo.Context, p *WebhooksPage, status int) error {
	var err error
	if p.Endpoints, err = models.ListWebhookEndpoints(c.Request().Context(), s.db, 0, 500); err != nil {
		return err
	}
	if p.Form.Errors == nil {
		p.Form.Errors = FieldErrors{}
	}
	p.Form.Action, p.Form.Button = "/console/webhooks", "Register endpoint"
	if p.Created != nil {
		c.Response().Header().Set("Cache-Control", "no-store")
	}
	return s.render(c, status, tplWebhooks, View{Title: "Webhooks", Nav: "settings", Data: *p})
}

func (s *Server) webhooks(c echo.Context) error {
	return s.webhooksPage(c, &WebhooksPage{}, http.StatusOK)
}

// webhookCreate registers an endpoint and shows its secret once, in this
// answer (a redirect would have to carry the secret somewhere).
func (s *Server) webhookCreate(c echo.Context) error {
	f := webhookForm(c)
	e, err := models.CreateWebhookEndpoint(c.Request().Context(), s.db, currentUser(c),
		models.WebhookInput{URL: f.URL, Events: f.Events, IncludeInternal: f.IncludeInternal}, s.cfg.API.WebhookAllowPrivate)
	if err != nil {
		if err := f.fieldError(err); err != nil {
			return err
		}
		return s.webhooksPage(c, &WebhooksPage{Form: f}, http.StatusUnprocessableEntity)
	}
	return s.webhooksPage(c, &WebhooksPage{Created: e}, http.StatusCreated)
}

// webhookParam loads the endpoint named by :id (404 when there is none).
func (s *Server) webhookParam(c echo.Context) (*models.WebhookEndpoint, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	return models.GetWebhookEndpoint(c.Request().Context(), s.db, id)
}

func webhookPath(id int64) string { return "/console/webhooks/" + strconv.FormatInt(id, 10) }

func (s *Server) webhookPage(c echo.Context, p *WebhookPage, status int) error {
	var err error
	if p.Log, err = models.ListWebhookDeliveries(c.Request().Context(), s.db, p.Endpoint.ID, 0, webhookLogSize); err != nil {
		return err
	}
	if p.Form.Errors == nil {
		p.Form = WebhookForm{URL: p.Endpoint.URL, Events: p.Endpoint.EventList(), IncludeInternal: p.Endpoint.IncludeInternal,
			Errors: FieldErrors{}}
	}
	p.Form.Action, p.Form.Button = webhookPath(p.Endpoint.ID), "Save changes"
	if p.NewSecret != "" {
		c.Response().Header().Set("Cache-Control", "no-store")
	}
	return s.render(c, status, tplWebhook, View{Title: "Webhook " + p.Endpoint.URL, Nav: "settings", Data: *p})
}

func (s *Server) webhook(c echo.Context) error {
	e, err := s.webhookParam(c)
	if err != nil {
		return err
	}
	return s.webhookPage(c, &WebhookPage{Endpoint: e}, http.StatusOK)
}

// webhookUpdate changes the URL, event types and include_internal; the
// client filter (set through the API) and the enabled state are kept.
func (s *Server) webhookUpdate(c echo.Context) error {
	e, err := s.webhookParam(c)
	if err != nil {
		return err
	}
	f := webhookForm(c)
	_, err = models.UpdateWebhookEndpoint(c.Request().Context(), s.db, e.ID,
		models.WebhookInput{URL: f.URL, Events: f.Events, ClientID: e.ClientID, IncludeInternal: f.IncludeInternal},
		false, s.cfg.API.WebhookAllowPrivate)
	if err != nil {
		if err := f.fieldError(err); err != nil {
			return err
		}
		return s.webhookPage(c, &WebhookPage{Endpoint: e, Form: f}, http.StatusUnprocessableEntity)
	}
	setFlash(c, "success", "Webhook saved.")
	return redirect(c, webhookPath(e.ID))
}

func (s *Server) webhookDisable(c echo.Context) error {
	e, err := s.webhookParam(c)
	if err != nil {
		return err
	}
	if err := models.DisableWebhookEndpoint(c.Request().Context(), s.db, e.ID, "Disabled by "+currentUser(c).Name+"."); err != nil {
		return err
	}
	setFlash(c, "success", "Webhook disabled. Nothing is sent to it until it is enabled again.")
	return redirect(c, webhookPath(e.ID))
}

// webhookEnable enables an endpoint again; its URL is checked anew, since
// the host may resolve elsewhere by now.
func (s *Server) webhookEnable(c echo.Context) error {
	e, err := s.webhookParam(c)
	if err != nil {
		return err
	}
	_, err = models.UpdateWebhookEndpoint(c.Request().Context(), s.db, e.ID,
		models.WebhookInput{URL: e.URL, Events: e.EventList(), ClientID: e.ClientID, IncludeInternal: e.IncludeInternal},
		true, s.cfg.API.WebhookAllowPrivate)
	var fe models.WebhookFieldError
	if errors.As(err, &fe) {
		setFlash(c, "error", "The webhook stays disabled: "+fe.Detail)
		return redirect(c, webhookPath(e.ID))
	}
	if err != nil {
		return err
	}
	setFlash(c, "success", "Webhook enabled.")
	return redirect(c, webhookPath(e.ID))
}

// webhookRotate shows the new secret once; the old one keeps signing
// alongside it for 24 hours.
func (s *Server) webhookRotate(c echo.Context) error {
	e, err := s.webhookParam(c)
	if err != nil {
		return err
	}
	if e, err = models.RotateWebhookSecret(c.Request().Context(), s.db, e.ID); err != nil {
		return err
	}
	return s.webhookPage(c, &WebhookPage{Endpoint: e, NewSecret: e.Secret}, http.StatusOK)
}

func (s *Server) webhookTest(c echo.Context) error {
	e, err := s.webhookParam(c)
	if err != nil {
		return err
	}
	_, err = models.SendTestWebhook(c.Request().Context(), s.db, e.ID, models.Now())
	switch {
	case errors.Is(err, models.ErrWebhookDisabled):
		setFlash(c, "error", "Enable the webhook before sending it a test event.")
	case err != nil:
		return err
	default:
		setFlash(c, "success", "Test event queued; it leaves within a few seconds. Reload to see the answer.")
	}
	return redirect(c, webhookPath(e.ID))
}

func (s *Server) confirmWebhookDelete(c echo.Context) error {
	e, err := s.webhookParam(c)
	if err != nil {
		return err
	}
	p := ConfirmPage{Title: "Delete the webhook to " + e.URL + "?",
		Consequence: "Nothing more is sent to this address, and its delivery log is deleted with it.",
		Undo:        "This cannot be undone; to receive events again, register the address anew (it gets a new secret).",
		Button:      "Delete webhook", Cancel: webhookPath(e.ID), Action: c.Request().URL.Path}
	return s.render(c, http.StatusOK, tplConfirm, View{Title: p.Title, Nav: "settings", Data: p})
}

func (s *Server) webhookDelete(c echo.Context) error {
	e, err := s.webhookParam(c)
	if err != nil {
		return err
	}
	if err := models.DeleteWebhookEndpoint(c.Request().Context(), s.db, e.ID); err != nil {
		return err
	}
	setFlash(c, "success", "Webhook deleted.")
	return redirect(c, "/console/webhooks")
}

// webhookResend queues a new attempt of a delivery: the same webhook-id
// (so the receiver can tell it is the same event), signed afresh.
func (s *Server) webhookResend(c echo.Context) error {
	e, err := s.webhookParam(c)
	if err != nil {
		return err
	}
	did, err := idParam(c, "delivery")
	if err != nil {
		return err
	}
	if err := models.ResendWebhookDelivery(c.Request().Context(), s.db, e.ID, did, models.Now()); err != nil {
		return err
	}
	setFlash(c, "success", "Sent again shortly, with the same webhook-id.")
	return redirect(c, webhookPath(e.ID)+"#delivery-"+strconv.FormatInt(did, 10))
}
