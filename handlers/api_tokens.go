package handlers

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/handlers/api"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const tplAPITokens templates.Page = "console/api_tokens"

// apiRoutes adds the JSON API (bearer tokens only: it reads no session, so
// no CSRF applies to it, and the HTML routes never read a token) and the
// console's page for API tokens.
func (s *Server) apiRoutes(e *echo.Echo, console *echo.Group) {
	api.Register(e, s.db, s.log, api.Options{BaseURL: s.cfg.BaseURL, RateLimit: s.cfg.API.RateLimit,
		AllowPrivate: s.cfg.API.WebhookAllowPrivate, HoursChanged: s.checkHourAlerts})
	console.GET("/account/tokens", s.apiTokens)
	console.POST("/account/tokens", s.apiTokenCreate)
	console.POST("/account/tokens/:id/revoke", s.apiTokenRevoke)
}

// APITokensPage lists the viewer's tokens (and, for admins, the
// workspace's integration tokens) with the form for a new one.
type APITokensPage struct {
	Me     *models.User
	Tokens []models.APIToken
	Scopes []string
	Form   APITokenForm
	New    string // the token just made: shown on this answer only
	Now    time.Time
}

// APITokenForm is the new token form.
type APITokenForm struct {
	Name    string
	Kind    string
	Scopes  []string
	Expires string // days: "" never, or 30, 90, 365
	Errors  FieldErrors
}

// Chose reports whether the form has scope ticked.
func (f APITokenForm) Chose(scope string) bool {
	for _, s := range f.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

func (s *Server) apiTokensPage(c echo.Context, p *APITokensPage) error {
	p.Me, p.Scopes, p.Now = currentUser(c), models.APIScopes, models.Now()
	if p.Form.Errors == nil {
		p.Form.Errors = FieldErrors{}
	}
	var err error
	p.Tokens, err = models.ListAPITokens(c.Request().Context(), s.db, p.Me)
	return err
}

func (s *Server) apiTokens(c echo.Context) error {
	p := APITokensPage{Form: APITokenForm{Kind: models.TokenPersonal, Expires: "90"}}
	if err := s.apiTokensPage(c, &p); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, tplAPITokens, View{Title: "API tokens", Nav: "account", Data: p})
}

// apiTokenCreate makes a token and shows it once, in this answer (not
// after a redirect, which would have to carry the secret somewhere).
func (s *Server) apiTokenCreate(c echo.Context) error {
	form, _ := c.FormParams()
	f := APITokenForm{Name: strings.TrimSpace(c.FormValue("name")), Kind: c.FormValue("kind"),
		Scopes: form["scopes"], Expires: c.FormValue("expires"), Errors: FieldErrors{}}
	p := APITokensPage{Form: f}
	if err := s.apiTokensPage(c, &p); err != nil {
		return err
	}
	f.Errors.line("name", f.Name, "Name", 100)
	if f.Kind != models.TokenPersonal && !(f.Kind == models.TokenIntegration && p.Me.IsAdmin()) {
		f.Errors["kind"] = "Choose a personal token (admins may also make an integration token)."
	}
	if len(f.Scopes) == 0 {
		f.Errors["scopes"] = "Choose at least one scope."
	}
	var expires *time.Time
	switch f.Expires {
	case "":
	case "30", "90", "365":
		days := map[string]int{"30": 30, "90": 90, "365": 365}[f.Expires]
		t := models.Now().AddDate(0, 0, days)
		expires = &t
	default:
		f.Errors["expires"] = "Choose when the token expires."
	}
	status := http.StatusUnprocessableEntity
	if !f.Errors.Any() {
		_, secret, err := models.CreateAPIToken(c.Request().Context(), s.db, models.NewAPIToken{Kind: f.Kind,
			UserID: p.Me.ID, Name: f.Name, Scopes: f.Scopes, ExpiresAt: expires})
		switch {
		case errors.Is(err, models.ErrTokenScope):
			f.Errors["scopes"] = "Choose scopes from the list."
		case err != nil:
			return err
		default:
			status, p.New = http.StatusCreated, secret
			f = APITokenForm{Kind: models.TokenPersonal, Expires: "90", Errors: FieldErrors{}}
			if err := s.apiTokensPage(c, &p); err != nil {
				return err
			}
		}
	}
	p.Form = f
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.render(c, status, tplAPITokens, View{Title: "API tokens", Nav: "account", Data: p})
}

func (s *Server) apiTokenRevoke(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := models.RevokeAPIToken(c.Request().Context(), s.db, currentUser(c), id); err != nil {
		return err
	}
	setFlash(c, "success", "Token revoked. Calls with it are refused from now on.")
	return redirect(c, "/console/account/tokens")
}
