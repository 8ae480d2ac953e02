package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/handlers"
	"github.com/portal-msp/portal/mail/mailtest"
	"github.com/portal-msp/portal/models"
)

// authApp is the portal with a real in-process SMTP server, and its routes.
type authApp struct {
	*app
	echo *echo.Echo
	smtp *mailtest.Server
}

// newAuthApp boots the portal with env on top of an SMTP configuration that
// points at an in-process server.
func newAuthApp(t *testing.T, db *bun.DB, env map[string]string) *authApp {
	t.Helper()
	smtp := mailtest.Start(t)
	vars := map[string]string{
		"PORTAL_SMTP_HOST": smtp.Host, "PORTAL_SMTP_PORT": strconv.Itoa(smtp.Port), "PORTAL_SMTP_TLS": "none",
		"PORTAL_SMTP_FROM": "Northwind IT <portal@northwind.test>", "PORTAL_DATA_DIR": t.TempDir(),
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := config.Load(func(k string) string { return vars[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	e, err := handlers.New(cfg, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &authApp{app: &app{t: t, db: db, srv: srv, client: newClient()}, echo: e.Echo, smtp: smtp}
}

// other is a browser of the same app.
func (a *authApp) other() *app { return a.browser() }

// csrfOf returns the CSRF token a page gives this browser.
func (a *app) csrfOf(page string) string {
	a.t.Helper()
	_, body := a.get(page)
	token, _ := doc(a.t, body).Find(`meta[name="csrf-token"]`).Attr("content")
	if token == "" {
		a.t.Fatalf("no CSRF token on %s", page)
	}
	return token
}

// sessionCookie is this browser's session cookie value, or "".
func (a *app) sessionCookie() string {
	u, _ := url.Parse(a.srv.URL)
	for _, c := range a.client.Jar.Cookies(u) {
		if c.Name == "portal_session" {
			return c.Value
		}
	}
	return ""
}

// noRedirect sends a request without following redirects, with this
// browser's cookies, and returns the raw response.
func (a *app) noRedirect(req *http.Request) *http.Response {
	a.t.Helper()
	c := *a.client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body) //nolint:errcheck
	resp.Body.Close()
	return resp
}

// otherClient is a second company with a user, a request and a message, to
// prove that nothing of it reaches Acme's users.
type otherClient struct {
	client  *models.Client
	user    *models.User
	request *models.Request
	message *models.Message
}

const (
	foreignName    = "Globex Industries"
	foreignTitle   = "Globex secret payroll server"
	foreignMessage = "Globex private note about the vault"
)

// Ids of the other client's rows are large and distinct, so that no id of
// Acme's own rows (small, from the sequences) can be mistaken for them.
const (
	foreignClientID   = 9501
	foreignUserID     = 9401
	foreignRequestID  = 9101
	foreignRequestNo  = 9201
	foreignMessageID  = 9301
	foreignIdentityID = 9601
)

func seedOtherClient(t *testing.T, db *bun.DB) otherClient {
	t.Helper()
	ctx := context.Background()
	now := models.Now()
	c := &models.Client{ID: foreignClientID, Name: foreignName, Slug: "globex", RequestPrefix: "GLOBEX", Timezone: "UTC",
		NextRequestNumber: foreignRequestNo + 1, CreatedAt: now, UpdatedAt: now}
	hash, err := models.HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	u := &models.User{ID: foreignUserID, ClientID: &c.ID, Role: models.RoleClient, Email: "gina@globex.test",
		Name: "Gina Globex", PasswordHash: &hash, SignupMethod: models.SignupLink, NotifyEmail: true, CreatedAt: now, UpdatedAt: now}
	r := &models.Request{ID: foreignRequestID, ClientID: c.ID, Number: foreignRequestNo, Title: foreignTitle, Description: foreignMessage,
		Urgency: models.UrgencyNormal, Status: models.StatusSubmitted, RequesterID: &u.ID,
		ResponseColour: "green", ResolutionColour: "green", ClockUpdatedAt: now, CreatedAt: now, UpdatedAt: now}
	m := &models.Message{ID: foreignMessageID, ClientID: c.ID, RequestID: r.ID, AuthorID: &u.ID, Body: foreignMessage, CreatedAt: now}
	id := &models.OAuthIdentity{ID: foreignIdentityID, UserID: u.ID, Provider: "google", Subject: "globex-sub", Email: u.Email, CreatedAt: now}
	f := &models.RequestFollower{RequestID: r.ID, UserID: u.ID, CreatedAt: now} // the requester follows
	for _, row := range []any{c, u, r, f, m, id} {
		if _, err := db.NewInsert().Model(row).Exec(ctx); err != nil {
			t.Fatalf("seed other client: %v", err)
		}
	}
	return otherClient{client: c, user: u, request: r, message: m}
}

// linkURLPattern finds a portal or reset URL in a page or an e-mail.
var linkURLPattern = regexp.MustCompile(`https?://[^\s"<>]+/(join|reset)/[A-Za-z0-9_-]+`)

// pathOf returns the path of an absolute URL.
func pathOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}

// makeLink creates a portal link directly and returns its path.
func makeLink(t *testing.T, db *bun.DB, clientID int64, days int) (string, *models.PortalLink) {
	t.Helper()
	l, token, err := models.CreatePortalLink(context.Background(), db, clientID, nil, "test", days)
	if err != nil {
		t.Fatal(err)
	}
	return "/join/" + token, l
}

func countRows(t *testing.T, db *bun.DB, table, where string, args ...any) int {
	t.Helper()
	q := db.NewSelect().Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	n, err := q.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// past moves a timestamp column of matching rows into the past.
func past(t *testing.T, db *bun.DB, table, column string, ago time.Duration, where string, args ...any) {
	t.Helper()
	if _, err := db.NewUpdate().Table(table).Set(column+" = ?", models.Now().Add(-ago)).Where(where, args...).
		Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func contains(body string, words ...string) string {
	for _, w := range words {
		if strings.Contains(body, w) {
			return w
		}
	}
	return ""
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
